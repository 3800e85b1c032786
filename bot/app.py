"""The one place that wires Settings to storage, content and the clock for the channels."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.content.catalogue import Catalogue
from bot.content.loader import load_catalogue
from bot.conversations import Conversations
from bot.core.turn import Context
from bot.nlu import NLU, build_nlu
from bot.scheduling import Dispatcher, Policy
from bot.storage.repo import Repo


@dataclass
class App:
    """A ready Werkpad: migrated database, checked content, a clock, and the conversation host."""

    settings: Settings
    clock: Clock
    catalogue: Catalogue
    repo: Repo
    nlu: NLU
    conversations: Conversations
    dispatcher: Dispatcher

    def close(self) -> None:
        self.repo.dispose()


def build_app(settings: Settings, clock: Clock | None = None) -> App:
    """Load and check the content, migrate the database, prepare the NLU and build the host."""
    catalogue = load_catalogue(settings.content_dir)
    repo = Repo(settings.database_url)
    repo.migrate()
    nlu = nlu_for(settings)
    ctx = Context(catalogue=catalogue, max_text_chars=settings.max_text_chars)
    conversations = Conversations(repo, ctx, nlu)
    clock = clock or SystemClock()
    dispatcher = Dispatcher(repo, conversations, clock, Policy(timezone=settings.timezone))
    return App(settings, clock, catalogue, repo, nlu, conversations, dispatcher)


def nlu_for(settings: Settings) -> NLU:
    """The configured NLU engine on the training data in the NLU folder."""
    return build_nlu(
        settings.nlu_engine,
        [settings.nlu_dir / "data" / "nlu"],
        settings.nlu_cache_dir,
        settings.rasa_url,
        settings.rasa_token,
    )
