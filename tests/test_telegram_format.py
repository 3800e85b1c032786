"""Shaping messages for Telegram: escaping, splitting under 4096 UTF-16 units, keyboards."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.telegram_format import (
    LRI,
    PDI,
    keyboard,
    split_text,
    to_html,
    utf16_len,
)
from bot.core.events import Button


def test_markup_characters_are_escaped() -> None:
    assert to_html("Werk & inkomen <b>niet vet</b>", rtl=False) == (
        "Werk &amp; inkomen &lt;b&gt;niet vet&lt;/b&gt;"
    )


def test_commands_and_links_stay_left_to_right_in_rtl_text() -> None:
    text = to_html("اكتب /menu أو زر https://www.idw.nl/nl", rtl=True)
    assert f"{LRI}/menu{PDI}" in text
    assert f"{LRI}https://www.idw.nl/nl{PDI}" in text
    assert LRI not in to_html("type /menu", rtl=False)


def test_emoji_count_double_as_telegram_counts_them() -> None:
    assert utf16_len("👍") == 2
    assert utf16_len("ሰላም") == 3


def test_long_text_is_cut_at_paragraphs() -> None:
    paragraphs = [f"Alinea {i}. " + "woord " * 60 for i in range(40)]
    pieces = split_text("\n\n".join(paragraphs))
    assert len(pieces) > 1
    assert all(utf16_len(html.escape(p, quote=False)) <= 4096 for p in pieces)
    assert all(p.startswith("Alinea") for p in pieces)


def test_escaping_is_counted_before_cutting() -> None:
    pieces = split_text("&" * 5000)  # each & becomes &amp;: five characters on the wire
    assert all(utf16_len(html.escape(p, quote=False)) <= 4096 for p in pieces)
    assert "".join(pieces) == "&" * 5000


@given(st.text(min_size=0, max_size=9000))
def test_splitting_loses_nothing_but_white_space_and_respects_the_limit(text: str) -> None:
    pieces = split_text(text, limit=1000)
    assert all(utf16_len(html.escape(p, quote=False)) <= 1000 for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_navigation_shares_the_last_row() -> None:
    markup = keyboard(
        (
            Button("Ja", "ans:cv.has_cv:yes"),
            Button("Nee", "ans:cv.has_cv:no"),
            Button("Bron", "src:cv.has_cv"),
            Button("Terug", "back:cv.has_cv"),
            Button("Menu", "menu"),
        )
    )
    assert markup is not None
    rows = [[b.text for b in row] for row in markup.inline_keyboard]
    assert rows == [["Ja"], ["Nee"], ["Bron", "Terug", "Menu"]]
    assert keyboard(()) is None
