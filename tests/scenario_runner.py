"""Plays the conversation scenarios in tests/scenarios through the core and through `werkpad chat`.

A scenario is a YAML list of steps. A step is what the participant does (`user:`) and what the bot
answers (`bot:`, a list of outbound events in a short form), or a `restart` of the program, or an
`advance` of the clock, with optional `db:` checks in SQL. See tests/scenarios/README.md.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from bot.app import App, build_app
from bot.channels.terminal import render
from bot.clock import ManualClock
from bot.config import REPO_ROOT, Settings
from bot.core.events import (
    Button,
    ButtonPressed,
    CommandReceived,
    Event,
    Inbound,
    MessageCreated,
    TextReceived,
    UnsupportedReceived,
)
from bot.scheduling import Dispatcher, Policy

SCENARIOS = Path(__file__).parent / "scenarios"


@dataclass
class Scenario:
    path: Path
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def user(self) -> str:
        return f"terminal:{self.data['user']['id']}"

    @property
    def steps(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = self.data["steps"]
        return steps

    @property
    def terminal_compatible(self) -> bool:
        """Whether every input can be typed in a terminal (raw button data, stickers and time
        passing for reminders cannot)."""
        return all(
            not (isinstance(s.get("user"), dict) and ({"data", "unsupported"} & set(s["user"])))
            and "advance" not in s
            for s in self.steps
        )


def load_scenarios() -> list[Scenario]:
    return [
        Scenario(path, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(SCENARIOS.glob("*.yml"))
    ]


def summarise(event: Event) -> dict[str, Any]:
    """The short form an outbound event takes in a scenario."""
    if isinstance(event, MessageCreated):
        body: dict[str, Any] = {"content_id": event.content_id}
        if event.buttons:
            body["buttons"] = [b.label for b in event.buttons]
        return {"message_created": body}
    data = event.to_json()
    return {data.pop("type"): data}


def parse_duration(value: str) -> timedelta:
    match = re.fullmatch(r"(\d+)([dhm])", value)
    if not match:
        raise ValueError(f"durations look like 3d, 2h or 15m, not {value!r}")
    amount, unit = int(match.group(1)), match.group(2)
    return timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})


@dataclass
class Played:
    """What playing a scenario through the core produced, for comparison and for the terminal."""

    actual: list[list[dict[str, Any]] | None] = field(default_factory=list)
    lines: list[list[str]] = field(default_factory=lambda: [[]])  # terminal input, per process
    output: list[str] = field(default_factory=list)  # what the terminal should print
    failures: list[str] = field(default_factory=list)


class CoreRunner:
    """Plays a scenario through bot.app with a manual clock, restarting the app on `restart`."""

    def __init__(self, scenario: Scenario, db_url: str) -> None:
        self.scenario = scenario
        self.db_url = db_url
        self.clock = ManualClock(datetime.fromisoformat(str(scenario.data["clock"])))
        self.buttons: tuple[Button, ...] = ()
        self.messages: list[MessageCreated] = []
        self.app = self.start()

    def start(self) -> App:
        settings = Settings.from_env(
            environ={"WERKPAD_NLU_CACHE": os.environ["WERKPAD_NLU_CACHE"]}, env_file=None
        )
        return build_app(replace(settings, database_url=self.db_url), self.clock)

    def inbound(self, spec: Any, played: Played) -> Inbound:
        user, at = self.scenario.user, self.clock.now()
        if isinstance(spec, str):
            spec = {"text": spec}
        if "press" in spec:
            labels = [b.label for b in self.buttons]
            if spec["press"] not in labels:
                raise AssertionError(f"no button {spec['press']!r} among {labels}")
            index = labels.index(spec["press"])
            played.lines[-1].append(str(index + 1))
            return ButtonPressed(user, at, self.buttons[index].data)
        if "data" in spec:
            return ButtonPressed(user, at, spec["data"])
        if "unsupported" in spec:
            return UnsupportedReceived(user, at, spec["unsupported"])
        typed = "x" * int(spec["long_text"]) if "long_text" in spec else str(spec["text"])
        played.lines[-1].append(typed)
        if typed.startswith("/") and len(typed.strip()) > 1:
            command, _, args = typed.strip()[1:].partition(" ")
            return CommandReceived(user, at, command, args.strip())
        return TextReceived(user, at, typed)

    def play(self) -> Played:
        played = Played()
        try:
            for number, step in enumerate(self.scenario.steps, start=1):
                self.play_step(number, step, played)
        finally:
            self.app.close()
        return played

    def play_counting(self) -> list[int]:
        """Play the scenario; return how many messages the bot sent for each step."""
        counts = []
        played = Played()
        try:
            for number, step in enumerate(self.scenario.steps, start=1):
                before = len(self.messages)
                self.play_step(number, step, played)
                counts.append(len(self.messages) - before)
        finally:
            self.app.close()
        assert not played.failures, "\n".join(played.failures)
        return counts

    def dispatch_due(self) -> list[dict[str, Any]]:
        """Send what the scheduler finds due now; the messages it delivered, in short form."""
        delivered: list[dict[str, Any]] = []

        def deliver(user: str, messages: list[MessageCreated]) -> bool:
            delivered.extend(summarise(m) for m in messages)
            self.messages += messages
            self.buttons = next((m.buttons for m in reversed(messages) if m.buttons), self.buttons)
            return True

        Dispatcher(self.app.repo, self.app.conversations, self.clock, Policy()).dispatch(deliver)
        return delivered

    def play_step(self, number: int, step: dict[str, Any], played: Played) -> None:
        if step.get("restart"):
            self.app.close()
            self.app = self.start()
            self.buttons = ()
            played.lines.append([])
            played.actual.append(None)
            return
        actual: list[dict[str, Any]] = []
        if "advance" in step:
            self.clock.advance(parse_duration(str(step["advance"])))
            actual = self.dispatch_due()
            if actual != step.get("bot", []):
                played.failures.append(
                    f"step {number} (advance {step['advance']}):\n  expected {step.get('bot')}\n"
                    f"  actual   {actual}"
                )
        if "user" in step:
            sprint = self.app.conversations.handle(self.inbound(step["user"], played))
            actual = [summarise(e) for e in sprint.events]
            self.messages += sprint.messages
            for message in sprint.messages:
                played.output.append(render(message) + "\n")
                if message.buttons:
                    self.buttons = message.buttons
            if actual != step.get("bot", []):
                played.failures.append(
                    f"step {number} ({step['user']!r}):\n  expected {step.get('bot')}\n"
                    f"  actual   {actual}"
                )
        played.actual.append(actual if "user" in step or "advance" in step else None)
        for check in step.get("db", []):
            with self.app.repo.session() as session:
                got = session.execute(text(check["query"])).scalar()
            if got != check["returns"]:
                played.failures.append(f"step {number}: {check['query']} gave {got}")


def update_golden(scenario: Scenario, played: Played) -> None:
    """Rewrite the scenario's bot: blocks with what the core produced."""
    for step, actual in zip(scenario.steps, played.actual, strict=True):
        if actual is not None:
            step["bot"] = actual
    scenario.path.write_text(
        yaml.safe_dump(
            scenario.data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None
        ),
        encoding="utf-8",
    )


def run_terminal(scenario: Scenario, played: Played, db_url: str) -> str:
    """Type the scenario into `werkpad chat`, a process per restart; return what it printed."""
    env = {**os.environ, "WERKPAD_CONTENT_DIR": str(REPO_ROOT / "content")}
    printed = []
    for lines in played.lines:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "chat",
                "--user",
                str(scenario.data["user"]["id"]),
                "--db",
                db_url,
            ],
            input="".join(f"{line}\n" for line in lines),
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        printed.append(result.stdout)
    return "".join(printed)
