"""One form for the many ways people type the same words."""

from __future__ import annotations

import pytest

from bot.nlu.normalise import ascii_digits, normalise


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("مَرْحَبًا", "مرحبا"),  # Arabic diacritics
        ("شـــكرا", "شکرا"),  # tatweel; Arabic kaf becomes Persian keheh
        ("علي", "علی"),  # Arabic yeh and Persian yeh are one letter
        ("أريد إنشاء", "ارید انشاء"),  # alef variants
        ("می‌خواهم", "می خواهم"),  # zero-width non-joiner
        ("HELPPPP", "helpp"),  # case and stretched letters
        ("ik  ben\t٣٤", "ik ben 34"),  # spaces and Arabic-Indic digits
        ("من ۲۹ سالمه", "من 29 سالمه"),  # Persian digits
        ("ሰላም", "ሰላም"),  # Ge'ez is left alone
        ("Öğrenci", "öğrenci"),
    ],
)
def test_normalise(typed: str, normal: str) -> None:
    assert normalise(typed) == normal


def test_ascii_digits_leaves_letters() -> None:
    assert ascii_digits("عمري ٣٤ سنة") == "عمري 34 سنة"
