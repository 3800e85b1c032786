"""When a due message may go out: quiet hours, a weekly budget, and whether it is still useful.

Pure: the dispatcher gives it the fire, the time, the participant's block and how many messages
they had this week, and it answers send, defer (until when), missed or skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

URGENT = 0  # priority that ignores quiet hours and the budget (appointment reminders, say)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Decision:
    action: Literal["send", "defer", "missed", "skipped"]
    until: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Policy:
    """Default quiet hours 21:00-08:00 and three non-urgent messages per rolling week."""

    timezone: str = "Europe/Amsterdam"
    quiet_start: time = time(21, 0)
    quiet_end: time = time(8, 0)
    weekly_budget: int = 3

    def quiet_until(self, at: datetime) -> datetime | None:
        """The end of the quiet period `at` falls in, or None outside quiet hours."""
        local = at.astimezone(ZoneInfo(self.timezone))
        now = local.time()
        if self.quiet_start <= self.quiet_end:
            quiet = self.quiet_start <= now < self.quiet_end
        else:  # the quiet period runs past midnight
            quiet = now >= self.quiet_start or now < self.quiet_end
        if not quiet:
            return None
        end = local.replace(
            hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0
        )
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(UTC)

    def decide(
        self,
        now: datetime,
        priority: int,
        useful_until: datetime | None,
        blocked: bool,
        sent_this_week: list[datetime],
    ) -> Decision:
        """What to do with a due message for one participant."""
        if useful_until is not None and useful_until < now:
            return Decision("missed", reason="too_late")
        if blocked:
            return Decision("skipped", reason="blocked")
        if priority == URGENT:
            return Decision("send")
        quiet = self.quiet_until(now)
        if quiet is not None:
            return Decision("defer", until=quiet, reason="quiet_hours")
        recent = sorted(t for t in sent_this_week if t > now - WEEK)
        if len(recent) >= self.weekly_budget:
            return Decision("defer", until=recent[0] + WEEK, reason="budget")
        return Decision("send")
