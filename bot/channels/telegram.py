"""The Telegram channel: python-telegram-bot's Application around the conversation host.

Nothing here decides what to say (bot.core does). This module receives updates (long polling or a
webhook whose secret token is checked), answers every callback query, keeps each participant's
updates in order, runs the host off the event loop, and hands the messages to Delivery. It also
runs the scheduler that sends due reminders through the same delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC
from typing import Any
from urllib.parse import urlparse

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import BotCommand, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot.channels.telegram_delivery import Delivery, Pacer, cosmetic
from bot.channels.telegram_format import keyboard, split_text, to_html
from bot.channels.telegram_updates import is_private, to_inbound, user_of
from bot.clock import Clock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.conversations import Conversations
from bot.core.commands import HANDLERS as COMMANDS
from bot.core.events import MessageCreated
from bot.scheduling import Dispatcher

log = logging.getLogger(__name__)


def file_url_for(base_url: str) -> str:
    """Telegram serves files beside the API: .../bot -> .../file/bot."""
    head, sep, tail = base_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else base_url


class KeyedLocks:
    """One asyncio lock per participant, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self.locks: dict[str, asyncio.Lock] = {}
        self.users: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self.locks.setdefault(key, asyncio.Lock())
        self.users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self.users[key] -= 1
            if self.users[key] == 0:
                del self.users[key], self.locks[key]


class TelegramChannel:
    """Participants chatting with Werkpad in Telegram."""

    def __init__(
        self,
        settings: Settings,
        conversations: Conversations,
        catalogue: Catalogue,
        clock: Clock,
        pacer: Pacer | None = None,
        dispatcher: Dispatcher | None = None,
        dispatch_every: float = 30.0,
    ) -> None:
        if not settings.telegram_token:
            raise ValueError("the Telegram channel needs TELEGRAM_BOT_TOKEN")
        self.settings, self.conversations = settings, conversations
        self.catalogue, self.clock = catalogue, clock
        self.locks = KeyedLocks()
        self.dispatcher, self.dispatch_every = dispatcher, dispatch_every
        self.scheduler: AsyncIOScheduler | None = None
        if settings.webhook_url and not settings.webhook_secret:
            raise ValueError("a webhook needs WEBHOOK_SECRET, so strangers cannot post updates")
        self.application = self.build(settings.telegram_token)
        self.delivery = Delivery(self.application.bot, pacer or Pacer(), self.on_blocked)

    def build(self, token: str) -> Application[Any, Any, Any, Any, Any, Any]:
        base = self.settings.telegram_api_base_url
        application = (
            Application.builder()
            .token(token)
            .base_url(base)
            .base_file_url(file_url_for(base))
            .concurrent_updates(True)
            .post_init(self.on_started)
            .post_shutdown(self.on_stopped)
            .build()
        )
        application.add_handler(TypeHandler(Update, self.on_update))
        application.add_error_handler(self.on_error)
        return application

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Pass what the participant did to the conversation and deliver the answer."""
        if update.callback_query is not None:  # answer first: no spinning buttons, ever
            await cosmetic(update.callback_query.answer(), "answerCallbackQuery")
        chat, user = update.effective_chat, user_of(update)
        if chat is None or user is None:
            return
        if not is_private(update):
            if update.message is not None:
                await self.say_private_only(chat.id, update)
            return
        event = to_inbound(update, at=self.clock.now())
        if event is None:
            return
        async with self.locks.hold(user):
            sprint = await asyncio.to_thread(self.conversations.handle, event)
            for message in sprint.messages:
                if not await self.deliver(chat.id, message):
                    break

    async def deliver(self, chat_id: int, message: MessageCreated) -> bool:
        rtl = self.catalogue.supports(message.lang) and self.catalogue.language(message.lang).rtl
        pieces = [to_html(piece, rtl) for piece in split_text(message.text)]
        what = message.content_id or "message"
        return await self.delivery.send(chat_id, pieces, keyboard(message.buttons), what)

    async def say_private_only(self, chat_id: int, update: Update) -> None:
        user = update.effective_user
        lang = self.catalogue.match_language(user.language_code if user else None) or "en"
        text = self.catalogue.text(lang, "chat.private_only")
        await self.delivery.send(chat_id, [to_html(text, False)], None, "ui.chat.private_only")

    async def on_blocked(self, chat_id: int) -> None:
        await asyncio.to_thread(
            self.conversations.mark_blocked, f"telegram:{chat_id}", self.clock.now()
        )

    async def on_started(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Once the bot runs: the command menus, and the scheduler for reminders."""
        await self.set_commands(application)
        await self.start_scheduler()

    async def on_stopped(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.stop_scheduler()

    async def start_scheduler(self) -> None:
        """APScheduler in this event loop looks for due reminders; the rows are the truth, so
        its own jobs need no store and nothing is lost when the process stops."""
        if self.dispatcher is None:
            return
        missed = await asyncio.to_thread(self.dispatcher.recover)
        if missed:
            log.warning("fires_interrupted", extra={"missed": missed})
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self.dispatch_due,
            "interval",
            seconds=self.dispatch_every,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="dispatch_due",
        )
        self.scheduler.start()

    def stop_scheduler(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None

    async def dispatch_due(self) -> int:
        """Send the reminders that are due, each in its participant's turn; return how many."""
        if self.dispatcher is None:
            return 0
        dispatcher, sent = self.dispatcher, 0
        for claim in await asyncio.to_thread(dispatcher.claim_due):
            async with self.locks.hold(claim.user):
                messages = await asyncio.to_thread(dispatcher.run, claim)
                delivered = bool(messages)
                chat_id = int(claim.user.partition(":")[2])
                for message in messages:
                    delivered = delivered and await self.deliver(chat_id, message)
                await asyncio.to_thread(dispatcher.settle, claim, bool(messages), delivered)
                sent += delivered
        return sent

    async def set_commands(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The command menu in every supported language, and English for everyone else."""
        for lang in (None, *self.catalogue.codes):
            text_lang = lang or "en"
            commands = [
                BotCommand(name, self.catalogue.text(text_lang, f"command.{name}"))
                for name in COMMANDS
            ]
            await cosmetic(
                application.bot.set_my_commands(commands, language_code=lang),
                f"setMyCommands({lang or 'default'})",
            )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log ids and the traceback, never the update's contents."""
        update_id = update.update_id if isinstance(update, Update) else None
        log.error("update_failed", exc_info=context.error, extra={"update_id": update_id})

    def webhook_options(self) -> dict[str, Any]:
        """Where the webhook server listens and what it tells Telegram, secret included."""
        url = self.settings.webhook_url or ""
        return {
            "listen": self.settings.webhook_listen,
            "port": self.settings.webhook_port,
            "url_path": urlparse(url).path.lstrip("/"),
            "webhook_url": url,
            "secret_token": self.settings.webhook_secret,
            "allowed_updates": Update.ALL_TYPES,
        }

    def run(self) -> None:
        """Long polling, or a webhook server when WEBHOOK_URL is set; until stopped by a signal."""
        if self.settings.webhook_url:
            self.application.run_webhook(**self.webhook_options())
        else:
            self.application.run_polling(allowed_updates=Update.ALL_TYPES)

    async def start(self, poll_timeout: int = 10) -> None:
        """Start receiving inside a running event loop (for embedding and tests); see stop()."""
        application = self.application
        await application.initialize()
        await self.on_started(application)
        await application.start()
        assert application.updater is not None
        if self.settings.webhook_url:
            await application.updater.start_webhook(**self.webhook_options())
        else:
            await application.updater.start_polling(
                poll_interval=0.0, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
            )

    async def stop(self) -> None:
        self.stop_scheduler()
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
