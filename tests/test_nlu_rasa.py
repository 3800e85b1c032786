"""The Rasa engine: a real Rasa server when CI starts one (.ci/rasa), and a stand-in Rasa on
127.0.0.1 for the failures: down, slow, broken answers. The bot falls back and logs it."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from bot.config import REPO_ROOT
from bot.nlu import EmbeddedNLU, RasaNLU
from tests.conftest import NLU_CACHE

RASA_URL = os.environ.get("WERKPAD_TEST_RASA_URL")
RASA_TOKEN = os.environ.get("WERKPAD_TEST_RASA_TOKEN")


@pytest.fixture(scope="module")
def embedded() -> EmbeddedNLU:
    return EmbeddedNLU([REPO_ROOT / "nlu" / "data" / "nlu"], NLU_CACHE)


class StandIn(BaseHTTPRequestHandler):
    """Answers /model/parse the way the test sets in `behaviour`."""

    behaviour: ClassVar[dict[str, Any]] = {}

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length))
        self.behaviour.setdefault("seen", []).append((self.path, body))
        time.sleep(self.behaviour.get("delay", 0))
        status = self.behaviour.get("status", 200)
        answer = self.behaviour.get("answer") or {
            "text": body["text"],
            "intent": {"name": "cv", "confidence": 0.88},
            "intent_ranking": [{"name": "cv", "confidence": 0.88}],
            "entities": [],
        }
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting, as the timeout test intends

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stand_in() -> Iterator[tuple[str, dict[str, Any]]]:
    behaviour: dict[str, Any] = {}
    handler = type("Handler", (StandIn,), {"behaviour": behaviour})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", behaviour
    server.shutdown()
    server.server_close()


def test_rasas_answer_is_used_with_the_token_and_normalised_text(
    stand_in: tuple[str, dict[str, Any]], embedded: EmbeddedNLU
) -> None:
    url, behaviour = stand_in
    parse = RasaNLU(url, embedded, token="s3cret").parse("HOE maak ik een CV?? ik ben ٣٤")
    assert parse["engine"] == "rasa" and parse["intent"]["name"] == "cv"
    assert parse["language"] == "nl"
    assert parse["entities"][0]["value"] == 34
    path, body = behaviour["seen"][0]
    assert path == "/model/parse?token=s3cret"
    assert body == {"text": "hoe maak ik een cv?? ik ben 34"}


@pytest.mark.parametrize(
    "behaviour",
    [
        {"status": 500},
        {"status": 401},
        {"answer": b"not json"},
        {"answer": {"text": "x"}},
        {"delay": 1.5},
    ],
    ids=["server error", "wrong token", "not json", "no intent", "too slow"],
)
def test_failures_fall_back_to_the_embedded_engine(
    stand_in: tuple[str, dict[str, Any]],
    embedded: EmbeddedNLU,
    behaviour: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    url, settings = stand_in
    settings.update(behaviour)
    with caplog.at_level(logging.WARNING):
        parse = RasaNLU(url, embedded, timeout=0.5).parse("waar vind ik vacatures?")
    assert parse["engine"] == "embedded" and parse["intent"]["name"] == "job_search"
    assert "rasa_unavailable" in caplog.text


def test_a_server_that_is_not_there(embedded: EmbeddedNLU) -> None:
    parse = RasaNLU("http://127.0.0.1:9", embedded, timeout=0.5).parse(
        "ik wil stoppen met berichten"
    )
    assert parse["engine"] == "embedded"


@pytest.mark.skipif(not RASA_URL, reason="no Rasa server: .ci/rasa starts one (needs Python 3.10)")
def test_a_real_rasa_server(embedded: EmbeddedNLU) -> None:
    assert RASA_URL is not None
    rasa = RasaNLU(RASA_URL, embedded, token=RASA_TOKEN, timeout=10)
    for text, intent in [
        ("how can i make a cv", "cv"),
        ("ik ben 34, kan ik studiefinanciering krijgen?", "study_finance"),
        ("كيف اعادل شهادتي", "diploma"),
    ]:
        parse = rasa.parse(text)
        assert parse["engine"] == "rasa", "the real server did not answer"
        assert parse["intent"]["name"] == intent, parse["intent_ranking"][:3]
