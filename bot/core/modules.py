"""Walking a content module: resolving branches, the path through it, and rendering a step.

Pure functions over the Catalogue and the participant's profile. Deciding *when* to show a step
is bot.core.step's job; this module knows *what* a step looks like.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.content.catalogue import Catalogue
from bot.content.schema import Module, Step
from bot.core.actions import Action
from bot.core.events import Button, MessageCreated
from bot.i18n.dates import format_date

MAX_HOPS = 64  # more branch hops than any module has steps means a loop


def full_id(module: str, step: str) -> str:
    return f"{module}.{step}"


def split_target(module: Module, target: str) -> tuple[str, str]:
    """(module id, step id) of a target written inside `module` (`step` or `module.step`)."""
    if "." in target:
        mod, _, step = target.partition(".")
        return mod, step
    return module.id, target


def matches(rule_if: Mapping[str, str | list[str]] | None, profile: Mapping[str, str]) -> bool:
    if rule_if is None:
        return True
    for key, wanted in rule_if.items():
        allowed = [wanted] if isinstance(wanted, str) else wanted
        if profile.get(key) not in allowed:
            return False
    return True


def resolve(catalogue: Catalogue, module_id: str, step_id: str, profile: Mapping[str, str]) -> str:
    """The content id of the first message step at or after a step, following branches."""
    for _ in range(MAX_HOPS):
        module = catalogue.modules[module_id]
        step = module.steps[step_id]
        if not step.is_branch:
            return full_id(module_id, step_id)
        rule = next(r for r in step.when if matches(r.when, profile))
        module_id, step_id = split_target(module, rule.to)
    raise RuntimeError(f"branches loop at {module_id}.{step_id}")


def successors(
    module: Module, step_id: str, profile: Mapping[str, str]
) -> list[tuple[str, Mapping[str, str]]]:
    """Where the main path may go from a message step, with the answers that lead there: the
    chosen option, or every option (as if chosen) while the question is open; else `next`,
    else the first extra button."""
    step = module.steps[step_id]
    if step.options and step.ask:
        answer = profile.get(step.ask)
        chosen = [(o.to, profile) for o in step.options if o.value == answer]
        return chosen or [(o.to, {**profile, step.ask: o.value}) for o in step.options]
    if step.next:
        return [(step.next, profile)]
    if step.buttons:
        return [(step.buttons[0].to, profile)]
    return []


def path(catalogue: Catalogue, module: Module, profile: Mapping[str, str]) -> list[str]:
    """The message steps (ids) from the start to the end, given the answers so far.

    Where a question is still open the longest way is counted, so "step n of total" can only
    shrink once the participant answers, never grow.
    """

    def walk(target: str, answers: Mapping[str, str], seen: tuple[str, ...]) -> list[str]:
        mod_id, step_id = split_target(module, target)
        if mod_id != module.id or len(seen) >= MAX_HOPS:
            return []
        resolved = resolve(catalogue, mod_id, step_id, answers).partition(".")[2]
        if resolved in seen:
            return []
        rest = [walk(t, a, (*seen, resolved)) for t, a in successors(module, resolved, answers)]
        return [resolved, *max(rest, key=len, default=[])]

    return walk(module.start, profile, ())


def position(
    catalogue: Catalogue, module: Module, step_id: str, profile: Mapping[str, str], depth: int
) -> tuple[int, int]:
    """("step n", "of total") for a step; `depth` counts the steps taken to get there."""
    steps = path(catalogue, module, profile)
    if step_id in steps:
        return steps.index(step_id) + 1, len(steps)
    return depth, max(depth, len(steps))


@dataclass(frozen=True)
class StepView:
    """A rendered step and where it sits in its module."""

    message: MessageCreated
    n: int
    total: int


def render_step(
    catalogue: Catalogue,
    module: Module,
    step_id: str,
    lang: str,
    profile: Mapping[str, str],
    depth: int,
    can_go_back: bool,
) -> StepView:
    """The message for one step: progress line, text, and its buttons in the participant's UI."""
    step = module.steps[step_id]
    content_lang = catalogue.module_language(module, lang)
    n, total = position(catalogue, module, step_id, profile, depth)
    header = catalogue.text(
        lang, "module.progress", title=module.title[content_lang], n=n, total=total
    )
    assert step.text is not None
    here = full_id(module.id, step_id)
    buttons = step_buttons(catalogue, module, step_id, step, lang, content_lang)
    if step.sources:
        buttons.append(Button(catalogue.text(lang, "nav.source"), Action("src", here).encode()))
    if can_go_back:
        buttons.append(Button(catalogue.text(lang, "nav.back"), Action("back", here).encode()))
    buttons.append(Button(catalogue.text(lang, "nav.menu"), Action("menu").encode()))
    message = MessageCreated(
        text=f"{header}\n\n{step.text_for(profile)[content_lang].strip()}",
        lang=content_lang,
        buttons=tuple(buttons),
        content_id=here,
    )
    return StepView(message, n, total)


def step_buttons(
    catalogue: Catalogue, module: Module, step_id: str, step: Step, lang: str, content_lang: str
) -> list[Button]:
    """The buttons that move on from a step (options, extra buttons, next, checklist)."""
    here = full_id(module.id, step_id)
    buttons = [
        Button(o.label[content_lang], Action("ans", here, o.value).encode()) for o in step.options
    ]
    buttons += [
        Button(b.label[content_lang], Action("go", here, b.to).encode()) for b in step.buttons
    ]
    if step.checklist:
        buttons.append(Button(catalogue.text(lang, "nav.done"), Action("done", here).encode()))
    if step.next:
        buttons.append(
            Button(catalogue.text(lang, "nav.next"), Action("go", here, step.next).encode())
        )
    return buttons


def render_sources(catalogue: Catalogue, step: Step, lang: str, content_id: str) -> MessageCreated:
    """The sources and the date a step was last checked, in the participant's language."""
    lines = [catalogue.text(lang, "source.header")]
    lines += [f"- {s.title}: {s.url}" for s in step.sources]
    if step.verified is not None:
        date = format_date(step.verified, catalogue.language(lang).locale)
        lines += ["", catalogue.text(lang, "source.verified", date=date)]
    return MessageCreated(text="\n".join(lines), lang=lang, content_id=content_id)
