"""Every event type documents itself with a JSON example that parses and survives a round trip."""

from __future__ import annotations

import json
import re

import pytest

from bot.core.events import REGISTRY, Event, from_json


def example_of(cls: type[Event]) -> dict[str, object]:
    doc = cls.__doc__ or ""
    match = re.search(r"(\{\"type\".*\})", doc, re.S)
    assert match, f"{cls.__name__} has no JSON example in its docstring"
    data: dict[str, object] = json.loads(match.group(1))
    return data


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_docstring_example_parses_and_round_trips(name: str) -> None:
    example = example_of(REGISTRY[name])
    assert example["type"] == name
    event = from_json(example)
    assert isinstance(event, REGISTRY[name])
    assert from_json(event.to_json()) == event
    assert {k: v for k, v in event.to_json().items() if k in example} == example


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown fields"):
        from_json({"type": "language_changed", "lang": "nl", "colour": "blue"})


def test_json_text_is_accepted() -> None:
    assert from_json('{"type": "module_completed", "module": "cv"}').to_json() == {
        "type": "module_completed",
        "module": "cv",
    }
