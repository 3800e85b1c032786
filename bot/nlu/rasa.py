"""The Rasa engine: ask a Rasa server's /model/parse; the embedded engine answers when it fails.

Rasa 3.6 cannot live in the bot's environment (it needs Python < 3.11 and old SQLAlchemy), so it
runs as its own service and is reached over HTTP with a short timeout. Rasa does not say which
language a message is in; the embedded engine's language model does that for both engines.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from bot.nlu.embedded import EmbeddedNLU
from bot.nlu.entities import extract_entities
from bot.nlu.normalise import normalise

log = logging.getLogger(__name__)


class RasaNLU:
    """Parses text with a Rasa server; the embedded engine answers while the server is down."""

    name = "rasa"

    def __init__(
        self,
        url: str,
        fallback: EmbeddedNLU,
        token: str | None = None,
        timeout: float = 2.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.fallback = fallback
        self.token = token
        self.client = httpx.Client(base_url=url.rstrip("/"), timeout=timeout, transport=transport)

    def parse(self, text: str) -> dict[str, Any]:
        try:
            answer = self.ask(normalise(text))
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("rasa_unavailable", extra={"error": type(exc).__name__})
            return self.fallback.parse(text)
        language, confidence = self.fallback.detect_language(text)
        entities = answer.get("entities") or []
        if not any(e.get("entity") == "age" for e in entities):
            entities = [*entities, *extract_entities(text)]
        return {
            "text": text,
            "intent": answer["intent"],
            "intent_ranking": answer.get("intent_ranking") or [answer["intent"]],
            "entities": entities,
            "language": language,
            "language_confidence": round(confidence, 4),
            "engine": self.name,
        }

    def ask(self, text: str) -> dict[str, Any]:
        params = {"token": self.token} if self.token else {}
        response = self.client.post("/model/parse", params=params, json={"text": text})
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        if not isinstance(answer.get("intent"), dict) or "name" not in answer["intent"]:
            raise ValueError("Rasa answered without an intent")
        return answer

    def close(self) -> None:
        self.client.close()
