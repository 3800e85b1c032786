"""What free text leads to, once the NLU has read it.

A confident intent opens its module (the one that lists it in `intents`) or runs its command; a
topic Werkpad has no module for yet says so and points to the coach. A less confident reading asks
"did you mean..." with the likely topics as buttons. A low one, or out_of_scope, says kindly that
the bot cannot help with that and offers the menu. An age in a question about paying for a study
is kept in the profile, so the study finance branch fits the person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.core.actions import Action
from bot.core.events import Button, MessageCreated, ProfileUpdated
from bot.core.turn import Turn

# Intents with a topic name (UI string topic.<intent>), offered as buttons and named in answers.
TOPICS = (
    "cv",
    "job_search",
    "diploma",
    "employer_expectations",
    "contracts",
    "study",
    "study_finance",
    "dutch_language",
    "volunteering",
    "entrepreneurship",
    "benefits",
    "health_wellbeing",
    "appointment",
    "contact_coach",
)
COMMANDS = {
    "greet": "start",
    "help": "menu",
    "change_language": "language",
    "stop_messages": "stop",
    "delete_data": "privacy",
}
AGE_LIMIT = 30  # studiefinanciering must start before 30 (facts: DUO eligibility)


@dataclass(frozen=True)
class Reading:
    """What the NLU made of a message, in the few terms the conversation needs."""

    intent: str | None
    confidence: float
    ranking: tuple[tuple[str, float], ...]
    language: str | None
    language_confidence: float
    age: int | None


def read(parse: Mapping[str, Any] | None) -> Reading:
    """A Reading from a Rasa-shaped parse; anything malformed reads as nothing."""
    if not parse or not isinstance(parse.get("intent"), Mapping):
        return Reading(None, 0.0, (), None, 0.0, None)
    ranking = tuple(
        (str(item["name"]), float(item.get("confidence", 0.0)))
        for item in parse.get("intent_ranking") or [parse["intent"]]
        if isinstance(item, Mapping) and "name" in item
    )
    intent = parse["intent"]
    ages = [e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "age"]
    age = next((int(a) for a in ages if str(a).isdigit()), None)
    return Reading(
        intent=str(intent.get("name")) if intent.get("name") else None,
        confidence=float(intent.get("confidence") or 0.0),
        ranking=ranking,
        language=parse.get("language") if isinstance(parse.get("language"), str) else None,
        language_confidence=float(parse.get("language_confidence") or 0.0),
        age=age,
    )


def routable(turn: Turn, intent: str) -> bool:
    return intent in TOPICS or intent in COMMANDS or intent == "thanks" or module_for(turn, intent)


def module_for(turn: Turn, intent: str) -> bool:
    return any(intent in m.intents for m in turn.catalogue.menu_modules())


def answer(turn: Turn, reading: Reading) -> None:
    """Answer free text by how sure the NLU is."""
    ctx = turn.ctx
    if reading.intent is None or reading.confidence < ctx.low_confidence:
        turn.say("input.not_understood", turn.current_buttons())
    elif reading.intent == "out_of_scope":
        turn.say("nlu.out_of_scope", turn.menu_buttons())
    elif reading.confidence >= ctx.high_confidence and routable(turn, reading.intent):
        follow(turn, reading.intent, reading.age)
    else:
        did_you_mean(turn, reading)


def did_you_mean(turn: Turn, reading: Reading) -> None:
    candidates = [
        name
        for name, confidence in reading.ranking[:3]
        if confidence >= turn.ctx.low_confidence and name in TOPICS
    ]
    if not candidates:
        turn.say("input.not_understood", turn.current_buttons())
        return
    buttons = tuple(turn.button(f"topic.{name}", Action("intent", name)) for name in candidates)
    menu = turn.button("nav.menu", Action("menu"))
    turn.say("nlu.did_you_mean", (*buttons, menu))


def follow(turn: Turn, intent: str, age: int | None = None) -> None:
    """Do what the participant asked for: open the module, run the command, or point onwards."""
    from bot.core import buttons, commands  # imported here: both of them import this module

    if intent == "study_finance" and age is not None:
        band = "under_30" if age < AGE_LIMIT else "30_plus"
        turn.state = turn.state.with_profile("age_band", band)
        turn.emit(ProfileUpdated("age_band", band))
    module = next((m for m in turn.catalogue.menu_modules() if intent in m.intents), None)
    if module is not None:
        buttons.press(turn, Action("mod", module.id).encode())
    elif intent in COMMANDS:
        commands.run_command(turn, COMMANDS[intent], "")
    elif intent == "thanks":
        turn.say("nlu.thanks", turn.current_buttons())
    elif intent in TOPICS:
        topic = turn.text(f"topic.{intent}")
        turn.say("nlu.no_topic_yet", turn.menu_buttons(), topic=topic)
    else:
        turn.say("input.not_understood", turn.current_buttons())


def offer_language(turn: Turn, reading: Reading) -> None:
    """After two messages in a row in another supported language, offer to switch to it."""
    cat = turn.catalogue
    other = reading.language
    sure = reading.language_confidence >= turn.ctx.language_confidence
    if not (other and sure and cat.supports(other) and other != turn.state.lang):
        turn.state = replace(turn.state, other_language=None)
        return
    previous = turn.state.other_language
    if previous != other:
        turn.state = replace(turn.state, other_language=other)
        return
    turn.state = replace(turn.state, other_language=None)
    current = turn.lang
    switch: tuple[Button, ...] = (
        Button(cat.language(other).name, Action("lang", other).encode()),
        Button(cat.language(current).name, Action("lang", current).encode()),
    )
    question = cat.text(other, "nlu.offer_language")  # asked in the language they write
    turn.emit(MessageCreated(question, other, switch, "ui.nlu.offer_language"))
