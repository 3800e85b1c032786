"""Entities the bot needs from free text: for now an age, so "I am 34" can pick a branch."""

from __future__ import annotations

import re
from typing import Any

from bot.nlu.normalise import ascii_digits

# Two digits that are not part of a longer number, a date, a time or an amount ("1,34", "12:30").
NUMBER = re.compile(r"(?<!\d)(?<!\d[.,:/])(\d{2})(?!\d)(?![.,:/]\d)")
YOUNGEST, OLDEST = 15, 80


def extract_entities(text: str) -> list[dict[str, Any]]:
    """Rasa-shaped entities: a two-digit number between 15 and 80 is read as an age."""
    digits = ascii_digits(text)
    found: list[dict[str, Any]] = []
    for match in NUMBER.finditer(digits):
        value = int(match.group(1))
        if YOUNGEST <= value <= OLDEST:
            found.append(
                {
                    "entity": "age",
                    "value": value,
                    "start": match.start(1),
                    "end": match.end(1),
                    "confidence_entity": 1.0,
                    "extractor": "werkpad_regex",
                }
            )
            break  # one age per message; a second number is rarely another age
    return found
