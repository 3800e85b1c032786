"""Free text in the core, with the NLU's reading given: act, ask "did you mean", or say kindly that
the bot cannot help; keep an age; offer a switch when someone keeps writing another language."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.content.catalogue import Catalogue
from bot.core import Context, MessageCreated, State, TextReceived, step
from bot.core.events import ProfileUpdated, StepReached

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def parse(
    *ranking: tuple[str, float], language: str = "nl", sure: float = 0.99, **extra: Any
) -> dict[str, Any]:
    items = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    return {
        "intent": items[0],
        "intent_ranking": items,
        "entities": [],
        "language": language,
        "language_confidence": sure,
        **extra,
    }


@pytest.fixture
def ctx(catalogue: Catalogue) -> Context:
    return Context(catalogue)


def say(
    ctx: Context, state: State, text: str, reading: dict[str, Any] | None
) -> tuple[State, list[Any]]:
    sprint = step(state, TextReceived("terminal:1", AT, text, reading), ctx)
    return sprint.state, list(sprint.events)


def messages(events: list[Any]) -> list[MessageCreated]:
    return [e for e in events if isinstance(e, MessageCreated)]


def test_a_confident_intent_opens_its_module(ctx: Context) -> None:
    _, events = say(ctx, State(lang="nl"), "hoe maak ik een cv", parse(("cv", 0.95)))
    assert StepReached("cv", "intro", 1, 19) in events


def test_a_topic_without_a_module_points_to_the_coach(ctx: Context, catalogue: Catalogue) -> None:
    reading = parse(("appointment", 0.9), language="en")
    _, events = say(ctx, State(lang="en"), "when is my appointment", reading)
    (message,) = messages(events)
    assert message.content_id == "ui.nlu.no_topic_yet"
    assert catalogue.text("en", "topic.appointment") in message.text
    assert [b.data for b in message.buttons] == [f"mod:{m.id}" for m in catalogue.menu_modules()]


def test_an_uncertain_reading_asks_which_topic(ctx: Context) -> None:
    reading = parse(("study", 0.45), ("study_finance", 0.35), ("greet", 0.1))
    state, events = say(ctx, State(lang="nl"), "studie geld", reading)
    (message,) = messages(events)
    assert message.content_id == "ui.nlu.did_you_mean"
    assert [b.data for b in message.buttons] == ["intent:study", "intent:study_finance", "menu"]
    assert state == State(lang="nl")


def test_an_offered_topic_can_be_pressed(ctx: Context) -> None:
    from bot.core import ButtonPressed

    sprint = step(State(lang="nl"), ButtonPressed("terminal:1", AT, "intent:cv"), ctx)
    assert StepReached("cv", "intro", 1, 19) in sprint.events
    forged = step(State(lang="nl"), ButtonPressed("terminal:1", AT, "intent:weather"), ctx)
    assert messages(list(forged.events))[0].content_id == "ui.button.invalid"


@pytest.mark.parametrize(
    ("reading", "key"),
    [
        (parse(("out_of_scope", 0.9)), "ui.nlu.out_of_scope"),
        (parse(("cv", 0.1)), "ui.input.not_understood"),
        (None, "ui.input.not_understood"),
        ({"intent": "garbage"}, "ui.input.not_understood"),
        (parse(("thanks", 0.95)), "ui.nlu.thanks"),
    ],
)
def test_kind_answers(ctx: Context, reading: dict[str, Any] | None, key: str) -> None:
    state, events = say(ctx, State(lang="nl"), "iets", reading)
    assert messages(events)[0].content_id == key
    assert state == State(lang="nl")


def test_commands_by_intent(ctx: Context) -> None:
    _, events = say(ctx, State(lang="nl"), "stop met berichten", parse(("stop_messages", 0.9)))
    assert messages(events)[0].content_id == "ui.stop.done"
    _, events = say(ctx, State(lang="nl"), "verwijder mijn gegevens", parse(("delete_data", 0.9)))
    assert messages(events)[0].content_id == "ui.privacy.text"


def test_an_age_with_study_finance_is_kept(ctx: Context) -> None:
    reading = parse(("study_finance", 0.95), entities=[{"entity": "age", "value": 34}])
    state, events = say(ctx, State(lang="nl"), "ik ben 34, studiefinanciering?", reading)
    assert ProfileUpdated("age_band", "30_plus") in events
    assert state.profile["age_band"] == "30_plus"
    reading = parse(("study_finance", 0.95), entities=[{"entity": "age", "value": 22}])
    state, _ = say(ctx, state, "nee ik ben 22", reading)
    assert state.profile["age_band"] == "under_30"


def test_writing_another_language_twice_offers_a_switch(ctx: Context, catalogue: Catalogue) -> None:
    state = State(lang="nl")
    arabic = parse(("cv", 0.95), language="ar")
    state, events = say(ctx, state, "كيف اكتب سيرة ذاتية", arabic)
    assert not any(m.content_id == "ui.nlu.offer_language" for m in messages(events))
    state, events = say(ctx, state, "اريد سيرة ذاتية", arabic)
    offer = messages(events)[-1]
    assert offer.content_id == "ui.nlu.offer_language"
    assert offer.text == catalogue.text("ar", "nlu.offer_language") and offer.lang == "ar"
    assert [b.data for b in offer.buttons] == ["lang:ar", "lang:nl"]
    assert state.other_language is None  # asked once, then counted afresh


def test_an_unsure_or_own_language_never_offers(ctx: Context) -> None:
    state = State(lang="nl")
    for reading in [
        parse(("cv", 0.95), language="ar", sure=0.5),
        parse(("cv", 0.95), language="nl"),
    ] * 2:
        state, events = say(ctx, state, "x", reading)
        assert all(m.content_id != "ui.nlu.offer_language" for m in messages(events))


def test_a_link_token_from_a_new_participant_is_answered_in_their_language(ctx: Context) -> None:
    from bot.core import ButtonPressed, CommandReceived

    first = step(State(), CommandReceived("telegram:5", AT, "start", "abc123"), ctx)
    assert first.state.pending_start == "abc123"
    chosen = step(first.state, ButtonPressed("telegram:5", AT, "lang:so"), ctx)
    keys = [m.content_id for m in messages(list(chosen.events))]
    assert keys == ["ui.welcome", "ui.privacy.short", "ui.enrol.unknown", "ui.menu.title"]
    assert chosen.state.pending_start is None
