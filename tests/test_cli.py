"""The `werkpad` command as people run it: the chat without a token, the bot against a local Bot
API server by TELEGRAM_API_BASE_URL alone, and the logs it writes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from bot.config import REPO_ROOT
from bot.content.catalogue import Catalogue
from tests.fakes.bot_api import FakeBotAPI


def run_werkpad(
    args: list[str], tmp_path: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "WERKPAD_DATA_DIR": str(tmp_path / "var"), **env},
    )


def test_run_without_a_token_chats_in_the_terminal(tmp_path: Path) -> None:
    result = run_werkpad(["run"], tmp_path, stdin="/start\n2\n", TELEGRAM_BOT_TOKEN="")
    assert result.returncode == 0, result.stderr
    assert "[2] English" in result.stdout
    assert "Welcome to Werkpad!" in result.stdout
    assert (tmp_path / "var" / "werkpad.sqlite3").is_file()


def test_chat_with_a_preset_language_and_piped_input(tmp_path: Path, catalogue: Catalogue) -> None:
    result = run_werkpad(["chat", "--lang", "tr", "--user", "7"], tmp_path, stdin="1\n")
    assert result.returncode == 0, result.stderr
    assert catalogue.text("tr", "welcome") in result.stdout
    title = catalogue.modules["cv"].title["tr"]
    progress = catalogue.text("tr", "module.progress", title=title, n=1, total=19)
    assert progress in result.stdout  # button 1 of the menu opened the module


def test_chat_refuses_an_unknown_language(tmp_path: Path) -> None:
    result = run_werkpad(["chat", "--lang", "xx"], tmp_path)
    assert result.returncode == 2
    assert "unknown language xx" in result.stderr


def test_run_talks_to_a_local_bot_api_by_base_url_alone(tmp_path: Path) -> None:
    with FakeBotAPI(flood_control=False) as fake:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={
                **os.environ,
                "WERKPAD_DATA_DIR": str(tmp_path / "var"),
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_BASE_URL": fake.base_url,
            },
        )
        try:
            fake.wait_for_request("getUpdates", timeout=30)
            fake.user_sends_command(77, "/start", language_code="so")
            (choice,) = fake.wait_for_sent(77, 1, timeout=30)
            assert choice["reply_markup"]["inline_keyboard"][0][0]["text"] == "Soomaali"
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert fake.token not in stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert lines, stderr
    assert all("Dooro" not in json.dumps(line) for line in lines)  # no message contents


def test_broken_content_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "content", content)
    (content / "ui" / "ti.yml").unlink()
    result = run_werkpad(["chat"], tmp_path, stdin="/start\n", WERKPAD_CONTENT_DIR=str(content))
    assert result.returncode == 1
    assert "ui/ti.yml: missing" in result.stderr
    assert "Traceback" not in result.stderr
