"""Shape core messages for Telegram: HTML escaping, splitting long texts, inline keyboards.

Content is plain text; it is sent with parse_mode HTML after escaping, so that no character in
content or in what people typed can make Telegram refuse a message ("can't parse entities").
"""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.events import Button

MAX_MESSAGE_UTF16 = 4096
NAV_PREFIXES = ("back:", "src:", "menu")
LTR_RUN = re.compile(r"(/[A-Za-z_]+|https?://\S+)")
LRI, PDI = "\u2066", "\u2069"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it, in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def isolate_ltr(text: str) -> str:
    """Keep commands and links left-to-right inside right-to-left text, so /menu stays /menu."""
    return LTR_RUN.sub(lambda m: f"{LRI}{m.group(0)}{PDI}", text)


def split_text(text: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Pieces below `limit` UTF-16 units (after HTML escaping), cut at paragraph breaks, then at
    line breaks, then at spaces, and only as a last resort inside a word."""
    pieces: list[str] = []
    rest = text
    while utf16_len(html.escape(rest, quote=False)) > limit:
        cut = _cut_point(rest, limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _cut_point(text: str, limit: int) -> int:
    low, high = 0, len(text)  # the longest prefix that fits, by bisection (length is monotonic)
    while low < high:
        middle = (low + high + 1) // 2
        if utf16_len(html.escape(text[:middle], quote=False)) <= limit:
            low = middle
        else:
            high = middle - 1
    fits = low
    window = text[:fits]
    for separator in ("\n\n", "\n", " "):
        at = window.rfind(separator)
        if at > fits // 2:
            return at + len(separator)
    return max(fits, 1)


def to_html(text: str, rtl: bool) -> str:
    escaped = html.escape(text, quote=False)
    return isolate_ltr(escaped) if rtl else escaped


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """One button per row for choices; Back, Source and Menu share the last row."""
    if not buttons:
        return None
    choices = [b for b in buttons if not b.data.startswith(NAV_PREFIXES)]
    navigation = [b for b in buttons if b.data.startswith(NAV_PREFIXES)]
    rows = [[InlineKeyboardButton(b.label, callback_data=b.data)] for b in choices]
    if navigation:
        rows.append([InlineKeyboardButton(b.label, callback_data=b.data) for b in navigation])
    return InlineKeyboardMarkup(rows)
