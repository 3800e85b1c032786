"""What a button does, written into and read back from the button's data.

Button data travels through the channel and comes back when the participant presses the button.
It is never trusted: `parse_action` accepts only the shapes below, and the core checks every
action against the current state before acting. Telegram allows 64 bytes of callback data.

    lang:<code>                 choose a language
    menu                        show the main menu
    mod:<module>                open a module where the participant left it
    restart:<module>            open a module at its start
    go:<module>.<step>:<target> leave a step by one of its buttons (target: step id or module.step)
    ans:<module>.<step>:<value> answer a question step
    done:<module>.<step>        tick off a checklist step and go on
    back:<module>.<step>        go back from a step
    src:<module>.<step>         show the sources of a step
    erase:ask|yes|no            the steps of deleting one's data
    remind:on                   turn reminders back on
    intent:<name>               follow an intent offered by "did you mean..."
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DATA_BYTES = 64

_ID = r"[a-z][a-z0-9_]*"
_CONTENT_ID = rf"{_ID}\.{_ID}"
_PATTERNS: dict[str, re.Pattern[str]] = {
    "lang": re.compile(r"^lang:([a-z]{2,3})$"),
    "menu": re.compile(r"^menu$"),
    "mod": re.compile(rf"^mod:({_ID})$"),
    "restart": re.compile(rf"^restart:({_ID})$"),
    "go": re.compile(rf"^go:({_CONTENT_ID}):({_ID}(?:\.{_ID})?)$"),
    "ans": re.compile(rf"^ans:({_CONTENT_ID}):([a-z0-9_]{{1,16}})$"),
    "done": re.compile(rf"^done:({_CONTENT_ID})$"),
    "back": re.compile(rf"^back:({_CONTENT_ID})$"),
    "src": re.compile(rf"^src:({_CONTENT_ID})$"),
    "erase": re.compile(r"^erase:(ask|yes|no)$"),
    "remind": re.compile(r"^remind:(on)$"),
    "intent": re.compile(rf"^intent:({_ID})$"),
}


@dataclass(frozen=True)
class Action:
    """A parsed button: its kind and up to two arguments."""

    kind: str
    arg: str = ""
    arg2: str = ""

    def encode(self) -> str:
        data = ":".join(part for part in (self.kind, self.arg, self.arg2) if part)
        if len(data.encode("utf-8")) > MAX_DATA_BYTES:
            raise ValueError(f"button data over {MAX_DATA_BYTES} bytes: {data}")
        return data


def parse_action(data: str) -> Action | None:
    """The action in `data`, or None when the data is not one Werkpad makes."""
    if len(data.encode("utf-8", "replace")) > MAX_DATA_BYTES:
        return None
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(data)
        if match:
            groups = [*match.groups(), "", ""]
            return Action(kind, groups[0], groups[1])
    return None
