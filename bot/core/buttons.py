"""What pressing a button does, after checking that the button still makes sense.

Button data comes from the participant's device and is never trusted: an action must parse, name
content that exists, and fit where the participant is now. A button from an earlier message is
answered with where they are now; anything else that does not fit gets the menu.
"""

from __future__ import annotations

from dataclasses import replace

from bot.content.schema import Module, Step
from bot.core import intents
from bot.core.actions import Action, parse_action
from bot.core.events import (
    ChecklistTicked,
    DataEraseRequested,
    LanguageChanged,
    ProfileUpdated,
    RemindersChanged,
)
from bot.core.modules import render_sources
from bot.core.state import State
from bot.core.turn import Turn


def press(turn: Turn, data: str) -> None:
    """Act on a pressed button."""
    action = parse_action(data)
    if action is None:
        invalid(turn)
    elif action.kind == "lang":
        choose_language(turn, action.arg)
    elif turn.state.lang is None:
        turn.show_language_choice()
    elif action.kind == "menu":
        turn.show_menu()
    elif action.kind in ("mod", "restart"):
        module = turn.catalogue.modules.get(action.arg)
        if module is None:
            invalid(turn)
        else:
            turn.open_module(module, from_start=action.kind == "restart")
    elif action.kind == "src":
        show_sources(turn, action.arg)
    elif action.kind == "erase":
        erase(turn, action.arg)
    elif action.kind == "intent":
        if intents.routable(turn, action.arg):
            intents.follow(turn, action.arg)
        else:
            invalid(turn)
    elif action.kind == "remind":
        turn.state = replace(turn.state, reminders=True)
        turn.emit(RemindersChanged(on=True))
        turn.say("stop.resumed", turn.menu_buttons())
    else:
        move(turn, action)


def invalid(turn: Turn) -> None:
    """A button Werkpad did not make, or that points at content that no longer exists: say so
    and show where the participant is, changing nothing."""
    if turn.state.lang is None:
        turn.show_language_choice()
        return
    turn.say("button.invalid")
    turn.show_current()


def stale(turn: Turn) -> None:
    """A real button from an earlier message: say so and show where the participant is."""
    turn.say("button.stale")
    turn.show_current()


def choose_language(turn: Turn, code: str) -> None:
    """Switches language; a new participant then gets the welcome, privacy note and menu."""
    if not turn.catalogue.supports(code):
        invalid(turn)
        return
    first_time = turn.state.lang is None
    turn.state = replace(turn.state, lang=code, awaiting=None)
    turn.emit(LanguageChanged(code))
    if first_time:
        turn.say("welcome")
        turn.say("privacy.short")
        if turn.state.pending_start:  # no enrolment token is valid until coaching exists
            turn.state = replace(turn.state, pending_start=None)
            turn.say("enrol.unknown")
        turn.show_menu()
    else:
        turn.say("language.changed")
        turn.show_current()


def current_step(turn: Turn, content_id: str) -> tuple[Module, Step] | None:
    """The module and step a button came from, if the participant is still at that step."""
    found = turn.catalogue.step(content_id)
    here = turn.state.bookmark()
    if found is None or here is None:
        return None
    module_id, mark = here
    if found[0].id != module_id or f"{module_id}.{mark.step}" != content_id:
        return None
    return found


def move(turn: Turn, action: Action) -> None:
    """go / ans / done / back: leave the current step the way the button says."""
    found = current_step(turn, action.arg)
    if found is None:
        if turn.catalogue.step(action.arg) is None:
            invalid(turn)
        else:
            stale(turn)
        return
    module, step = found
    mark = turn.state.bookmarks[module.id]
    trail = (*mark.trail, mark.step)
    if action.kind == "go":
        targets = {b.to for b in step.buttons} | ({step.next} if step.next else set())
        if action.arg2 not in targets:
            invalid(turn)
            return
        turn.move_to(module, action.arg2, trail)
    elif action.kind == "ans":
        option = next((o for o in step.options if o.value == action.arg2), None)
        if option is None or step.ask is None:
            invalid(turn)
            return
        if step.remember:
            turn.state = turn.state.with_profile(step.ask, option.value)
            turn.emit(ProfileUpdated(step.ask, option.value))
        turn.move_to(module, option.to, trail)
    elif action.kind == "done":
        if not step.checklist or step.next is None:
            invalid(turn)
            return
        if mark.step not in mark.checked:
            mark = replace(mark, checked=(*mark.checked, mark.step))
            turn.state = turn.state.with_bookmark(module.id, mark)
            turn.emit(ChecklistTicked(module.id, mark.step))
        turn.move_to(module, step.next, trail)
    elif action.kind == "back":
        if not mark.trail:
            turn.show_current()
            return
        back = replace(mark, step=mark.trail[-1], trail=mark.trail[:-1])
        turn.state = turn.state.with_bookmark(module.id, back)
        turn.show_current()


def show_sources(turn: Turn, content_id: str) -> None:
    """Shows where a step's information comes from and when it was checked."""
    found = turn.catalogue.step(content_id)
    if found is None or not found[1].sources:
        invalid(turn)
        return
    message = render_sources(turn.catalogue, found[1], turn.lang, content_id)
    turn.emit(replace(message, buttons=turn.current_buttons()))


def erase(turn: Turn, answer: str) -> None:
    """Asks to confirm, erases, or cancels erasing the participant's data."""
    if answer == "ask":
        turn.state = replace(turn.state, awaiting="erase_confirm")
        turn.say("delete.confirm", turn.erase_buttons())
        return
    if turn.state.awaiting != "erase_confirm":
        stale(turn)
        return
    if answer == "no":
        turn.state = replace(turn.state, awaiting=None)
        turn.say("delete.cancelled", turn.current_buttons())
        return
    turn.emit(DataEraseRequested())
    turn.say("delete.done")  # still in their language: the state is reset only after this
    turn.state = State()
