"""The host of the conversation core: load the state, step, store the result, return what to send.

Every channel calls `Conversations.handle` with an inbound event and delivers the messages it
gets back. Nothing is returned that was not committed first, so a crash never sends a message the
database does not know about.
"""

from __future__ import annotations

from datetime import datetime
from time import perf_counter

from bot import core
from bot.core.events import Inbound
from bot.core.turn import Sprint
from bot.storage.repo import Repo


class Conversations:
    """Runs inbound events through the core, one transaction per event."""

    def __init__(self, repo: Repo, ctx: core.Context) -> None:
        self.repo = repo
        self.ctx = ctx

    def handle(self, event: Inbound) -> Sprint:
        """Run one event through the core and store the result before anything is sent.

        The channel delivers `sprint.messages`; the other events are already applied.
        """
        started = perf_counter()
        with self.repo.transaction() as tx:
            participant = tx.participant(event.user, event.at)  # locked until commit
            sprint = core.step(tx.state(participant), event, self.ctx)
            tx.save_sprint(participant, event, sprint, (perf_counter() - started) * 1000)
        return sprint

    def mark_blocked(self, user: str, at: datetime) -> None:
        """The channel could not deliver because the participant blocked the bot."""
        with self.repo.transaction() as tx:
            tx.mark_blocked(user, at)
