"""Storage on SQLite and PostgreSQL: migrations, the row lock, the event log, erasure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from bot.content.catalogue import Catalogue
from bot.conversations import Conversations
from bot.core import ButtonPressed, CommandReceived, Context, TextReceived
from bot.storage import Repo
from bot.storage.tables import Base, EventLog, ModuleProgress, Participant

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def count(repo: Repo, table: type[Base], **where: object) -> int:
    with repo.session() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(getattr(table, column) == value)
        return int(session.execute(query).scalar_one())


def test_migrations_build_exactly_the_models(repo: Repo) -> None:
    with repo.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(repo: Repo) -> None:
    repo.migrate()
    repo.migrate()


def test_a_participant_is_created_once_and_logged(repo: Repo, catalogue: Catalogue) -> None:
    conversations = Conversations(repo, Context(catalogue))
    conversations.handle(CommandReceived("terminal:7", AT, "start"))
    conversations.handle(ButtonPressed("terminal:7", AT, "lang:so"))
    assert count(repo, Participant) == 1
    with repo.session() as session:
        person = session.scalars(select(Participant)).one()
        assert (person.channel, person.address, person.lang) == ("terminal", "7", "so")
        rows = session.scalars(select(EventLog).order_by(EventLog.id)).all()
    assert [(r.direction, r.type) for r in rows][:3] == [
        ("in", "command_received"),
        ("out", "message_created"),
        ("in", "button_pressed"),
    ]
    assert all(r.handling_ms is not None for r in rows if r.direction == "in")
    assert all(r.handling_ms is None for r in rows if r.direction == "out")
    assert rows[1].content_id == "ui.language.choose"


def test_long_texts_are_logged_shortened(repo: Repo, catalogue: Catalogue) -> None:
    conversations = Conversations(repo, Context(catalogue))
    conversations.handle(ButtonPressed("terminal:8", AT, "lang:nl"))
    conversations.handle(TextReceived("terminal:8", AT, "x" * 10_000))
    with repo.session() as session:
        row = session.scalars(select(EventLog).where(EventLog.type == "text_received")).one()
    assert len(row.payload["text"]) == 4096 and row.payload["truncated"] is True


def test_progress_is_projected_from_the_events(repo: Repo, catalogue: Catalogue) -> None:
    conversations = Conversations(repo, Context(catalogue))
    for data in ["lang:en", "mod:cv", "go:cv.intro:has_cv", "ans:cv.has_cv:yes", "done:cv.improve"]:
        conversations.handle(ButtonPressed("terminal:9", AT, data))
    with repo.session() as session:
        progress = session.scalars(select(ModuleProgress)).one()
        person = session.scalars(select(Participant)).one()
    assert (progress.module, progress.step, progress.completed_at) == ("cv", "online", None)
    assert progress.checked == {"steps": ["improve"]}
    assert person.profile == {"has_cv": "yes"}
    assert person.state["bookmarks"]["cv"]["step"] == "online"


def test_erasing_one_participant_leaves_the_others(repo: Repo, catalogue: Catalogue) -> None:
    conversations = Conversations(repo, Context(catalogue))
    for user in ("terminal:1", "terminal:2"):
        for data in ["lang:nl", "mod:cv", "go:cv.intro:has_cv"]:
            conversations.handle(ButtonPressed(user, AT, data))
    conversations.handle(CommandReceived("terminal:1", AT, "delete"))
    conversations.handle(ButtonPressed("terminal:1", AT, "erase:yes"))
    assert count(repo, Participant) == 1
    assert count(repo, Participant, address="1") == 0
    assert count(repo, ModuleProgress) == 1
    with repo.session() as session:
        owners = set(session.scalars(select(EventLog.participant_id)).all())
        (survivor,) = session.scalars(select(Participant.id)).all()
    assert owners == {survivor}


def test_concurrent_events_of_one_person_never_interleave(repo: Repo, catalogue: Catalogue) -> None:
    conversations = Conversations(repo, Context(catalogue))
    conversations.handle(ButtonPressed("terminal:5", AT, "lang:en"))

    def send(n: int) -> None:
        conversations.handle(TextReceived("terminal:5", AT, f"message {n}"))
        conversations.handle(TextReceived(f"terminal:new{n % 4}", AT, "hello"))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, range(40)))
    assert count(repo, Participant) == 5  # no duplicate rows from racing first messages
    assert count(repo, EventLog, type="text_received") == 80
    assert (
        count(repo, EventLog, type="message_created") == 3 + 40 + 40
    )  # welcome, privacy, menu; 40 "not understood"; 40 language choices
