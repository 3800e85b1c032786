"""The core walking a module with a question, a branch on the answer, a checklist and sources.

Uses a small module written here, next to the shipped interface strings, so the rules of the
walk are pinned independently of how the real content evolves.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.content.catalogue import Catalogue
from bot.content.check import check_catalogue
from bot.content.schema import Module
from bot.core import ButtonPressed, Context, State, step
from bot.core.events import MessageCreated, ProfileUpdated, StepReached
from bot.core.modules import path

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MONEY = Module.model_validate(
    {
        "id": "money",
        "order": 1,
        "title": {"nl": "Studie betalen", "en": "Paying for study"},
        "languages": ["nl", "en"],
        "status": {"en": "machine"},
        "start": "age",
        "steps": {
            "age": {
                "text": {"nl": "Hoe oud ben je?", "en": "How old are you?"},
                "ask": "age_band",
                "options": [
                    {
                        "value": "under_30",
                        "label": {"nl": "Jonger dan 30", "en": "Under 30"},
                        "to": "route",
                    },
                    {
                        "value": "30_plus",
                        "label": {"nl": "30 of ouder", "en": "30 or older"},
                        "to": "route",
                    },
                ],
            },
            "route": {
                "when": [{"if": {"age_band": "under_30"}, "to": "sf"}, {"to": "llk"}],
            },
            "sf": {
                "text": {"nl": "Studiefinanciering.", "en": "Student finance."},
                "next": "sf_more",
                "sources": [{"title": "DUO", "url": "https://duo.nl/"}],
                "verified": date(2026, 11, 20),
            },
            "sf_more": {"text": {"nl": "Meer.", "en": "More."}, "next": "apply"},
            "llk": {
                "text": {"nl": "Levenlanglerenkrediet.", "en": "Lifelong learning credit."},
                "next": "apply",
            },
            "apply": {
                "text": {"nl": "Vraag het aan.", "en": "Apply."},
                "checklist": True,
                "next": "end",
            },
            "end": {"text": {"nl": "Klaar.", "en": "Done."}},
        },
    }
)


@pytest.fixture
def ctx(catalogue: Catalogue) -> Context:
    return Context(replace(catalogue, modules={"money": MONEY}))


def press(ctx: Context, state: State, data: str) -> tuple[State, list[object]]:
    sprint = step(state, ButtonPressed("terminal:1", AT, data), ctx)
    return sprint.state, list(sprint.events)


def test_the_module_itself_is_valid(ctx: Context) -> None:
    assert check_catalogue(ctx.catalogue, date(2026, 11, 29)) == []


@pytest.mark.parametrize(
    ("answer", "landing", "total"), [("under_30", "sf", 5), ("30_plus", "llk", 4)]
)
def test_the_answer_picks_the_branch_and_the_count(
    ctx: Context, answer: str, landing: str, total: int
) -> None:
    state, _ = press(ctx, State(lang="en"), "mod:money")
    state, events = press(ctx, state, f"ans:money.age:{answer}")
    assert ProfileUpdated("age_band", answer) in events
    assert StepReached("money", landing, 2, total) in events
    assert state.profile["age_band"] == answer
    message = next(e for e in events if isinstance(e, MessageCreated))
    assert message.text.startswith(f"Paying for study · step 2 of {total}\n\n")


def test_an_open_question_counts_the_longest_way(ctx: Context) -> None:
    assert path(ctx.catalogue, MONEY, {}) == ["age", "sf", "sf_more", "apply", "end"]
    assert path(ctx.catalogue, MONEY, {"age_band": "30_plus"}) == ["age", "llk", "apply", "end"]


def test_a_known_answer_skips_nothing_but_routes_again(ctx: Context) -> None:
    state = State(lang="nl").with_profile("age_band", "30_plus")
    state, events = press(ctx, state, "mod:money")
    assert StepReached("money", "age", 1, 4) in events


def test_sources_show_the_date_in_the_participants_language(ctx: Context) -> None:
    state, _ = press(ctx, State(lang="nl"), "mod:money")
    state, _ = press(ctx, state, "ans:money.age:under_30")
    _, events = press(ctx, state, "src:money.sf")
    message = events[0]
    assert isinstance(message, MessageCreated)
    assert "- DUO: https://duo.nl/" in message.text
    assert "20 november 2026" in message.text
    assert [b.data for b in message.buttons] == [
        "go:money.sf:sf_more",
        "src:money.sf",
        "back:money.sf",
        "menu",
    ]


def test_arabic_dates_come_from_babel(ctx: Context) -> None:
    state, _ = press(ctx, State(lang="ar"), "mod:money")
    state, _ = press(ctx, state, "ans:money.age:under_30")
    _, events = press(ctx, state, "src:money.sf")
    assert isinstance(events[0], MessageCreated)
    assert "نوفمبر" in events[0].text


def test_checklist_and_end(ctx: Context) -> None:
    state, _ = press(ctx, State(lang="en"), "mod:money")
    state, _ = press(ctx, state, "ans:money.age:30_plus")
    state, _ = press(ctx, state, "go:money.llk:apply")
    state, events = press(ctx, state, "done:money.apply")
    names = [e.type_name for e in events]  # type: ignore[attr-defined]
    assert names == [
        "checklist_ticked",
        "message_created",
        "step_reached",
        "fires_cancelled",  # finished: no reminder to come back
        "module_completed",
        "message_created",
    ]
    assert state.bookmarks["money"].checked == ("apply",)
    assert state.bookmarks["money"].completed
    state, events = press(ctx, state, "back:money.end")
    assert state.bookmarks["money"].step == "apply"


def test_a_branch_target_cannot_be_pressed_directly(ctx: Context) -> None:
    state, _ = press(ctx, State(lang="en"), "mod:money")
    after, events = press(ctx, state, "go:money.age:sf")
    assert after == state
    assert isinstance(events[0], MessageCreated)
    assert events[0].content_id == "ui.button.invalid"


def test_an_answer_not_to_remember_picks_the_way_and_leaves_no_trace(ctx: Context) -> None:
    age = MONEY.steps["age"]
    options = [
        o.model_copy(update={"to": "sf" if o.value == "under_30" else "llk"}) for o in age.options
    ]
    private_age = age.model_copy(update={"remember": False, "options": options})
    steps = {k: v for k, v in MONEY.steps.items() if k != "route"} | {"age": private_age}
    private = Context(
        replace(ctx.catalogue, modules={"money": MONEY.model_copy(update={"steps": steps})})
    )
    assert check_catalogue(private.catalogue, date(2026, 11, 29)) == []
    state, _ = press(private, State(lang="en"), "mod:money")
    state, events = press(private, state, "ans:money.age:under_30")
    assert not any(isinstance(e, ProfileUpdated) for e in events)
    assert "age_band" not in state.profile
    assert state.bookmarks["money"].step == "sf"


def test_a_branch_on_an_answer_that_is_not_kept_is_refused(ctx: Context) -> None:
    age = MONEY.steps["age"].model_copy(update={"remember": False})
    module = MONEY.model_copy(update={"steps": {**MONEY.steps, "age": age}})
    problems = check_catalogue(
        replace(ctx.catalogue, modules={"money": module}), date(2026, 11, 29)
    )
    assert "modules/money.yml: route: branches on age_band, which no question asks" in problems


LOCAL = Module.model_validate(
    {
        "id": "local",
        "order": 2,
        "title": {"nl": "Studeren met bijstand", "en": "Studying on bijstand"},
        "languages": ["nl", "en"],
        "status": {"en": "machine"},
        "start": "where",
        "steps": {
            "where": {
                "text": {"nl": "Waar woon je?", "en": "Where do you live?"},
                "ask": "gemeente",
                "options": [
                    {
                        "value": "rotterdam",
                        "label": {"nl": "Rotterdam", "en": "Rotterdam"},
                        "to": "rules",
                    },
                    {
                        "value": "other",
                        "label": {"nl": "Ergens anders", "en": "Elsewhere"},
                        "to": "rules",
                    },
                ],
            },
            "rules": {
                "text": {"nl": "Vraag het je klantmanager.", "en": "Ask your klantmanager."},
                "variants": [
                    {
                        "if": {"gemeente": "rotterdam"},
                        "text": {
                            "nl": "Rotterdam heeft een eigen pagina.",
                            "en": "Rotterdam has its own page.",
                        },
                    }
                ],
            },
        },
    }
)


@pytest.mark.parametrize(
    ("answer", "text"),
    [("rotterdam", "Rotterdam has its own page."), ("other", "Ask your klantmanager.")],
)
def test_a_gemeente_variant_replaces_the_default_text(ctx: Context, answer: str, text: str) -> None:
    local = Context(replace(ctx.catalogue, modules={"local": LOCAL}))
    assert check_catalogue(local.catalogue, date(2026, 11, 29)) == []
    state, _ = press(local, State(lang="en"), "mod:local")
    _, events = press(local, state, f"ans:local.where:{answer}")
    message = next(e for e in events if isinstance(e, MessageCreated))
    assert message.text.endswith(text)


def test_a_variant_must_name_a_known_gemeente(ctx: Context) -> None:
    rules = LOCAL.steps["rules"]
    variant = rules.variants[0].model_copy(update={"when": {"gemeente": "utrecht"}})
    module = LOCAL.model_copy(
        update={"steps": {**LOCAL.steps, "rules": rules.model_copy(update={"variants": [variant]})}}
    )
    problems = check_catalogue(
        replace(ctx.catalogue, modules={"local": module}), date(2026, 11, 29)
    )
    assert (
        "modules/local.yml: rules: branches on gemeente=utrecht, which no question offers"
        in problems
    )


def test_a_module_not_yet_in_the_participants_language_comes_in_english_with_a_note(
    ctx: Context, catalogue: Catalogue
) -> None:
    _, events = press(ctx, State(lang="ar"), "mod:money")
    note, question = [e for e in events if isinstance(e, MessageCreated)]
    assert note.content_id == "ui.module.fallback_language"
    assert note.text == catalogue.text("ar", "module.fallback_language", language="English")
    assert question.lang == "en" and question.text.endswith("How old are you?")
    assert [b.label for b in question.buttons][-1] == catalogue.text("ar", "nav.menu")
