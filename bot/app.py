"""The one place that wires Settings to storage, content and the clock for the channels."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.content.loader import load_catalogue
from bot.conversations import Conversations
from bot.core.turn import Context
from bot.storage.repo import Repo


@dataclass
class App:
    """A ready Werkpad: migrated database, checked content, a clock, and the conversation host."""

    settings: Settings
    clock: Clock
    catalogue: Catalogue
    repo: Repo
    conversations: Conversations

    def close(self) -> None:
        self.repo.dispose()


def build_app(settings: Settings, clock: Clock | None = None) -> App:
    """Load and check the content, migrate the database and build the conversation host."""
    catalogue = load_catalogue(settings.content_dir)
    repo = Repo(settings.database_url)
    repo.migrate()
    ctx = Context(catalogue=catalogue, max_text_chars=settings.max_text_chars)
    return App(settings, clock or SystemClock(), catalogue, repo, Conversations(repo, ctx))
