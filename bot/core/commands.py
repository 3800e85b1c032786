"""What the participant's commands do: /start /menu /language /help /privacy /stop /delete.

Each handler takes the current Turn and changes it; none of them knows which channel the
command came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.actions import Action
from bot.core.events import RemindersChanged
from bot.core.modules import position
from bot.core.turn import Turn


def start(turn: Turn, args: str) -> None:
    """Greets a new participant with the language choice; resumes a returning one."""
    if turn.state.lang is None:
        # Keep the link's token until the language is chosen, so the answer about it can be
        # given in that language.
        turn.state = replace(turn.state, pending_start=args[:64] or None)
        turn.show_language_choice()
        return
    if args:  # enrolment links arrive with coaching; until then no token is valid
        turn.say("enrol.unknown")
    here = turn.state.bookmark()
    if here is not None and not here[1].completed:
        module = turn.catalogue.modules.get(here[0])
        current = turn.render_current()
        if module is not None and current is not None:
            title = module.title[turn.catalogue.module_language(module, turn.lang)]
            n, total = _position_of(turn)
            turn.say("module.resume", title=title, n=n, total=total)
            turn.emit(current)
            return
    turn.show_menu()


def _position_of(turn: Turn) -> tuple[int, int]:
    here = turn.state.bookmark()
    assert here is not None
    module = turn.catalogue.modules[here[0]]
    return position(
        turn.catalogue, module, here[1].step, turn.state.profile, len(here[1].trail) + 1
    )


def menu(turn: Turn, args: str) -> None:
    """Shows the main menu of topics."""
    turn.show_menu()


def language(turn: Turn, args: str) -> None:
    """Offers the language choice again."""
    turn.show_language_choice()


def help_(turn: Turn, args: str) -> None:
    """Explains what the bot does and which commands exist, then shows the menu."""
    turn.say("help.text")
    turn.show_menu()


def privacy(turn: Turn, args: str) -> None:
    """Says in plain words what is stored and why, with a way to erase it."""
    turn.say(
        "privacy.text",
        (
            turn.button("privacy.delete_button", Action("erase", "ask")),
            turn.button("nav.menu", Action("menu")),
        ),
    )


def delete(turn: Turn, args: str) -> None:
    """Asks for confirmation before erasing the participant's data."""
    turn.state = replace(turn.state, awaiting="erase_confirm")
    turn.say("delete.confirm", turn.erase_buttons())


def stop(turn: Turn, args: str) -> None:
    """Turns reminders off; the participant can still talk to the bot."""
    if turn.state.reminders:
        turn.state = replace(turn.state, reminders=False)
        turn.emit(RemindersChanged(on=False))
    turn.say(
        "stop.done",
        (
            turn.button("stop.resume_button", Action("remind", "on")),
            turn.button("nav.menu", Action("menu")),
        ),
    )


HANDLERS: dict[str, Callable[[Turn, str], None]] = {
    "start": start,
    "menu": menu,
    "language": language,
    "help": help_,
    "privacy": privacy,
    "delete": delete,
    "stop": stop,
}


def run_command(turn: Turn, command: str, args: str) -> None:
    """Run a participant command; unknown ones get a friendly list of the known ones."""
    handler = HANDLERS.get(command.lower())
    if handler is None:
        if turn.state.lang is None:
            turn.show_language_choice()
        else:
            turn.say("command.unknown", turn.current_buttons(), command=f"/{command[:32]}")
        return
    if turn.state.lang is None and handler is not start:
        turn.show_language_choice()
        return
    handler(turn, args)
