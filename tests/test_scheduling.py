"""Reminders on the database's clock: scheduled as rows, sent once when due, within quiet hours and
a weekly budget, never after they stopped making sense, and exactly once across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.content.catalogue import Catalogue
from bot.conversations import Conversations
from bot.core import ButtonPressed, CommandReceived, Context, MessageCreated
from bot.scheduling import Dispatcher, Policy
from bot.storage import Repo
from bot.storage.tables import Fire, Participant

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
USER = "telegram:77"


class World:
    """One process: a repo, the host, a dispatcher and a phone that records what arrives."""

    def __init__(self, db_url: str, catalogue: Catalogue, clock: ManualClock) -> None:
        self.repo = Repo(db_url)
        self.clock = clock
        self.host = Conversations(self.repo, Context(catalogue))
        self.dispatcher = Dispatcher(self.repo, self.host, clock, Policy())
        self.phone: list[tuple[str, MessageCreated]] = []
        self.reachable = True

    def open_cv(self) -> None:
        """A Dutch-speaking participant opens the CV module and leaves it there."""
        self.press("lang:nl")
        self.press("mod:cv")

    def press(self, data: str, user: str = USER) -> None:
        self.host.handle(ButtonPressed(user, self.clock.now(), data))

    def deliver(self, user: str, messages: list[MessageCreated]) -> bool:
        if self.reachable:
            self.phone += [(user, m) for m in messages]
        return self.reachable

    def dispatch(self) -> int:
        return self.dispatcher.dispatch(self.deliver)

    def fires(self) -> list[tuple[str, str | None]]:
        with self.repo.session() as session:
            return [(f.status, f.reason) for f in session.scalars(select(Fire).order_by(Fire.id))]

    def close(self) -> None:
        self.repo.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM))  # a Monday morning


@pytest.fixture
def world(db_url: str, catalogue: Catalogue, clock: ManualClock) -> World:
    return World(db_url, catalogue, clock)


def test_leaving_a_module_is_remembered_three_days_later_once(
    world: World, clock: ManualClock
) -> None:
    for data in ["lang:nl", "mod:cv", "go:cv.intro:has_cv"]:
        world.press(data)
    assert world.fires() == [("cancelled", "replaced"), ("scheduled", None)]
    clock.advance(timedelta(days=2, hours=23))
    assert world.dispatch() == 0
    clock.advance(timedelta(hours=1))
    assert world.dispatch() == 1
    ((user, nudge),) = world.phone
    assert user == USER and nudge.content_id == "ui.nudge.resume"
    assert "stap 2 van 19" in nudge.text
    assert [b.data for b in nudge.buttons] == ["mod:cv", "menu"]
    clock.advance(timedelta(days=1))
    assert world.dispatch() == 0
    assert world.fires()[-1] == ("sent", None)


def test_finishing_or_moving_on_means_no_reminder(world: World, clock: ManualClock) -> None:
    for data in ["lang:en", "mod:cv", "go:cv.intro:has_cv", "ans:cv.has_cv:yes", "done:cv.improve"]:
        world.press(data)
    for data in ["go:cv.online:letter", "go:cv.letter:check_help", "go:cv.check_help:interview"]:
        world.press(data)
    world.press("go:cv.interview:end")
    assert [status for status, _ in world.fires()].count("scheduled") == 0
    clock.advance(timedelta(days=4))
    assert world.dispatch() == 0 and world.phone == []


def test_no_reminders_after_stop(world: World, clock: ManualClock) -> None:
    world.open_cv()
    world.host.handle(CommandReceived(USER, clock.now(), "stop"))
    clock.advance(timedelta(days=3))
    assert world.dispatch() == 0
    assert world.fires()[-1] == ("skipped", "nothing_to_say")


def test_quiet_hours_move_the_reminder_to_the_morning(world: World, clock: ManualClock) -> None:
    clock.set(datetime(2026, 3, 2, 22, 30, tzinfo=AMSTERDAM))
    world.open_cv()
    clock.advance(timedelta(days=3))  # Thursday 22:30: quiet
    assert world.dispatch() == 0
    with world.repo.session() as session:
        due = session.scalars(select(Fire.due_at).where(Fire.status == "scheduled")).one()
    assert due.astimezone(AMSTERDAM) == datetime(2026, 3, 6, 8, 0, tzinfo=AMSTERDAM)
    clock.set(datetime(2026, 3, 6, 8, 0, tzinfo=AMSTERDAM))
    assert world.dispatch() == 1


def test_one_reminder_to_resume_at_a_time(world: World, clock: ManualClock) -> None:
    world.press("lang:nl")
    for module in ["cv", "diploma", "employers"]:
        world.press(f"mod:{module}")
    assert [status for status, _ in world.fires()].count("scheduled") == 1
    clock.advance(timedelta(days=3))
    assert world.dispatch() == 1
    assert "Wat werkgevers verwachten" in world.phone[0][1].text


def test_a_weekly_budget_keeps_people_from_being_flooded(
    world: World, clock: ManualClock, catalogue: Catalogue
) -> None:
    world.press("lang:nl")
    modules = ["cv", "diploma", "employers", "contracts"]
    for module in modules:
        world.press(f"mod:{module}")
    with world.repo.session() as session, session.begin():
        person = session.scalars(select(Participant)).one()
        for fire in session.scalars(select(Fire).where(Fire.status == "scheduled")):
            fire.status = "cancelled"  # only the four below
        for n, module in enumerate(modules):  # four reminders due at once, as from several sources
            session.add(
                Fire(
                    participant_id=person.id,
                    kind="resume",
                    priority=2,
                    payload={"module": module, "step": catalogue.modules[module].start},
                    due_at=clock.now() + timedelta(days=1, minutes=n),
                    useful_until=None,
                    status="scheduled",
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    clock.advance(timedelta(days=2))
    assert world.dispatch() == 3  # the fourth waits for room in the week
    with world.repo.session() as session:
        waiting = session.scalars(
            select(Fire).where(Fire.status == "scheduled", Fire.reason == "budget")
        ).one()
    first_sent = clock.now()
    assert waiting.due_at == first_sent + timedelta(days=7)
    clock.advance(timedelta(days=7))
    assert world.dispatch() == 1


def test_a_blocked_participant_gets_nothing(world: World, clock: ManualClock) -> None:
    world.open_cv()
    with world.repo.session() as session, session.begin():
        session.scalars(select(Participant)).one().blocked_at = clock.now()
    clock.advance(timedelta(days=3))
    assert world.dispatch() == 0 and world.phone == []
    assert world.fires()[-1] == ("skipped", "blocked")


def test_an_undeliverable_reminder_is_not_counted_as_sent(world: World, clock: ManualClock) -> None:
    world.open_cv()
    world.reachable = False
    clock.advance(timedelta(days=3))
    assert world.dispatch() == 0
    assert world.fires()[-1] == ("skipped", "undelivered")


def test_a_restart_between_scheduling_and_sending_delivers_exactly_once(
    db_url: str, catalogue: Catalogue, clock: ManualClock
) -> None:
    before = World(db_url, catalogue, clock)
    before.open_cv()
    before.close()  # the process stops with the reminder still scheduled
    clock.advance(timedelta(days=3))
    after = World(db_url, catalogue, clock)
    assert after.dispatcher.recover() == 0
    assert after.dispatch() == 1
    assert after.dispatch() == 0
    again = World(db_url, catalogue, clock)
    assert again.dispatch() == 0
    assert len(after.phone) == 1


def test_a_reminder_claimed_when_the_process_stopped_is_never_sent_twice(
    db_url: str, catalogue: Catalogue, clock: ManualClock
) -> None:
    before = World(db_url, catalogue, clock)
    before.open_cv()
    clock.advance(timedelta(days=3))
    assert len(before.dispatcher.claim_due()) == 1  # claimed; the process dies before sending
    before.close()
    after = World(db_url, catalogue, clock)
    assert after.dispatcher.recover() == 1
    assert after.dispatch() == 0
    assert after.fires()[-1] == ("missed", "interrupted")


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 3, 2, 21, 0), datetime(2026, 3, 3, 8, 0)),
        (datetime(2026, 3, 3, 2, 0), datetime(2026, 3, 3, 8, 0)),
        (datetime(2026, 3, 3, 8, 0), None),
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 8, 0)),  # summer time starts at night
    ],
)
def test_quiet_hours(local: datetime, until: datetime | None) -> None:
    at = local.replace(tzinfo=AMSTERDAM)
    end = Policy().quiet_until(at)
    assert end == (until.replace(tzinfo=AMSTERDAM).astimezone(UTC) if until else None)


def test_urgent_messages_ignore_quiet_hours_and_budget() -> None:
    night = datetime(2026, 3, 2, 23, 0, tzinfo=AMSTERDAM)
    week = [night - timedelta(days=d) for d in range(1, 4)]
    policy = Policy(quiet_start=time(21), quiet_end=time(8), weekly_budget=3)
    assert policy.decide(night, 0, None, False, week).action == "send"
    assert policy.decide(night, 2, None, False, []).action == "defer"


def test_a_reminder_for_someone_who_erased_their_data_brings_nothing_back(
    world: World, clock: ManualClock
) -> None:
    world.open_cv()
    clock.advance(timedelta(days=3))
    (claim,) = world.dispatcher.claim_due()
    world.host.handle(CommandReceived(USER, clock.now(), "delete"))
    world.press("erase:yes")
    assert world.dispatcher.run(claim) == []
    with world.repo.session() as session:
        assert session.scalars(select(Participant)).all() == []
