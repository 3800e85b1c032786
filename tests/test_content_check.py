"""`werkpad content check`: the shipped content passes, and each kind of mistake is reported."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.check import check_catalogue
from bot.content.loader import ContentError, load_catalogue, read_content
from bot.content.stats import stats_table
from tests.conftest import CONTENT

TODAY = date(2026, 11, 29)


def problems_after(tmp_path: Path, edit: Callable[[dict[str, Any]], None], file: str) -> list[str]:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    path = root / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    catalogue, problems = read_content(root)
    if catalogue is not None:
        problems += check_catalogue(catalogue, TODAY)
    return problems


def test_shipped_content_passes() -> None:
    catalogue, problems = read_content(CONTENT)
    assert catalogue is not None
    assert problems + check_catalogue(catalogue, TODAY) == []


def test_cli_exit_codes(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check", "--today", "2026-11-29"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout
    broken = tmp_path / "content"
    shutil.copytree(CONTENT, broken)
    (broken / "ui" / "so.yml").unlink()
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "content", "check"],
        capture_output=True,
        text=True,
        check=False,
        env={"WERKPAD_CONTENT_DIR": str(broken), "PATH": ""},
    )
    assert bad.returncode == 1
    assert bad.stdout.strip().splitlines() == [
        "ui/so.yml: missing (every supported language needs its interface strings)"
    ]


def cv_step(
    step: str, change: Callable[[dict[str, Any]], None]
) -> Callable[[dict[str, Any]], None]:
    def edit(module: dict[str, Any]) -> None:
        change(module["steps"][step])

    return edit


CASES: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    (
        "dangling next",
        "modules/cv.yml",
        cv_step("intro", lambda s: s.update(next="nowhere")),
        "intro: leads to nowhere, which does not exist",
    ),
    (
        "missing translation",
        "modules/cv.yml",
        cv_step("layout", lambda s: s["text"].pop("en")),
        "layout: text: missing en",
    ),
    (
        "over-long text",
        "modules/cv.yml",
        cv_step("layout", lambda s: s["text"].update(nl="woord " * 200)),
        "layout: text.nl: 1200 characters",
    ),
    (
        "over-long label",
        "modules/cv.yml",
        cv_step("has_cv", lambda s: s["options"][0]["label"].update(en="x" * 41)),
        "options[0].en: 41 characters",
    ),
    (
        "markup",
        "modules/cv.yml",
        cv_step("intro", lambda s: s["text"].update(en="<b>bold</b> text")),
        "intro: text.en: contains markup",
    ),
    (
        "control character",
        "modules/cv.yml",
        cv_step("intro", lambda s: s["text"].update(en="bell \x07 text")),
        "contains control characters",
    ),
    (
        "unreachable step",
        "modules/cv.yml",
        lambda m: m["steps"].update(orphan={"text": {"nl": "x", "en": "x"}}),
        "orphan: cannot be reached from intro",
    ),
    (
        "sources without date",
        "modules/cv.yml",
        cv_step("personal", lambda s: s.pop("verified")),
        "a step with sources needs a `verified` date",
    ),
    (
        "date in the future",
        "modules/cv.yml",
        cv_step("personal", lambda s: s.update(verified=date(2027, 1, 1))),
        "verified 2027-01-01 is in the future",
    ),
    (
        "date too old",
        "modules/cv.yml",
        cv_step("personal", lambda s: s.update(verified=date(2024, 1, 1))),
        "is more than 365 days ago",
    ),
    (
        "branch on an unknown field",
        "modules/cv.yml",
        lambda m: m["steps"].update(
            intro={"when": [{"if": {"shoe_size": "large"}, "to": "layout"}, {"to": "has_cv"}]}
        ),
        "intro: branches on shoe_size, which no question asks",
    ),
    (
        "branch without default",
        "modules/cv.yml",
        lambda m: m["steps"].update(intro={"when": [{"if": {"has_cv": "yes"}, "to": "layout"}]}),
        "the last rule of a branch must be a default",
    ),
    (
        "branch loop",
        "modules/cv.yml",
        lambda m: m["steps"].update(
            intro={"when": [{"if": {"has_cv": "yes"}, "to": "loop"}, {"to": "has_cv"}]},
            loop={"when": [{"to": "intro"}]},
        ),
        "branches loop through intro -> loop -> intro",
    ),
    (
        "unknown field",
        "modules/cv.yml",
        cv_step("intro", lambda s: s.update(colour="blue")),
        "intro.colour: Extra inputs are not permitted",
    ),
    ("missing ui key", "ui/tr.yml", lambda d: d.pop("nav.next"), "ui/tr.yml: nav.next: missing"),
    (
        "placeholder mismatch",
        "ui/ar.yml",
        lambda d: d.update({"module.progress": "{title} {n}"}),
        "module.progress: placeholders ['n', 'title'] differ",
    ),
]


@pytest.mark.parametrize(
    ("file", "edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_mistake_is_reported(
    tmp_path: Path, file: str, edit: Callable[[dict[str, Any]], None], expected: str
) -> None:
    problems = problems_after(tmp_path, edit, file)
    assert any(expected in p for p in problems), problems


def test_the_bot_refuses_broken_content(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    (root / "ui" / "nl.yml").write_text('nav.next: "Verder"\n', encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_catalogue(root)
    assert "ui/nl.yml: welcome: missing" in error.value.problems


def test_button_data_over_64_bytes_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    long_step = "a_very_long_step_name_xy"
    module = {
        "id": "a_module_with_a_long_id",
        "order": 99,
        "title": {"nl": "Lang", "en": "Long"},
        "languages": ["nl", "en"],
        "status": {"en": "machine"},
        "start": long_step,
        "steps": {
            long_step: {"text": {"nl": "x", "en": "x"}, "next": "end_of_a_very_long_name"},
            "end_of_a_very_long_name": {"text": {"nl": "x", "en": "x"}},
        },
    }
    (root / "modules" / "a_module_with_a_long_id.yml").write_text(yaml.safe_dump(module))
    catalogue, problems = read_content(root)
    assert catalogue is not None
    problems += check_catalogue(catalogue, TODAY)
    assert any("is over 64 bytes" in p for p in problems), problems


def test_stats_show_every_module_and_language() -> None:
    catalogue, _ = read_content(CONTENT)
    assert catalogue is not None
    table = stats_table(catalogue).splitlines()
    assert table[0].split("|")[4:-1] == [f" {code} " for code in catalogue.codes]
    cv = next(line for line in table if line.startswith("| cv |"))
    assert "| source | machine |" in cv
    assert len(table) == 2 + len(catalogue.modules)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Het minimumloon is EUR 14.71 per uur.", "states an amount without its year"),
        ("Je krijgt 8% vakantiegeld.", "states an amount or percentage without a source"),
    ],
)
def test_amounts_are_rules(tmp_path: Path, text: str, expected: str) -> None:
    def edit(module: dict[str, Any]) -> None:
        module["steps"]["has_cv"]["text"]["nl"] = text

    assert any(expected in p for p in problems_after(tmp_path, edit, "modules/cv.yml"))
