"""The only module that opens a database Session: engines, migrations and transactions.

One transaction per inbound event: the participant's row is locked (SELECT ... FOR UPDATE on
PostgreSQL, BEGIN IMMEDIATE on SQLite), so two events of one person never interleave, and the
new state, its projections and the event log are committed together before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.core.events import Event, FireDue, Inbound, MessageCreated
from bot.core.state import State
from bot.core.turn import Sprint
from bot.storage import apply
from bot.storage.tables import EventLog, Participant

MIGRATIONS = Path(__file__).parent / "migrations"
MAX_LOGGED_TEXT = 4096


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys and writer locks that behave like rows."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take over
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of an SQLite database file if it is missing."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def split_user(user: str) -> tuple[str, str]:
    """('telegram', '1001') from 'telegram:1001'."""
    channel, sep, address = user.partition(":")
    if not sep or not channel or not address:
        raise ValueError(f"a user is written channel:address, not {user!r}")
    return channel, address


class Transaction:
    """What one inbound event may do to the database."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def locked(self, user: str) -> Participant | None:
        """The participant's row, locked until the end of this transaction, if there is one."""
        channel, address = split_user(user)
        query = (
            select(Participant)
            .where(Participant.channel == channel, Participant.address == address)
            .with_for_update()
        )
        return self.session.scalars(query).one_or_none()

    def participant(self, user: str, at: datetime) -> Participant:
        """The participant's row, locked for this transaction; created on first contact."""
        row = self.locked(user)
        if row is not None:
            return row
        channel, address = split_user(user)
        row = Participant(
            channel=channel,
            address=address,
            lang=None,
            profile={},
            state={},
            reminders=True,
            created_at=at,
            last_seen_at=at,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:  # created meanwhile by a concurrent first message
            found = self.locked(user)
            assert found is not None
            return found
        return row

    def mark_blocked(self, user: str, at: datetime) -> bool:
        """Record that the participant blocked the bot; False if they are unknown (or erased)."""
        row = self.locked(user)
        if row is None:
            return False
        row.blocked_at = at
        return True

    def state(self, participant: Participant) -> State:
        return State.from_json(participant.state)

    def save_sprint(
        self, participant: Participant, inbound: Inbound, sprint: Sprint, handling_ms: float
    ) -> None:
        """Store the new state, apply each outbound event and log everything, in order."""
        if not isinstance(inbound, FireDue):  # only the participant's own actions count
            participant.last_seen_at = inbound.at
            participant.blocked_at = None  # writing to the bot again undoes a block
        self.log(participant, "in", inbound, inbound.at, handling_ms)
        for outbound in sprint.events:
            if apply.apply_event(self.session, participant, outbound, inbound.at) == "erased":
                return  # nothing about the participant may outlive the erasure
            self.log(participant, "out", outbound, inbound.at, None)
        participant.state = sprint.state.to_json()
        participant.lang = sprint.state.lang
        participant.profile = dict(sprint.state.profile)
        participant.reminders = sprint.state.reminders

    def log(
        self, participant: Participant, direction: str, ev: Event, at: datetime, ms: float | None
    ) -> None:
        payload = ev.to_json()
        if isinstance(payload.get("text"), str) and len(payload["text"]) > MAX_LOGGED_TEXT:
            payload["text"] = payload["text"][:MAX_LOGGED_TEXT]
            payload["truncated"] = True
        content_id = ev.content_id if isinstance(ev, MessageCreated) else None
        self.session.add(
            EventLog(
                participant_id=participant.id,
                direction=direction,
                type=ev.type_name,
                content_id=content_id,
                payload=payload,
                at=at,
                handling_ms=ms,
            )
        )


class Repo:
    """The database: migrations and transactions."""

    def __init__(self, url: str) -> None:
        ensure_sqlite_dir(url)
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        """Bring the schema to the newest migration."""
        command.upgrade(alembic_config(self.engine), "head")

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._sessions.begin() as session:
            yield Transaction(session)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A plain session, for read-only queries by tools and tests."""
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
