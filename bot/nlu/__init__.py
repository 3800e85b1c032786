"""Natural language understanding: one interface, two engines (embedded, the default; Rasa).

`parse(text)` returns Rasa's /model/parse shape (`text`, `intent{name,confidence}`,
`intent_ranking`, `entities`) plus `language`, the language the text is written in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from bot.nlu.embedded import EmbeddedNLU
from bot.nlu.rasa import RasaNLU


class NLU(Protocol):
    """Reads free text."""

    name: str

    def parse(self, text: str) -> dict[str, Any]: ...


def build_nlu(
    engine: str,
    data: list[Path],
    cache_dir: Path | None,
    rasa_url: str | None = None,
    rasa_token: str | None = None,
    rasa_timeout: float = 2.0,
) -> EmbeddedNLU | RasaNLU:
    """The engine named by NLU_ENGINE; Rasa keeps the embedded engine as its fallback."""
    embedded = EmbeddedNLU(data, cache_dir)
    if engine == "embedded":
        return embedded
    if engine == "rasa":
        if not rasa_url:
            raise ValueError("NLU_ENGINE=rasa needs RASA_URL")
        return RasaNLU(rasa_url, embedded, rasa_token, rasa_timeout)
    raise ValueError(f"unknown NLU engine {engine!r} (embedded or rasa)")


__all__ = ["NLU", "EmbeddedNLU", "RasaNLU", "build_nlu"]
