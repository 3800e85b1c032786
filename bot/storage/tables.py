"""The database tables, as SQLAlchemy 2 declarative models.

participants: one row per person per channel, with language, profile and conversation state.
module_progress: where each participant is in each module (a projection of the core's events,
    kept for coaches' and researchers' queries; the conversation state is the truth for the bot).
event_log: every event in and out, with its time, for research and latency measurement.
fires: scheduled messages, one row each, with their status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in and out, stored in UTC: SQLite keeps no time zone and would hand back
    naive values that cannot be compared with the clock's."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: Werkpad stores aware UTC times only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_participants_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))  # the channel's id for the person
    lang: Mapped[str | None] = mapped_column(String(8))
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    blocked_at: Mapped[datetime | None]  # the channel said they blocked the bot; cleared on contact


class ModuleProgress(Base):
    __tablename__ = "module_progress"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(String(24), primary_key=True)
    step: Mapped[str] = mapped_column(String(24))
    step_n: Mapped[int] = mapped_column(Integer)
    step_total: Mapped[int] = mapped_column(Integer)
    checked: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"steps": [...]}
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class EventLog(Base):
    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_participant_at", "participant_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    type: Mapped[str] = mapped_column(String(32))
    content_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    at: Mapped[datetime]  # when it happened, by the injected clock
    handling_ms: Mapped[float | None] = mapped_column(Float)  # inbound only: time to decide


class Fire(Base):
    """A message to consider sending at `due_at`: the row is the truth, never an in-memory timer.

    status: scheduled -> claimed -> sent | skipped; or cancelled, or missed (too late, or the
    process stopped between claiming and confirming: such a row is never sent twice).
    """

    __tablename__ = "fires"
    __table_args__ = (Index("ix_fires_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    payload: Mapped[dict[str, Any]]
    priority: Mapped[int] = mapped_column(Integer)  # 0 urgent (ignores quiet hours and budget)
    due_at: Mapped[datetime]
    useful_until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
