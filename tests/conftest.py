"""Shared fixtures: the real content, a manual clock, and databases on SQLite and PostgreSQL.

PostgreSQL tests use WERKPAD_TEST_POSTGRES_URL (default: the local server's `test` database) to
create a throw-away database for the session. Without a server they are skipped, except in CI,
where a missing PostgreSQL is an error.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.clock import ManualClock
from bot.config import REPO_ROOT
from bot.content.catalogue import Catalogue
from bot.content.loader import load_catalogue
from bot.storage.repo import Repo
from bot.storage.tables import Base

CONTENT = REPO_ROOT / "content"
# Trained NLU models are cached by a hash of the training data, so all tests (and the processes
# they start) can share one cache safely.
NLU_CACHE = Path(tempfile.gettempdir()) / "werkpad-test-nlu-cache"
os.environ["WERKPAD_NLU_CACHE"] = str(NLU_CACHE)
POSTGRES_ADMIN_URL = os.environ.get(
    "WERKPAD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite the bot: blocks of the scenarios"
    )


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CONTENT)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"werkpad_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        repo = Repo(url)
        repo.migrate()
        repo.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_tables(repo: Repo) -> None:
    with repo.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite in a temporary folder, or the session's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'werkpad.sqlite3'}"
        repo = Repo(url)
        repo.migrate()
        repo.dispose()
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    repo = Repo(url)
    _empty_tables(repo)
    repo.dispose()
    yield url


@pytest.fixture
def repo(db_url: str) -> Iterator[Repo]:
    repo = Repo(db_url)
    yield repo
    repo.dispose()
