"""Settings: documented defaults, the environment, and a .env file beneath it."""

from __future__ import annotations

from pathlib import Path

from bot.config import DEFAULT_BOT_API, Settings


def test_defaults_need_nothing(tmp_path: Path) -> None:
    settings = Settings.from_env(environ={}, env_file=None)
    assert settings.database_url == "sqlite:///var/werkpad.sqlite3"
    assert settings.telegram_token is None
    assert settings.telegram_api_base_url == DEFAULT_BOT_API
    assert settings.timezone == "Europe/Amsterdam"
    assert (settings.content_dir / "languages.yml").is_file()


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DATABASE_URL=sqlite:///from-file.db\nWERKPAD_TZ=UTC\n")
    settings = Settings.from_env(environ={"WERKPAD_TZ": "Europe/Brussels"}, env_file=env_file)
    assert settings.database_url == "sqlite:///from-file.db"
    assert settings.timezone == "Europe/Brussels"


def test_data_dir_moves_the_default_database() -> None:
    settings = Settings.from_env(environ={"WERKPAD_DATA_DIR": "/srv/werkpad"}, env_file=None)
    assert settings.database_url == "sqlite:////srv/werkpad/werkpad.sqlite3"
