"""Every module walked to its end along every branch, in every language, by pressing buttons.

For each module and language the walk starts at the menu, answers each question in every possible
way (one walk per combination of answers), ticks every checklist, and must reach the module's end
with every step shown in the right language, a sane progress marker, and nothing refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from bot.content.catalogue import Catalogue
from bot.content.loader import load_catalogue
from bot.core import ButtonPressed, Context, MessageCreated, State, step
from bot.core.actions import parse_action
from bot.core.events import ModuleCompleted, StepReached
from tests.conftest import CONTENT

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CATALOGUE = load_catalogue(CONTENT)
MAX_WALKS = 64


def walks(ctx: Context, module_id: str, lang: str) -> Iterator[list[StepReached]]:
    """Every walk through the module, as the steps reached, one per combination of answers."""
    start = step(State(lang=lang), ButtonPressed("terminal:1", AT, f"mod:{module_id}"), ctx)
    todo: list[tuple[State, list[object], list[StepReached]]] = [
        (start.state, list(start.events), [])
    ]
    while todo:
        state, events, reached = todo.pop()
        reached = reached + [e for e in events if isinstance(e, StepReached)]
        if any(isinstance(e, ModuleCompleted) for e in events):
            yield reached
            continue
        message = [
            e
            for e in events
            if isinstance(e, MessageCreated)
            and e.content_id
            and e.content_id.startswith(f"{module_id}.")
        ][-1]
        kinds = [(kind(b.data), b.data) for b in message.buttons]
        moves = [data for k, data in kinds if k in ("ans", "done")]
        # Without answers or checklists to walk, go on by Next (the last button that goes).
        moves = moves or [data for k, data in kinds if k == "go"][-1:]
        assert moves, f"{message.content_id} offers no way on"
        for data in moves:
            sprint = step(state, ButtonPressed("terminal:1", AT, data), ctx)
            assert not any(
                isinstance(e, MessageCreated)
                and e.content_id in ("ui.button.invalid", "ui.button.stale")
                for e in sprint.events
            ), (data, message.content_id)
            todo.append((sprint.state, list(sprint.events), reached))


def kind(data: str) -> str:
    action = parse_action(data)
    return action.kind if action else ""


@pytest.mark.parametrize("lang", CATALOGUE.codes)
@pytest.mark.parametrize("module_id", sorted(CATALOGUE.modules))
def test_every_branch_reaches_the_end(catalogue: Catalogue, module_id: str, lang: str) -> None:
    ctx = Context(catalogue)
    module = catalogue.modules[module_id]
    found = 0
    for found, reached in enumerate(walks(ctx, module_id, lang), start=1):
        assert found <= MAX_WALKS
        assert reached[0].step == module.start or module.steps[module.start].is_branch
        assert all(1 <= r.n <= r.total for r in reached)
        assert reached[-1].n == reached[-1].total
    assert found >= 2, "a module branches at least once"


@pytest.mark.parametrize("module_id", sorted(CATALOGUE.modules))
def test_every_option_is_taken_by_some_walk(catalogue: Catalogue, module_id: str) -> None:
    ctx = Context(catalogue)
    module = catalogue.modules[module_id]
    seen = {r.step for reached in walks(ctx, module_id, catalogue.source) for r in reached}
    shown = {step_id for step_id, s in module.steps.items() if not s.is_branch}
    reachable_only_by_extra_buttons = (
        {b.to for s in module.steps.values() for b in s.buttons if "." not in b.to}
        - {s.next for s in module.steps.values()}
        - {o.to for s in module.steps.values() for o in s.options}
    )
    assert shown - seen <= reachable_only_by_extra_buttons
