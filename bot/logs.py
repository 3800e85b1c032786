"""Logging as one JSON object per line, without message contents or secrets.

Records carry event names and ids in `extra`; nothing logs what participants wrote. The Bot API
token appears in every request URL, so a filter removes it from every record, and the HTTP client's
per-request INFO lines are silenced.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in STANDARD})
        if record.exc_info:
            data["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:  # already formatted (and redacted) by Redact
            data["traceback"] = record.exc_text
        return json.dumps(data, default=str, ensure_ascii=False)


class Redact(logging.Filter):
    """Replace secrets wherever they appear in a record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, "[redacted]")
        record.msg, record.args = message, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            for secret in self.secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_info, record.exc_text = None, text
        return True


def configure_logging(level: int, fmt: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
