"""The database tables, as SQLAlchemy 2 declarative models.

participants: one row per person per channel, with language, profile and conversation state.
module_progress: where each participant is in each module (a projection of the core's events,
    kept for coaches' and researchers' queries; the conversation state is the truth for the bot).
event_log: every event in and out, with its time, for research and latency measurement.
"""

from __future__ import annotations

from datetime import datetime
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
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        datetime: DateTime(timezone=True),
    }


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
