"""Scheduled messages: rows in the database are the truth; a dispatcher sends what is due.

`policy` decides when a due message may go out (quiet hours, a weekly budget, too late, blocked);
`fires` claims due rows, runs them through the conversation and records the outcome.
"""

from bot.scheduling.fires import Claim, Dispatcher
from bot.scheduling.policy import Policy

__all__ = ["Claim", "Dispatcher", "Policy"]
