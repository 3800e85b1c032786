"""Button data: what Werkpad writes it can read back; anything else is refused."""

from __future__ import annotations

import pytest

from bot.core.actions import MAX_DATA_BYTES, Action, parse_action


@pytest.mark.parametrize(
    "action",
    [
        Action("lang", "ar"),
        Action("menu"),
        Action("mod", "cv"),
        Action("restart", "cv"),
        Action("go", "cv.intro", "has_cv"),
        Action("go", "cv.end", "diploma.intro"),
        Action("ans", "cv.has_cv", "yes"),
        Action("done", "cv.check_help"),
        Action("back", "cv.layout"),
        Action("src", "cv.personal"),
        Action("erase", "yes"),
        Action("remind", "on"),
    ],
)
def test_round_trip(action: Action) -> None:
    assert parse_action(action.encode()) == action


@pytest.mark.parametrize(
    "data",
    [
        "",
        "garbage",
        "go:cv.intro",
        "go:cv:intro",
        "lang:english",
        "ans:cv.has_cv:Yes!",
        "erase:now",
        "mod:CV",
        "menu:extra",
        "go:cv.intro:has_cv:more",
        "x" * (MAX_DATA_BYTES + 1),
        "mod:" + "a" * 100,
        "lang:n\u0000",
    ],
)
def test_foreign_data_is_refused(data: str) -> None:
    assert parse_action(data) is None


def test_encoding_refuses_data_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Action("go", "a" * 30 + ".b", "c" * 30).encode()
