"""Settings from the environment and an optional .env file, as one frozen Settings object.

Names and defaults are a stable interface (see the README). Nothing else in Werkpad reads
os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOT_API = "https://api.telegram.org/bot"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about one Werkpad process."""

    data_dir: Path
    database_url: str
    content_dir: Path
    telegram_token: str | None
    telegram_api_base_url: str
    timezone: str
    max_text_chars: int
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    log_format: str = "json"
    nlu_engine: str = "embedded"
    nlu_dir: Path = REPO_ROOT / "nlu"
    nlu_cache_dir: Path | None = None
    rasa_url: str | None = None
    rasa_token: str | None = None

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Settings from `environ` (default os.environ), with a .env file filling the gaps."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        data_dir = Path(values.get("WERKPAD_DATA_DIR", "./var"))
        default_db = f"sqlite:///{data_dir / 'werkpad.sqlite3'}"
        return cls(
            data_dir=data_dir,
            database_url=values.get("DATABASE_URL") or default_db,
            content_dir=Path(values.get("WERKPAD_CONTENT_DIR") or REPO_ROOT / "content"),
            telegram_token=values.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_base_url=values.get("TELEGRAM_API_BASE_URL") or DEFAULT_BOT_API,
            timezone=values.get("WERKPAD_TZ") or "Europe/Amsterdam",
            max_text_chars=int(values.get("WERKPAD_MAX_TEXT_CHARS") or 2000),
            webhook_url=values.get("WEBHOOK_URL") or None,
            webhook_secret=values.get("WEBHOOK_SECRET") or None,
            webhook_listen=values.get("WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(values.get("WEBHOOK_PORT") or 8443),
            log_format=values.get("WERKPAD_LOG_FORMAT") or "json",
            nlu_engine=values.get("NLU_ENGINE") or "embedded",
            nlu_dir=Path(values.get("WERKPAD_NLU_DIR") or REPO_ROOT / "nlu"),
            nlu_cache_dir=Path(values.get("WERKPAD_NLU_CACHE") or data_dir / "nlu-cache"),
            rasa_url=values.get("RASA_URL") or None,
            rasa_token=values.get("RASA_TOKEN") or None,
        )
