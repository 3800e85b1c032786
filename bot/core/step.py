"""The conversation core's one entry point: step(state, event, ctx) -> Sprint.

Pure: no channel, no database, no network, no clock. The time arrives inside the event. The
caller stores the returned state and applies the returned events, in that order.
"""

from __future__ import annotations

import unicodedata

from bot.core import buttons, commands, intents, nudges
from bot.core.events import (
    ButtonPressed,
    CommandReceived,
    FireDue,
    Inbound,
    TextReceived,
    UnsupportedReceived,
)
from bot.core.state import State
from bot.core.turn import Context, Sprint, Turn

_KEEP = {"\n", "\t"}


def clean_text(text: str) -> str:
    """Drop control characters (keeping line breaks) and surrounding white space."""
    return "".join(ch for ch in text if ch in _KEEP or unicodedata.category(ch) != "Cc").strip()


def step(state: State, event: Inbound, ctx: Context) -> Sprint:
    """Run one inbound event through the conversation and return what follows from it."""
    hint = ctx.catalogue.match_language(event.lang_hint)
    turn = Turn(state, ctx, at=event.at, lang_hint=hint)
    if isinstance(event, CommandReceived):
        commands.run_command(turn, event.command, clean_text(event.args))
    elif isinstance(event, ButtonPressed):
        buttons.press(turn, event.data)
    elif isinstance(event, TextReceived):
        receive_text(turn, event)
    elif isinstance(event, UnsupportedReceived):
        reply_short(turn, "input.unsupported")
    elif isinstance(event, FireDue):
        nudges.fire(turn, event)
    return turn.sprint()


def reply_short(turn: Turn, key: str, **values: object) -> None:
    """A one-line answer that keeps the participant where they are, with the current buttons."""
    if turn.state.lang is None or turn.state.awaiting == "language":
        turn.show_language_choice()
        return
    turn.say(key, turn.current_buttons(), **values)


def receive_text(turn: Turn, event: TextReceived) -> None:
    """Free text: refuse what cannot be read, route what the NLU understood."""
    text = clean_text(event.text)
    if not text:
        reply_short(turn, "input.empty")
        return
    if len(text) > turn.ctx.max_text_chars:
        reply_short(turn, "input.too_long", max=turn.ctx.max_text_chars)
        return
    if turn.state.lang is None or turn.state.awaiting in ("language", "erase_confirm"):
        reply_short(turn, "input.not_understood")  # a choice is open: ask for it again
        return
    reading = intents.read(event.parse)
    intents.answer(turn, reading)
    intents.offer_language(turn, reading)
