"""The events that go into the conversation core and come out of it, and their JSON form.

Inbound events say what the participant did; outbound events say what should happen because of
it. Every type has one registered name used in code, JSON, the event log and the golden tests,
and a docstring with a JSON example (a test parses every example). Names are in the past tense,
so a transcript reads as a history.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

REGISTRY: dict[str, type[Event]] = {}

E = TypeVar("E", bound="type[Event]")


def event(name: str) -> Callable[[E], E]:
    """Register an event type under `name`."""

    def register(cls: E) -> E:
        if name in REGISTRY:
            raise ValueError(f"event type {name} registered twice")
        cls.type_name = name
        REGISTRY[name] = cls
        return cls

    return register


class Event:
    """Base of all events: knows its registered name and its JSON form."""

    type_name: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            data[f.name] = _to_plain(getattr(self, f.name))
        return data


def _to_plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_plain(v) for k, v in value.items()}
    return value


def from_json(data: dict[str, Any] | str) -> Event:
    """Rebuild an event from its JSON form."""
    if isinstance(data, str):
        data = json.loads(data)
    assert isinstance(data, dict)
    values = dict(data)
    cls = REGISTRY[values.pop("type")]
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in values:
            continue
        raw = values.pop(f.name)
        if f.name == "at":
            raw = datetime.fromisoformat(raw)
        elif f.name == "buttons":
            raw = tuple(Button(**b) for b in raw)
        kwargs[f.name] = raw
    if values:
        raise ValueError(f"unknown fields for {cls.type_name}: {sorted(values)}")
    return cls(**kwargs)


@dataclass(frozen=True)
class Button:
    """A button under a message: what it says and the data it sends back."""

    label: str
    data: str


# Inbound -----------------------------------------------------------------------------------------


@event("text_received")
@dataclass(frozen=True)
class TextReceived(Event):
    """The participant typed text; `parse` is the NLU's reading of it, when there is one.

    {"type": "text_received", "user": "telegram:1001", "at": "2026-03-02T09:00:00+00:00",
     "text": "hoe maak ik een cv?", "parse": {"intent": {"name": "cv", "confidence": 0.93}}}
    """

    user: str
    at: datetime
    text: str
    parse: dict[str, Any] | None = None
    lang_hint: str | None = None  # the language the participant's app reports


@event("button_pressed")
@dataclass(frozen=True)
class ButtonPressed(Event):
    """The participant pressed a button; `data` is what the button carried (never trusted).

    {"type": "button_pressed", "user": "telegram:1001", "at": "2026-03-02T09:00:05+00:00",
     "data": "go:cv.intro:layout"}
    """

    user: str
    at: datetime
    data: str
    lang_hint: str | None = None  # the language the participant's app reports


@event("command_received")
@dataclass(frozen=True)
class CommandReceived(Event):
    """The participant sent a command such as /start, with its arguments.

    {"type": "command_received", "user": "telegram:1001", "at": "2026-03-02T09:00:00+00:00",
     "command": "start", "args": "abc123"}
    """

    user: str
    at: datetime
    command: str
    args: str = ""
    lang_hint: str | None = None  # the language the participant's app reports


@event("unsupported_received")
@dataclass(frozen=True)
class UnsupportedReceived(Event):
    """The participant sent something the bot cannot read: a sticker, photo, voice note, file...

    {"type": "unsupported_received", "user": "telegram:1001", "at": "2026-03-02T09:00:00+00:00",
     "kind": "sticker"}
    """

    user: str
    at: datetime
    kind: str
    lang_hint: str | None = None  # the language the participant's app reports


@event("fire_due")
@dataclass(frozen=True)
class FireDue(Event):
    """A scheduled message is due: the core decides whether it still makes sense to send it.

    {"type": "fire_due", "user": "telegram:1001", "at": "2026-03-05T09:00:00+00:00",
     "fire_id": 7, "kind": "resume", "payload": {"module": "cv", "step": "layout"}}
    """

    user: str
    at: datetime
    fire_id: int
    kind: str
    payload: dict[str, Any]
    lang_hint: str | None = None


Inbound = TextReceived | ButtonPressed | CommandReceived | UnsupportedReceived | FireDue


# Outbound ----------------------------------------------------------------------------------------


@event("message_created")
@dataclass(frozen=True)
class MessageCreated(Event):
    """The participant should see one message, with optional buttons.

    {"type": "message_created", "text": "Welkom!", "lang": "nl",
     "buttons": [{"label": "Verder", "data": "go:cv.intro:layout"}], "content_id": "cv.intro"}
    """

    text: str
    lang: str
    buttons: tuple[Button, ...] = ()
    content_id: str | None = None


@event("language_changed")
@dataclass(frozen=True)
class LanguageChanged(Event):
    """The participant chose a language.

    {"type": "language_changed", "lang": "ar"}
    """

    lang: str


@event("profile_updated")
@dataclass(frozen=True)
class ProfileUpdated(Event):
    """An answer was stored in the participant's profile.

    {"type": "profile_updated", "field": "has_cv", "value": "no"}
    """

    field: str
    value: str


@event("step_reached")
@dataclass(frozen=True)
class StepReached(Event):
    """The participant was shown a step of a module.

    {"type": "step_reached", "module": "cv", "step": "layout", "n": 2, "total": 15}
    """

    module: str
    step: str
    n: int
    total: int


@event("checklist_ticked")
@dataclass(frozen=True)
class ChecklistTicked(Event):
    """The participant said they have done a checklist step.

    {"type": "checklist_ticked", "module": "cv", "step": "check_by_someone"}
    """

    module: str
    step: str


@event("module_completed")
@dataclass(frozen=True)
class ModuleCompleted(Event):
    """The participant reached the end of a module.

    {"type": "module_completed", "module": "cv"}
    """

    module: str


@event("reminders_changed")
@dataclass(frozen=True)
class RemindersChanged(Event):
    """The participant turned reminders off (/stop) or back on.

    {"type": "reminders_changed", "on": false}
    """

    on: bool


@event("fire_scheduled")
@dataclass(frozen=True)
class FireScheduled(Event):
    """A message should be considered at `due`; the host stores a row and never a timer. It
    replaces any scheduled message of the same kind for the participant.

    {"type": "fire_scheduled", "kind": "resume", "due": "2026-03-05T09:00:00+00:00",
     "useful_until": "2026-03-16T09:00:00+00:00", "priority": 2,
     "payload": {"module": "cv", "step": "layout"}}
    """

    kind: str
    due: str
    useful_until: str | None
    priority: int
    payload: dict[str, Any]


@event("fires_cancelled")
@dataclass(frozen=True)
class FiresCancelled(Event):
    """Scheduled messages of this kind are no longer wanted.

    {"type": "fires_cancelled", "kind": "resume"}
    """

    kind: str


@event("data_erase_requested")
@dataclass(frozen=True)
class DataEraseRequested(Event):
    """The participant confirmed that all their data must be erased.

    {"type": "data_erase_requested"}
    """


Outbound = (
    MessageCreated
    | FireScheduled
    | FiresCancelled
    | LanguageChanged
    | ProfileUpdated
    | StepReached
    | ChecklistTicked
    | ModuleCompleted
    | RemindersChanged
    | DataEraseRequested
)
