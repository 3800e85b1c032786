"""The terminal channel: how typed lines become events and messages become printed lines."""

from __future__ import annotations

from bot.channels.terminal import render, to_inbound
from bot.clock import ManualClock
from bot.core.events import Button, ButtonPressed, CommandReceived, MessageCreated, TextReceived

BUTTONS = (Button("Verder", "go:cv.intro:has_cv"), Button("Menu", "menu"))


def test_a_number_presses_that_button(clock: ManualClock) -> None:
    event = to_inbound("2", "terminal:1", BUTTONS, clock)
    assert event == ButtonPressed("terminal:1", clock.now(), "menu")


def test_a_number_without_such_a_button_is_text(clock: ManualClock) -> None:
    assert isinstance(to_inbound("3", "terminal:1", BUTTONS, clock), TextReceived)
    assert isinstance(to_inbound("0", "terminal:1", BUTTONS, clock), TextReceived)
    assert isinstance(to_inbound("١", "terminal:1", BUTTONS, clock), TextReceived)


def test_a_slash_starts_a_command_with_arguments(clock: ManualClock) -> None:
    event = to_inbound("/start abc123 ", "terminal:1", (), clock)
    assert event == CommandReceived("terminal:1", clock.now(), "start", "abc123")
    assert to_inbound("/menu@werkpad_bot", "terminal:1", (), clock) == CommandReceived(
        "terminal:1", clock.now(), "menu", ""
    )


def test_a_lone_slash_and_other_lines_are_text(clock: ManualClock) -> None:
    assert to_inbound("/", "terminal:1", (), clock) == TextReceived("terminal:1", clock.now(), "/")
    assert to_inbound("", "terminal:1", (), clock) == TextReceived("terminal:1", clock.now(), "")


def test_buttons_are_printed_as_numbered_lines() -> None:
    message = MessageCreated("Hallo\nwereld", "nl", BUTTONS)
    assert render(message) == "Hallo\nwereld\n[1] Verder\n[2] Menu\n"
