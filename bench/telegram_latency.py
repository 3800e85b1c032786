"""Reply latency through the Telegram channel: a participant's message to the bot's answer.

Starts the fake Bot API from the tests on 127.0.0.1 and the real channel on a fresh SQLite
database, then has one participant send messages one after another (a module walk by buttons and
typed text) and times each from the moment the update is queued until the answer arrives at the
fake server. Long polling, the HTTP round trips, the database transaction and delivery all count.

    python -m bench.telegram_latency [--messages 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import cycle
from pathlib import Path

from bench.chat_latency import percentiles
from tests.fakes.bot_api import FakeBotAPI
from tests.telegram_harness import Participant, RunningBot

# (kind, value, replies): a loop through menu, module steps and typed text, valid at every turn.
LOOP = [
    ("command", "/menu", 1),
    ("press", "Your Dutch CV", 1),
    ("text", "how do I write my profile?", 1),
    ("command", "/help", 2),
    ("press", "Your Dutch CV (in progress)", 1),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, FakeBotAPI(flood_control=False) as fake:
        bot = RunningBot(fake, f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            bot.app.nlu.parse("warm up")  # train or load the NLU model before timing
            person = Participant(fake, 4242, language_code="en")
            person.onboard("English")
            samples = []
            for _, (kind, value, replies) in zip(range(args.messages), cycle(LOOP), strict=False):
                started = time.perf_counter()
                if kind == "command":
                    person.command(value, replies=replies)
                elif kind == "press":
                    label = value if value in _labels(person) else "Your Dutch CV"
                    person.press(label, replies=replies)
                else:
                    person.say(value, replies=replies)
                samples.append((time.perf_counter() - started) * 1000)
        finally:
            bot.stop()
    p50, p95, mean = percentiles(samples)
    print(f"{len(samples)} messages through the Telegram channel and the fake Bot API (SQLite)")
    print(f"reply latency: p50 {p50:.1f} ms, p95 {p95:.1f} ms, mean {mean:.1f} ms")
    return 0


def _labels(person: Participant) -> set[str]:
    rows = (person.received[-1].get("reply_markup") or {}).get("inline_keyboard", [])
    return {button["text"] for row in rows for button in row}


if __name__ == "__main__":
    raise SystemExit(main())
