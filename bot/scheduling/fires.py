"""Send what is due: claim rows, run each through the conversation, record what happened.

A fire goes scheduled -> claimed in one transaction; the conversation decides what it becomes; the
channel delivers; then the row is marked sent (or skipped) in another. If the process stops after
claiming and before that last commit, the row stays claimed and `recover()` at the next start
marks it missed, so a message is never sent twice; the window is one delivery long. Rows that were
only scheduled when the process stopped are sent once it is back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from bot.clock import Clock
from bot.conversations import Conversations
from bot.core.events import FireDue, MessageCreated
from bot.scheduling.policy import URGENT, WEEK, Policy
from bot.storage.repo import Repo
from bot.storage.tables import Fire, Participant


@dataclass(frozen=True)
class Claim:
    """A due fire this process has claimed and must now settle."""

    fire_id: int
    user: str
    kind: str
    payload: dict[str, object]


class Dispatcher:
    """Claims due fires and settles them; one dispatcher per database."""

    def __init__(
        self,
        repo: Repo,
        conversations: Conversations,
        clock: Clock,
        policy: Policy,
        batch: int = 50,
    ) -> None:
        self.repo, self.conversations, self.clock = repo, conversations, clock
        self.policy, self.batch = policy, batch

    def recover(self) -> int:
        """At start-up: fires claimed by a process that stopped are marked missed, never resent."""
        now = self.clock.now()
        with self.repo.session() as session, session.begin():
            stale = session.scalars(select(Fire).where(Fire.status == "claimed")).all()
            for fire in stale:
                fire.status, fire.reason, fire.updated_at = "missed", "interrupted", now
            return len(stale)

    def claim_due(self) -> list[Claim]:
        """Decide about every due fire; claim those that may be sent now."""
        now = self.clock.now()
        claims: list[Claim] = []
        with self.repo.session() as session, session.begin():
            due = session.execute(
                select(Fire, Participant)
                .join(Participant, Participant.id == Fire.participant_id)
                .where(Fire.status == "scheduled", Fire.due_at <= now)
                .order_by(Fire.priority, Fire.due_at)
                .limit(self.batch)
                .with_for_update(skip_locked=True, of=Fire)
            ).all()
            for fire, person in due:
                sent = session.scalars(
                    select(Fire.updated_at).where(
                        Fire.participant_id == person.id,
                        Fire.status.in_(("sent", "claimed")),  # claimed in this very batch too
                        Fire.priority != URGENT,
                        Fire.updated_at > now - WEEK,
                    )
                ).all()
                decision = self.policy.decide(
                    now, fire.priority, fire.useful_until, person.blocked_at is not None, list(sent)
                )
                fire.updated_at = now
                if decision.action == "send":
                    fire.status = "claimed"
                    claims.append(
                        Claim(
                            fire.id, f"{person.channel}:{person.address}", fire.kind, fire.payload
                        )
                    )
                elif decision.action == "defer":
                    assert decision.until is not None
                    fire.due_at, fire.reason = decision.until, decision.reason
                else:
                    fire.status, fire.reason = decision.action, decision.reason
        return claims

    def run(self, claim: Claim) -> list[MessageCreated]:
        """What the conversation says for this fire now (possibly nothing)."""
        event = FireDue(
            claim.user, self.clock.now(), claim.fire_id, claim.kind, dict(claim.payload)
        )
        return self.conversations.handle(event).messages

    def settle(self, claim: Claim, said: bool, delivered: bool) -> None:
        """Record the outcome: sent, or skipped with the reason."""
        status, reason = (
            ("sent", None)
            if said and delivered
            else ("skipped", "nothing_to_say")
            if not said
            else ("skipped", "undelivered")
        )
        with self.repo.session() as session, session.begin():
            session.execute(
                update(Fire)
                .where(Fire.id == claim.fire_id, Fire.status == "claimed")
                .values(status=status, reason=reason, updated_at=self.clock.now())
            )

    def dispatch(self, deliver: Callable[[str, list[MessageCreated]], bool]) -> int:
        """Claim, run, deliver and settle everything due now; return how many were sent."""
        sent = 0
        for claim in self.claim_due():
            messages = self.run(claim)
            delivered = bool(messages) and deliver(claim.user, messages)
            self.settle(claim, bool(messages), delivered)
            sent += delivered
        return sent

    def counts(self) -> dict[str, int]:
        """How many fires there are per status (for logs and tests)."""
        with self.repo.session() as session:
            rows = session.execute(select(Fire.status, func.count()).group_by(Fire.status)).all()
        return {status: int(n) for status, n in rows}


def due_times(repo: Repo, user_id: int) -> list[datetime]:
    """When the participant's scheduled fires are due (for tests and the coach's overview)."""
    with repo.session() as session:
        return list(
            session.scalars(
                select(Fire.due_at)
                .where(Fire.participant_id == user_id, Fire.status == "scheduled")
                .order_by(Fire.due_at)
            ).all()
        )
