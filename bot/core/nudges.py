"""What a due scheduled message becomes: a reminder, or nothing when it no longer fits.

The core never starts a timer. It asks for a reminder with `fire_scheduled`; when the host's
scheduler finds the row due it passes `fire_due`, and this module looks at the participant as they
are now: reminders switched off, the module finished or moved on from, and the reminder is dropped.
"""

from __future__ import annotations

from bot.core.actions import Action
from bot.core.events import FireDue
from bot.core.modules import position
from bot.core.turn import Turn


def fire(turn: Turn, event: FireDue) -> None:
    """Send the reminder a due fire stands for, if it still makes sense."""
    if turn.state.lang is None or not turn.state.reminders:
        return
    if event.kind == "resume":
        remind_to_resume(turn, str(event.payload.get("module")), str(event.payload.get("step")))


def remind_to_resume(turn: Turn, module_id: str, step_id: str) -> None:
    """Invites someone back to the module they left, if they are still where they left it."""
    module = turn.catalogue.modules.get(module_id)
    mark = turn.state.bookmarks.get(module_id)
    if module is None or mark is None or mark.completed or mark.step != step_id:
        return
    if step_id not in module.steps:
        return
    title = module.title[turn.catalogue.module_language(module, turn.lang)]
    n, total = position(turn.catalogue, module, step_id, turn.state.profile, len(mark.trail) + 1)
    buttons = (
        turn.button("nav.continue", Action("mod", module_id), title=title),
        turn.button("nav.menu", Action("menu")),
    )
    turn.say("nudge.resume", buttons, title=title, n=n, total=total)
