"""The golden conversations again, now typed into Telegram: the participant must read exactly what
the core said, with the same buttons. If the transcripts match, the channel is thin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_api import FakeBotAPI
from tests.scenario_runner import CoreRunner, Scenario, load_scenarios
from tests.telegram_harness import Participant, RunningBot, labels, plain_text


def typeable_in_telegram(scenario: Scenario) -> bool:
    """Telegram cannot send empty, blank or over-long texts, raw button data or nothing at all."""
    if not scenario.terminal_compatible:
        return False
    for step in scenario.steps:
        user = step.get("user")
        if isinstance(user, dict) and "long_text" in user:
            return False
        if isinstance(user, str) and (not user.strip() or user != user.strip()):
            return False
    return True


SCENARIOS = [s for s in load_scenarios() if typeable_in_telegram(s)]


def seen(message: dict[str, Any]) -> tuple[str, list[str]]:
    return plain_text(message), labels(message)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_telegram_shows_the_same_conversation(scenario: Scenario, tmp_path: Path) -> None:
    core = CoreRunner(scenario, f"sqlite:///{tmp_path / 'core.sqlite3'}")
    replies = core.play_counting()
    expected = [(m.text.strip(), [b.label for b in m.buttons]) for m in core.messages]
    db_url = f"sqlite:///{tmp_path / 'telegram.sqlite3'}"
    with FakeBotAPI(flood_control=False) as fake:
        person = Participant(fake, int(scenario.data["user"]["id"]), language_code="de")
        running = RunningBot(fake, db_url)
        try:
            for step, count in zip(scenario.steps, replies, strict=True):
                if step.get("restart"):
                    running.stop()
                    running = RunningBot(fake, db_url)
                    continue
                user = step["user"]
                if isinstance(user, dict):
                    person.press(user["press"], replies=count)
                elif user.startswith("/"):
                    command, _, args = user.partition(" ")
                    person.command(command, args, replies=count)
                else:
                    person.say(user, replies=count)
        finally:
            running.stop()
        assert [seen(m) for m in person.received] == expected
