"""What each outbound event does to the database, one function per event type.

Events that only change the conversation state (stored as a whole by the repo) have no function
here; they are logged and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.core.events import (
    ChecklistTicked,
    DataEraseRequested,
    FiresCancelled,
    FireScheduled,
    ModuleCompleted,
    StepReached,
)
from bot.storage.tables import Fire, ModuleProgress, Participant

Result = Literal["applied", "erased"]


def _progress(session: Session, participant: Participant, module: str) -> ModuleProgress | None:
    return session.get(ModuleProgress, (participant.id, module))


def step_reached(session: Session, participant: Participant, ev: StepReached, at: datetime) -> None:
    row = _progress(session, participant, ev.module)
    if row is None:
        row = ModuleProgress(
            participant_id=participant.id,
            module=ev.module,
            checked={"steps": []},
            started_at=at,
            completed_at=None,
        )
        session.add(row)
    row.step, row.step_n, row.step_total, row.updated_at = ev.step, ev.n, ev.total, at


def checklist_ticked(
    session: Session, participant: Participant, ev: ChecklistTicked, at: datetime
) -> None:
    row = _progress(session, participant, ev.module)
    if row is not None and ev.step not in row.checked.get("steps", []):
        row.checked = {"steps": [*row.checked.get("steps", []), ev.step]}
        row.updated_at = at


def module_completed(
    session: Session, participant: Participant, ev: ModuleCompleted, at: datetime
) -> None:
    row = _progress(session, participant, ev.module)
    if row is not None and row.completed_at is None:
        row.completed_at = at


def data_erase_requested(
    session: Session, participant: Participant, ev: DataEraseRequested, at: datetime
) -> None:
    session.flush()
    session.execute(delete(Participant).where(Participant.id == participant.id))
    session.expunge_all()  # the rows are gone; nothing may be flushed for them any more


def fire_scheduled(
    session: Session, participant: Participant, ev: FireScheduled, at: datetime
) -> None:
    cancel_fires(session, participant, ev.kind, at, reason="replaced")
    session.add(
        Fire(
            participant_id=participant.id,
            kind=ev.kind,
            payload=ev.payload,
            priority=ev.priority,
            due_at=datetime.fromisoformat(ev.due),
            useful_until=datetime.fromisoformat(ev.useful_until) if ev.useful_until else None,
            status="scheduled",
            created_at=at,
            updated_at=at,
        )
    )


def fires_cancelled(
    session: Session, participant: Participant, ev: FiresCancelled, at: datetime
) -> None:
    cancel_fires(session, participant, ev.kind, at, reason="cancelled")


def cancel_fires(
    session: Session, participant: Participant, kind: str, at: datetime, reason: str
) -> None:
    session.execute(
        update(Fire)
        .where(Fire.participant_id == participant.id, Fire.kind == kind, Fire.status == "scheduled")
        .values(status="cancelled", reason=reason, updated_at=at)
    )


HANDLERS: dict[type, Callable[[Session, Participant, Any, datetime], None]] = {
    FireScheduled: fire_scheduled,
    FiresCancelled: fires_cancelled,
    StepReached: step_reached,
    ChecklistTicked: checklist_ticked,
    ModuleCompleted: module_completed,
    DataEraseRequested: data_erase_requested,
}


def apply_event(session: Session, participant: Participant, ev: object, at: datetime) -> Result:
    """Apply one outbound event; says "erased" once the participant's data is gone."""
    handler = HANDLERS.get(type(ev))
    if handler is not None:
        handler(session, participant, ev, at)
    return "erased" if isinstance(ev, DataEraseRequested) else "applied"
