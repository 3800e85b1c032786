"""Where free text goes once the NLU has named an intent.

An intent opens the module that lists it in its `intents`, or runs the command that does what the
participant asked. Intents that have no place yet return None and the caller says it did not
understand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.content.catalogue import Catalogue
from bot.core.actions import Action

INTENT_COMMANDS = {
    "greet": "start",
    "help": "menu",
    "change_language": "language",
    "stop_messages": "stop",
    "delete_data": "privacy",
}


def top_intent(parse: Mapping[str, Any] | None, min_confidence: float) -> str | None:
    """The intent the NLU is confident about, if any."""
    if not parse:
        return None
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), intent.get("confidence", 0.0)
    if not isinstance(name, str) or not isinstance(confidence, int | float):
        return None
    return name if confidence >= min_confidence else None


def route(catalogue: Catalogue, intent: str) -> Action | str | None:
    """An Action that opens a module, the name of a command to run, or None."""
    for module in catalogue.menu_modules():
        if intent in module.intents:
            return Action("mod", module.id)
    return INTENT_COMMANDS.get(intent)
