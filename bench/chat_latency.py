"""How fast Werkpad answers a message, and how much memory a chat process takes.

Measures (1) the pure core, (2) one message through the conversation host with the embedded NLU
and its database transaction, on SQLite and, when reachable, PostgreSQL, and (3) `werkpad chat`
as a whole process: start-up time, time per piped message and peak memory. Prints Markdown.

    python -m bench.chat_latency [--messages 500] [--postgres URL]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from itertools import cycle
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.app import nlu_for
from bot.config import REPO_ROOT, Settings
from bot.content.loader import load_catalogue
from bot.conversations import Conversations
from bot.core import ButtonPressed, Context, Inbound, State, TextReceived, step
from bot.storage import Repo

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# One participant's walk through the CV module by buttons, with some typed text in between.
WALK = [
    "lang:nl",
    "mod:cv",
    "go:cv.intro:has_cv",
    "ans:cv.has_cv:no",
    "go:cv.layout:personal",
    "text:hoe schrijf ik mijn profiel?",
    "go:cv.personal:profile",
    "go:cv.profile:check_profile",
    "done:cv.check_profile",
    "ans:cv.has_work:little",
    "text:ik heb thuis voor mijn familie gezorgd",
    "back:cv.little_work",
    "menu",
    "mod:cv",
]


def events(user: str, n: int) -> Iterator[Inbound]:
    for _, item in zip(range(n), cycle(WALK), strict=False):
        if item.startswith("text:"):
            yield TextReceived(user, AT, item.removeprefix("text:"))
        else:
            yield ButtonPressed(user, AT, item)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.median(ordered), p95, statistics.mean(ordered)


def timed(run: Callable[[Inbound], object], inbound: Iterator[Inbound]) -> list[float]:
    samples = []
    for event in inbound:
        started = time.perf_counter()
        run(event)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_core(ctx: Context, n: int) -> list[float]:
    state = State()

    def run(event: Inbound) -> None:
        nonlocal state
        state = step(state, event, ctx).state

    return timed(run, events("terminal:bench", n))


def bench_host(ctx: Context, url: str, n: int) -> list[float]:
    """Each event through the host as the bot runs it: NLU for typed text, one transaction."""
    repo = Repo(url)
    repo.migrate()
    nlu = nlu_for(Settings.from_env())
    nlu.parse("warm up")  # train or load the model before timing
    host = Conversations(repo, ctx, nlu)
    try:
        return timed(host.handle, events("terminal:bench", n))
    finally:
        repo.dispose()


def fresh_postgres(admin_url: str) -> tuple[str, Callable[[], None]] | None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"werkpad_bench_{int(time.time())}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def bench_process(n: int, workdir: Path) -> tuple[float, float, float]:
    """(start-up seconds, ms per message, peak RSS in MB) of `werkpad chat` with piped input."""
    lines = [str(i % 2 + 1) for i in range(n)]  # press buttons 1 and 2 in turn

    def run(stdin: str, db: str) -> float:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot", "chat", "--lang", "nl", "--db", f"sqlite:///{db}"],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            cwd=workdir,
        )
        return time.perf_counter() - started

    startup = min(run("", str(workdir / f"empty{i}.sqlite3")) for i in range(3))
    full = min(run("\n".join(lines) + "\n", str(workdir / f"full{i}.sqlite3")) for i in range(3))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return startup, (full - startup) * 1000 / n, peak_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="an existing database to create a throw-away benchmark database from",
    )
    args = parser.parse_args()
    ctx = Context(load_catalogue(REPO_ROOT / "content"))
    rows = [("core only (no I/O)", bench_core(ctx, args.messages))]
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(
            (
                "host + NLU + SQLite file",
                bench_host(ctx, f"sqlite:///{tmp}/b.sqlite3", args.messages),
            )
        )
        pg = fresh_postgres(args.postgres)
        if pg is not None:
            url, drop = pg
            try:
                rows.append(("host + NLU + PostgreSQL", bench_host(ctx, url, args.messages)))
            finally:
                drop()
        startup, per_message, peak = bench_process(100, Path(tmp))
    print(f"{args.messages} messages per row; times in milliseconds\n")
    print("| path | p50 | p95 | mean |")
    print("|---|---:|---:|---:|")
    for name, samples in rows:
        p50, p95, mean = percentiles(samples)
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {mean:.2f} |")
    print(
        f"\n`werkpad chat` process: start-up {startup:.2f} s, {per_message:.2f} ms per piped "
        f"message (100 messages), peak memory {peak:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
