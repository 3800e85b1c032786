"""The host of the conversation core: load the state, step, store the result, return what to send.

Every channel calls `Conversations.handle` with an inbound event and delivers the messages it
gets back. Nothing is returned that was not committed first, so a crash never sends a message the
database does not know about.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from time import perf_counter

from bot import core
from bot.core.events import FireDue, Inbound, TextReceived
from bot.core.step import clean_text
from bot.core.turn import Sprint
from bot.nlu import NLU
from bot.storage.repo import Repo


class Conversations:
    """Runs inbound events through the core, one transaction per event."""

    def __init__(self, repo: Repo, ctx: core.Context, nlu: NLU | None = None) -> None:
        self.repo = repo
        self.ctx = ctx
        self.nlu = nlu

    def handle(self, event: Inbound) -> Sprint:
        """Run one event through the core and store the result before anything is sent.

        The channel delivers `sprint.messages`; the other events are already applied.
        """
        started = perf_counter()
        event = self.read(event)  # outside the transaction: the NLU may be a network call away
        with self.repo.transaction() as tx:
            if isinstance(event, FireDue):  # a reminder never brings an erased person back
                found = tx.locked(event.user)
                if found is None:
                    return Sprint(core.State(), ())
                participant = found
            else:
                participant = tx.participant(event.user, event.at)  # locked until commit
            sprint = core.step(tx.state(participant), event, self.ctx)
            tx.save_sprint(participant, event, sprint, (perf_counter() - started) * 1000)
        return sprint

    def read(self, event: Inbound) -> Inbound:
        """Attach the NLU's reading (and so the detected language) to typed text."""
        if self.nlu is None or not isinstance(event, TextReceived) or event.parse is not None:
            return event
        text = clean_text(event.text)
        if not text or len(text) > self.ctx.max_text_chars:
            return event
        return replace(event, parse=self.nlu.parse(text))

    def mark_blocked(self, user: str, at: datetime) -> None:
        """The channel could not deliver because the participant blocked the bot."""
        with self.repo.transaction() as tx:
            tx.mark_blocked(user, at)
