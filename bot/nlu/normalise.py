"""Text normalisation before NLU, the same for training data and for what participants type.

Participants write Arabic with and without diacritics, Persian with the zero-width non-joiner, a
space or nothing ("می‌خواهم", "می خواهم", "میخواهم"), Arabic or Persian forms of ye and kaf,
Eastern Arabic digits, capitals, and stretched words ("helppp"). All of these become one form.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic-Indic and Persian digits as 0-9.
DIGITS = str.maketrans(
    {**{chr(0x0660 + i): str(i) for i in range(10)}, **{chr(0x06F0 + i): str(i) for i in range(10)}}
)
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel
LETTERS = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh -> Persian yeh
        "\u0649": "\u06cc",  # alef maksura -> Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf -> Persian keheh
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # teh marbuta -> heh
        "\u200c": " ",  # zero-width non-joiner -> space
        "\u200d": "",  # zero-width joiner
        "\u200f": "",  # right-to-left mark
        "\u200e": "",  # left-to-right mark
    }
)
REPEATS = re.compile(r"(\w)\1{2,}")
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """One form for the many ways the same words are typed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = ARABIC_MARKS.sub("", text).translate(LETTERS).translate(DIGITS)
    text = REPEATS.sub(r"\1\1", text)
    return SPACES.sub(" ", text).strip()


def ascii_digits(text: str) -> str:
    """Eastern Arabic and Persian digits as 0-9, leaving everything else as it is."""
    return text.translate(DIGITS)
