"""Dates for people: "27 november 2026" in Dutch, "٢٧ نوفمبر ٢٠٢٦" in Arabic, via Babel (CLDR)."""

from __future__ import annotations

from datetime import date

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date


def format_date(day: date, locale: str) -> str:
    """A long date in the given Babel locale; English when Babel does not know the locale."""
    try:
        loc = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        loc = Locale.parse("en_GB")
    return str(babel_format_date(day, format="long", locale=loc))
