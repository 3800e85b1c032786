"""Deliver messages to Telegram within its limits, retrying what can be retried.

Telegram allows about 30 messages a second overall and about one a second per chat, with short
bursts. Pacing keeps the bot below that; a 429 anyway waits `retry_after` and sends the same message
again (nothing was delivered, so nothing is lost or doubled). A 403 means the participant blocked
the bot: delivery to them stops and the host is told. Network errors and 5xx are retried with
backoff; after a timeout Telegram may have delivered the message already, so a retry can, rarely,
show it twice. A 400 is a bug in what we sent: it is logged and that message skipped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

log = logging.getLogger(__name__)


@dataclass
class Bucket:
    """A token bucket: `capacity` sends at once, refilled at `rate` per second."""

    capacity: float
    rate: float
    tokens: float = field(init=False)
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def delay(self, now: float) -> float:
        """Seconds until a token is free (0 when one is free now); refills first."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class Pacer:
    """Waits as long as needed to stay within the overall and the per-chat rate."""

    def __init__(self, per_second: float = 30, per_chat: float = 1, chat_burst: float = 3) -> None:
        self.overall = Bucket(per_second, per_second)
        self.per_chat, self.chat_burst = per_chat, chat_burst
        self.chats: dict[int, Bucket] = {}
        self.lock = asyncio.Lock()

    async def wait(self, chat_id: int) -> None:
        async with self.lock:  # one sender at a time takes tokens, so bursts cannot race past
            chat = self.chats.setdefault(chat_id, Bucket(self.chat_burst, self.per_chat))
            while True:
                now = time.monotonic()
                delay = max(self.overall.delay(now), chat.delay(now))
                if delay == 0:
                    break
                await asyncio.sleep(delay)
            self.overall.take()
            chat.take()
            if len(self.chats) > 10_000:  # forget chats whose buckets are full again
                self.chats = {k: b for k, b in self.chats.items() if b.tokens < b.capacity}


def seconds(retry_after: int | float | timedelta) -> float:
    """RetryAfter.retry_after is an int or, in newer releases, a timedelta."""
    if isinstance(retry_after, timedelta):
        return retry_after.total_seconds()
    return float(retry_after)


class Delivery:
    """Sends message pieces to one chat after another, in order, within Telegram's limits."""

    def __init__(
        self,
        bot: Bot,
        pacer: Pacer,
        on_blocked: Callable[[int], Awaitable[None]],
        attempts: int = 5,
        backoff: float = 0.5,
    ) -> None:
        self.bot, self.pacer, self.on_blocked = bot, pacer, on_blocked
        self.attempts, self.backoff = attempts, backoff

    async def send(
        self, chat_id: int, pieces: list[str], markup: InlineKeyboardMarkup | None, what: str
    ) -> bool:
        """Send the pieces of one message, the keyboard under the last; False if it stopped."""
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            if not await self.send_piece(chat_id, piece, markup if last else None, what):
                return False
        return True

    async def send_piece(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None, what: str
    ) -> bool:
        failures = 0
        while True:
            await self.pacer.wait(chat_id)
            try:
                await self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                return True
            except RetryAfter as exc:
                wait = seconds(exc.retry_after)
                log.warning("telegram_flood_wait", extra={"retry_after": wait, "content": what})
                await asyncio.sleep(wait)
            except Forbidden:
                log.info("telegram_blocked", extra={"content": what})
                await self.on_blocked(chat_id)
                return False
            except BadRequest as exc:
                log.error("telegram_refused", extra={"error": exc.message, "content": what})
                return False
            except NetworkError as exc:  # includes timeouts and 5xx
                failures += 1
                if failures >= self.attempts:
                    log.error("telegram_gave_up", extra={"error": str(exc), "content": what})
                    return False
                await asyncio.sleep(self.backoff * 2 ** (failures - 1))


async def cosmetic(call: Awaitable[object], what: str) -> None:
    """Run a call whose failure must not stop the bot (commands menu, chat actions)."""
    try:
        await call
    except TelegramError as exc:
        log.warning("telegram_cosmetic_failed", extra={"call": what, "error": str(exc)})
