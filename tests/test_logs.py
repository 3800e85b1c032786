"""Logs are JSON lines and never contain the bot token, even inside URLs and tracebacks."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from bot.logs import JsonFormatter, Redact

TOKEN = "123456:SECRET-token-value"


def formatted(record: logging.LogRecord) -> dict[str, object]:
    assert Redact([TOKEN, ""]).filter(record)
    data: dict[str, object] = json.loads(JsonFormatter().format(record))
    return data


def test_the_token_is_removed_from_messages_and_arguments() -> None:
    record = logging.makeLogRecord(
        {"msg": "HTTP Request: POST %s", "args": (f"https://api.telegram.org/bot{TOKEN}/getMe",)}
    )
    data = formatted(record)
    assert TOKEN not in json.dumps(data)
    assert data["event"] == "HTTP Request: POST https://api.telegram.org/bot[redacted]/getMe"


def test_extra_fields_are_kept() -> None:
    record = logging.makeLogRecord({"msg": "telegram_flood_wait", "retry_after": 3.0})
    assert formatted(record)["retry_after"] == 3.0


def test_tracebacks_are_redacted() -> None:
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        record = logging.makeLogRecord({"msg": "update_failed", "exc_info": sys.exc_info()})
    data = formatted(record)
    assert TOKEN not in json.dumps(data)
    assert "[redacted]" in str(data["traceback"])


@pytest.mark.parametrize("secrets", [[], [""]])
def test_no_secrets_changes_nothing(secrets: list[str]) -> None:
    record = logging.makeLogRecord({"msg": "hello %s", "args": ("world",)})
    assert Redact(secrets).filter(record)
    assert record.getMessage() == "hello world"
