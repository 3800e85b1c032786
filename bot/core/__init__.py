"""The conversation core: pure functions from (state, inbound event) to (state, outbound events).

It knows nothing about Telegram, terminals, databases or the clock; see bot.conversations for the
host that drives it.
"""

from bot.core.events import (
    Button,
    ButtonPressed,
    CommandReceived,
    Inbound,
    MessageCreated,
    Outbound,
    TextReceived,
    UnsupportedReceived,
)
from bot.core.state import State
from bot.core.step import step
from bot.core.turn import Context, Sprint

__all__ = [
    "Button",
    "ButtonPressed",
    "CommandReceived",
    "Context",
    "Inbound",
    "MessageCreated",
    "Outbound",
    "Sprint",
    "State",
    "TextReceived",
    "UnsupportedReceived",
    "step",
]
