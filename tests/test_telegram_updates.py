"""Telegram updates become the core's events; groups, bots and other updates do not reach it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Bot, Update

from bot.channels.telegram_updates import to_inbound
from bot.core.events import ButtonPressed, CommandReceived, TextReceived, UnsupportedReceived

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
USER = {"id": 42, "is_bot": False, "first_name": "Amal", "language_code": "ar"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Amal"}
BOT = Bot("123:TEST")


def update(**fields: Any) -> Update:
    update = Update.de_json({"update_id": 1, **fields}, BOT)
    assert update is not None
    return update


def message(**fields: Any) -> dict[str, Any]:
    return {"message_id": 5, "date": 1772438400, "chat": PRIVATE, "from": USER, **fields}


def test_text() -> None:
    event = to_inbound(update(message=message(text="مرحبا")), AT)
    assert event == TextReceived("telegram:42", AT, "مرحبا", lang_hint="ar")


def test_command_with_payload_and_bot_name() -> None:
    entities = [{"type": "bot_command", "offset": 0, "length": 19}]
    event = to_inbound(
        update(message=message(text="/start@werkpad_bot abc123", entities=entities)), AT
    )
    assert event == CommandReceived("telegram:42", AT, "start", "abc123", lang_hint="ar")


def test_a_slash_without_a_command_entity_is_text() -> None:
    assert isinstance(to_inbound(update(message=message(text="/ hoi")), AT), TextReceived)


def test_button_press() -> None:
    query = {
        "id": "7",
        "from": USER,
        "chat_instance": "1",
        "data": "menu",
        "message": message(text="x"),
    }
    assert to_inbound(update(callback_query=query), AT) == ButtonPressed(
        "telegram:42", AT, "menu", lang_hint="ar"
    )


def test_edited_text_is_read_as_text() -> None:
    event = to_inbound(
        update(edited_message=message(text="ik bedoel cv", edit_date=1772438460)), AT
    )
    assert isinstance(event, TextReceived) and event.text == "ik bedoel cv"


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (
            "sticker",
            {
                "file_id": "a",
                "file_unique_id": "b",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            },
        ),
        ("photo", [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]),
        ("voice", {"file_id": "a", "file_unique_id": "b", "duration": 3}),
        ("document", {"file_id": "a", "file_unique_id": "b"}),
        ("location", {"latitude": 52.1, "longitude": 5.1}),
        ("contact", {"phone_number": "+31600000000", "first_name": "Sara"}),
    ],
)
def test_media_is_unsupported(kind: str, payload: Any) -> None:
    event = to_inbound(update(message=message(**{kind: payload})), AT)
    assert event == UnsupportedReceived("telegram:42", AT, kind, lang_hint="ar")


def test_groups_and_bots_do_not_reach_the_core() -> None:
    group = {"id": -100, "type": "group", "title": "Klas"}
    assert to_inbound(update(message=message(text="hoi", chat=group)), AT) is None
    robot = {**USER, "is_bot": True}
    assert to_inbound(update(message=message(text="hoi", **{"from": robot})), AT) is None
    assert to_inbound(update(), AT) is None
