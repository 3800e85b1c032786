"""A participant's conversation state: small, immutable and JSON-serialisable.

The core gets a State with every event and returns the next one; storage keeps it between
events. Nothing here knows where the state is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

Awaiting = Literal["language", "erase_confirm"]


@dataclass(frozen=True)
class Bookmark:
    """Where a participant is in one module."""

    step: str
    trail: tuple[str, ...] = ()  # steps to go back to, oldest first
    checked: tuple[str, ...] = ()  # checklist steps ticked off
    completed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "trail": list(self.trail),
            "checked": list(self.checked),
            "completed": self.completed,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bookmark:
        return cls(
            step=str(data["step"]),
            trail=tuple(data.get("trail", ())),
            checked=tuple(data.get("checked", ())),
            completed=bool(data.get("completed", False)),
        )


def _frozen(mapping: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class State:
    """Everything the core needs to remember about one participant between events."""

    lang: str | None = None
    profile: Mapping[str, str] = field(default_factory=_frozen)
    current: str | None = None  # the module the participant is in, None at the menu
    bookmarks: Mapping[str, Bookmark] = field(default_factory=_frozen)
    awaiting: Awaiting | None = None
    reminders: bool = True
    other_language: str | None = None  # the language of the last message, if not theirs
    pending_start: str | None = None  # a /start link's token, until the language is chosen

    def with_profile(self, key: str, value: str) -> State:
        return replace(self, profile=_frozen({**self.profile, key: value}))

    def with_bookmark(self, module: str, bookmark: Bookmark) -> State:
        return replace(self, bookmarks=_frozen({**self.bookmarks, module: bookmark}))

    def bookmark(self) -> tuple[str, Bookmark] | None:
        """The current module and where the participant is in it."""
        if self.current is None or self.current not in self.bookmarks:
            return None
        return self.current, self.bookmarks[self.current]

    def to_json(self) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "profile": dict(self.profile),
            "current": self.current,
            "bookmarks": {k: b.to_json() for k, b in self.bookmarks.items()},
            "awaiting": self.awaiting,
            "reminders": self.reminders,
            "other_language": self.other_language,
            "pending_start": self.pending_start,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> State:
        if not data:
            return cls()
        return cls(
            lang=data.get("lang"),
            profile=_frozen({str(k): str(v) for k, v in (data.get("profile") or {}).items()}),
            current=data.get("current"),
            bookmarks=_frozen(
                {k: Bookmark.from_json(v) for k, v in (data.get("bookmarks") or {}).items()}
            ),
            awaiting=data.get("awaiting"),
            reminders=bool(data.get("reminders", True)),
            other_language=data.get("other_language"),
            pending_start=data.get("pending_start"),
        )
