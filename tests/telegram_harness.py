"""Runs the real Telegram channel against the fake Bot API, in a thread with its own event loop,
and plays a participant by button labels, as a person would."""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from bot.app import build_app
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_delivery import Pacer
from bot.clock import Clock
from bot.config import Settings
from tests.fakes.bot_api import FakeBotAPI

T = TypeVar("T")


class RunningBot:
    """Werkpad's Telegram channel, started on `db_url` and talking to `fake`."""

    def __init__(
        self,
        fake: FakeBotAPI,
        db_url: str,
        clock: Clock | None = None,
        pacer: Pacer | None = None,
        **settings: Any,
    ) -> None:
        cache = os.environ.get("WERKPAD_NLU_CACHE") or str(
            Path(tempfile.gettempdir()) / "werkpad-nlu-cache"
        )
        base = Settings.from_env(environ={"WERKPAD_NLU_CACHE": cache}, env_file=None)
        self.settings = replace(
            base,
            database_url=db_url,
            telegram_token=fake.token,
            telegram_api_base_url=fake.base_url,
            **settings,
        )
        self.app = build_app(self.settings, clock)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.channel = self.call(self.make_channel(pacer or Pacer(10_000, 10_000, 10_000)))
        self.call(self.channel.start(poll_timeout=1))

    async def make_channel(self, pacer: Pacer) -> TelegramChannel:
        # Built inside the loop, so the channel's asyncio objects belong to it.
        return TelegramChannel(
            self.settings,
            self.app.conversations,
            self.app.catalogue,
            self.app.clock,
            pacer,
            dispatcher=self.app.dispatcher,
            dispatch_every=3600,
        )

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.call(self.channel.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.app.close()


class Participant:
    """A person in a private chat with the bot."""

    def __init__(self, fake: FakeBotAPI, chat_id: int, language_code: str = "nl") -> None:
        self.fake, self.chat_id, self.language_code = fake, chat_id, language_code

    @property
    def received(self) -> list[dict[str, Any]]:
        return self.fake.sent(self.chat_id)

    def expect(self, count: int) -> list[dict[str, Any]]:
        """Wait until `count` more messages arrive; return them."""
        before = len(self.received)
        self.fake.wait_for_sent(self.chat_id, before + count, timeout=20)
        return self.received[before:]

    def onboard(self, language: str) -> list[dict[str, Any]]:
        """/start and choose a language: the welcome, the privacy note and the menu arrive."""
        self.command("/start")
        return self.press(language, replies=3)

    def command(self, command: str, args: str = "", replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.received)
        self.fake.user_sends_command(self.chat_id, command, args, language_code=self.language_code)
        return self.wait_from(before, replies)

    def say(self, text: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.received)
        self.fake.user_sends_text(self.chat_id, text, language_code=self.language_code)
        return self.wait_from(before, replies)

    def send(self, kind: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.received)
        self.fake.user_sends(self.chat_id, kind, language_code=self.language_code)
        return self.wait_from(before, replies)

    def press(self, label: str, replies: int = 1) -> list[dict[str, Any]]:
        """Press the button with this label on the newest message that has it."""
        for message in reversed(self.received):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return self.press_data(
                            message["message_id"], button["callback_data"], replies
                        )
        raise AssertionError(f"no button {label!r} in the chat")

    def press_data(self, message_id: int, data: str, replies: int = 1) -> list[dict[str, Any]]:
        before = len(self.received)
        self.fake.user_presses(
            self.chat_id, message_id, data, language_code=self.language_code, check_button=False
        )
        return self.wait_from(before, replies)

    def wait_from(self, before: int, replies: int) -> list[dict[str, Any]]:
        self.fake.wait_for_sent(self.chat_id, before + replies, timeout=20)
        return self.received[before:]


def labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def plain_text(message: dict[str, Any]) -> str:
    """What the participant reads (the fake parsed the HTML as Telegram does), without the
    invisible marks that keep commands left-to-right in right-to-left text."""
    return str(message["plain_text"]).replace("\u2066", "").replace("\u2069", "")
