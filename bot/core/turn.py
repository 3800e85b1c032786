"""One turn of the conversation: the state as it changes and the events it produces.

Handlers in bot.core.commands, bot.core.buttons and bot.core.step share these moves: say a
string, show the menu, the language choice or a step, and work out which buttons are current.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.content.catalogue import Catalogue
from bot.content.schema import Module
from bot.core.actions import Action
from bot.core.events import (
    Button,
    FiresCancelled,
    FireScheduled,
    MessageCreated,
    ModuleCompleted,
    Outbound,
    StepReached,
)
from bot.core.modules import StepView, render_step, resolve, split_target
from bot.core.state import Bookmark, State


@dataclass(frozen=True)
class Context:
    """What the core may read besides the state: the content and a few limits."""

    catalogue: Catalogue
    max_text_chars: int = 2000
    resume_after: timedelta = timedelta(days=3)  # a reminder after leaving a module unfinished
    resume_useful_for: timedelta = timedelta(days=14)  # after that, the reminder is not sent
    high_confidence: float = 0.6  # act on the intent at once
    low_confidence: float = 0.25  # below: not understood; between: "did you mean..."
    language_confidence: float = 0.8  # sure enough about the language to offer a switch


@dataclass(frozen=True)
class Sprint:
    """The result of one event: the state to store and the events to apply, in order."""

    state: State
    events: tuple[Outbound, ...]

    @property
    def messages(self) -> list[MessageCreated]:
        return [e for e in self.events if isinstance(e, MessageCreated)]


class Turn:
    """Accumulates the new state and the outbound events of one step of the core."""

    def __init__(
        self, state: State, ctx: Context, at: datetime, lang_hint: str | None = None
    ) -> None:
        self.state = state
        self.ctx = ctx
        self.at = at  # the time of the event: reminders are scheduled from it
        self.lang_hint = lang_hint
        self.events: list[Outbound] = []

    @property
    def catalogue(self) -> Catalogue:
        return self.ctx.catalogue

    @property
    def lang(self) -> str:
        return self.state.lang or self.catalogue.fallback[0]

    def sprint(self) -> Sprint:
        return Sprint(self.state, tuple(self.events))

    def emit(self, event: Outbound) -> None:
        self.events.append(event)

    def text(self, key: str, **values: object) -> str:
        return self.catalogue.text(self.lang, key, **values)

    def say(self, key: str, buttons: tuple[Button, ...] = (), **values: object) -> None:
        """Send one interface string in the participant's language."""
        self.emit(MessageCreated(self.text(key, **values), self.lang, buttons, f"ui.{key}"))

    def button(self, key: str, action: Action, **values: object) -> Button:
        return Button(self.text(key, **values), action.encode())

    # The language choice and the menu ---------------------------------------------------------

    def show_language_choice(self) -> None:
        """Offer every language by its own name, the one the participant's app uses first; the
        question is asked in all of them."""
        cat = self.catalogue
        languages = sorted(cat.languages, key=lambda lang: lang.code != self.lang_hint)
        question = "\n".join(cat.text(lang.code, "language.choose") for lang in languages)
        buttons = tuple(Button(lang.name, Action("lang", lang.code).encode()) for lang in languages)
        self.state = replace(self.state, awaiting="language")
        self.emit(MessageCreated(question, self.lang, buttons, "ui.language.choose"))

    def menu_buttons(self) -> tuple[Button, ...]:
        buttons = []
        for module in self.catalogue.menu_modules():
            title = module.title[self.catalogue.module_language(module, self.lang)]
            mark = self.state.bookmarks.get(module.id)
            if mark is not None and mark.completed:
                title = self.text("menu.item_done", title=title)
            elif mark is not None:
                title = self.text("menu.item_started", title=title)
            buttons.append(Button(title, Action("mod", module.id).encode()))
        return tuple(buttons)

    def show_menu(self) -> None:
        self.state = replace(self.state, current=None, awaiting=None)
        self.say("menu.title", self.menu_buttons())

    # Steps --------------------------------------------------------------------------------------

    def render_current(self) -> MessageCreated | None:
        here = self.state.bookmark()
        if here is None:
            return None
        module_id, mark = here
        module = self.catalogue.modules.get(module_id)
        if module is None or mark.step not in module.steps:
            return None
        return self.view(module, mark.step, mark.trail).message

    def view(self, module: Module, step_id: str, trail: tuple[str, ...]) -> StepView:
        """A step as this participant sees it, with the way back they have."""
        return render_step(
            self.catalogue,
            module,
            step_id,
            self.lang,
            self.state.profile,
            depth=len(trail) + 1,
            can_go_back=bool(trail),
        )

    def current_buttons(self) -> tuple[Button, ...]:
        """The buttons that fit where the participant is, for short replies."""
        if self.state.awaiting == "language" or self.state.lang is None:
            return ()
        if self.state.awaiting == "erase_confirm":
            return self.erase_buttons()
        current = self.render_current()
        return current.buttons if current is not None else self.menu_buttons()

    def erase_buttons(self) -> tuple[Button, ...]:
        return (
            self.button("delete.yes", Action("erase", "yes")),
            self.button("delete.no", Action("erase", "no")),
        )

    def show_current(self) -> None:
        """Show the step the participant is at again, or the menu when they are in none."""
        current = self.render_current()
        if current is None:
            self.show_menu()
        else:
            self.emit(current)

    def open_module(self, module: Module, from_start: bool = False) -> None:
        """Enter a module where the participant left it (or at its start)."""
        mark = self.state.bookmarks.get(module.id)
        content_lang = self.catalogue.module_language(module, self.lang)
        if content_lang != self.lang:
            name = self.catalogue.language(content_lang).name
            self.say("module.fallback_language", language=name)
        self.state = replace(self.state, current=module.id, awaiting=None)
        if mark is None or mark.completed or from_start:
            self.move_to(module, module.start, trail=(), keep=mark)
        else:
            self.show_current()

    def move_to(
        self, module: Module, target: str, trail: tuple[str, ...], keep: Bookmark | None = None
    ) -> None:
        """Go to a step (following branches), store the bookmark and show it."""
        mod_id, step_id = split_target(module, target)
        resolved = resolve(self.catalogue, mod_id, step_id, self.state.profile)
        mod_id, _, step_id = resolved.partition(".")
        if mod_id != module.id:  # a link into another module starts a fresh trail there
            module = self.catalogue.modules[mod_id]
            keep, trail = self.state.bookmarks.get(mod_id), ()
        previous = keep if keep is not None else self.state.bookmarks.get(mod_id)
        mark = Bookmark(
            step=step_id,
            trail=trail,
            checked=previous.checked if previous else (),
            completed=previous.completed if previous else False,
        )
        self.state = replace(self.state.with_bookmark(mod_id, mark), current=mod_id, awaiting=None)
        view = self.view(module, step_id, trail)
        self.emit(view.message)
        self.emit(StepReached(mod_id, step_id, view.n, view.total))
        if module.steps[step_id].is_end:
            self.finish_module(module, mark)
        else:
            self.schedule_resume(mod_id, step_id)

    def schedule_resume(self, module_id: str, step_id: str) -> None:
        """If the participant leaves the module here, remind them in a few days."""
        self.emit(
            FireScheduled(
                kind="resume",
                due=(self.at + self.ctx.resume_after).isoformat(),
                useful_until=(self.at + self.ctx.resume_useful_for).isoformat(),
                priority=2,
                payload={"module": module_id, "step": step_id},
            )
        )

    def finish_module(self, module: Module, mark: Bookmark) -> None:
        self.emit(FiresCancelled("resume"))
        if not mark.completed:
            self.state = self.state.with_bookmark(module.id, replace(mark, completed=True))
            self.emit(ModuleCompleted(module.id))
        title = module.title[self.catalogue.module_language(module, self.lang)]
        self.say("module.done", self.menu_buttons(), title=title)
