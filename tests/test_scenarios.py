"""Whole conversations, from tests/scenarios: through the core with a database, and through the
terminal channel, which must print exactly what the core said."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenario_runner import CoreRunner, Scenario, load_scenarios, run_terminal, update_golden

SCENARIOS = load_scenarios()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_conversation(scenario: Scenario, db_url: str, request: pytest.FixtureRequest) -> None:
    played = CoreRunner(scenario, db_url).play()
    if request.config.getoption("--update-goldens") and db_url.startswith("sqlite"):
        update_golden(scenario, played)
        return
    assert not played.failures, "\n".join(played.failures)


TERMINAL = [s for s in SCENARIOS if s.terminal_compatible]


@pytest.mark.parametrize("scenario", TERMINAL, ids=[s.name for s in TERMINAL])
def test_terminal_prints_the_same_conversation(scenario: Scenario, tmp_path: Path) -> None:
    core_db = f"sqlite:///{tmp_path / 'core.sqlite3'}"
    chat_db = f"sqlite:///{tmp_path / 'chat.sqlite3'}"
    played = CoreRunner(scenario, core_db).play()
    assert run_terminal(scenario, played, chat_db) == "".join(played.output)


def test_every_scenario_runs_in_dutch_and_english() -> None:
    langs = {s.data.get("lang") for s in SCENARIOS}
    assert {"nl", "en"} <= langs
