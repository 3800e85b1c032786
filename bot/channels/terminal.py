"""A chat in the terminal: input lines become core events, messages become printed lines.

Each input line is one message. A line starting with "/" is a command; a line that is only a
number N presses button N of the latest message that had buttons; anything else is text. Each
bot message is printed, followed by its buttons as numbered lines "[1] Label" and a blank line.
Works the same with piped input (no prompts) and ends at the end of input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TextIO

from bot.clock import Clock
from bot.conversations import Conversations
from bot.core.events import (
    Button,
    ButtonPressed,
    CommandReceived,
    Inbound,
    MessageCreated,
    TextReceived,
)


def to_inbound(line: str, user: str, buttons: tuple[Button, ...], clock: Clock) -> Inbound:
    """The event one input line stands for, given the buttons currently on screen."""
    at = clock.now()
    stripped = line.strip()
    if stripped.startswith("/") and len(stripped) > 1:
        command, _, args = stripped[1:].partition(" ")
        return CommandReceived(user=user, at=at, command=command.split("@")[0], args=args.strip())
    if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return ButtonPressed(user=user, at=at, data=buttons[int(stripped) - 1].data)
    return TextReceived(user=user, at=at, text=line)


def render(message: MessageCreated) -> str:
    """A message as printed lines: its text, then its buttons numbered from 1."""
    lines = [message.text]
    lines += [f"[{i}] {b.label}" for i, b in enumerate(message.buttons, start=1)]
    return "\n".join(lines) + "\n"


class TerminalChat:
    """One participant chatting through standard input and output."""

    def __init__(self, conversations: Conversations, clock: Clock, user: str, out: TextIO) -> None:
        self.conversations = conversations
        self.clock = clock
        self.user = user
        self.out = out
        self.buttons: tuple[Button, ...] = ()

    def send(self, event: Inbound) -> None:
        """Pass one event to the conversation and print what comes back."""
        for message in self.conversations.handle(event).messages:
            print(render(message), file=self.out, flush=True)
            if message.buttons:
                self.buttons = message.buttons

    def send_line(self, line: str) -> None:
        self.send(to_inbound(line, self.user, self.buttons, self.clock))

    def run(self, lines: Iterable[str], prompt: str = "") -> None:
        """Chat until the input ends."""
        for line in lines:
            self.send_line(line.rstrip("\r\n"))
            if prompt:
                print(prompt, end="", file=self.out, flush=True)
