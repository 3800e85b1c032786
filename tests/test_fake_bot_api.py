"""Tests of the fake Telegram Bot API server in tests/fakes/bot_api.py.

They talk to it over plain HTTP (urllib) and through a real python-telegram-bot ``Bot`` and
``Application`` (polling and webhook), so the integration tests can trust what it answers.
Every test is bounded to a few seconds.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fakes.bot_api import (
    MEDIA_KINDS,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    SECRET_HEADER,
    TERMINATED_BY_GET_UPDATES,
    WEBHOOK_ACTIVE,
    EntityParseError,
    FakeBotAPI,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    utf16_len,
)

JSONDict = dict[str, Any]
CHAT = 4242

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
def relaxed() -> Iterator[FakeBotAPI]:
    """A server without flood control, for tests that send many messages quickly."""
    with FakeBotAPI(flood_control=False) as fake:
        yield fake


def call(
    server: FakeBotAPI,
    method: str,
    params: JSONDict | None = None,
    *,
    token: str | None = None,
    encoding: str = "form",
    timeout: float = 5.0,
) -> tuple[int, JSONDict]:
    """Call the fake over HTTP; returns (status, JSON body). Objects are JSON-encoded in forms."""
    url = f"{server.base_url}{token if token is not None else server.token}/{method}"
    data: bytes | None = None
    headers: dict[str, str] = {}
    if params is not None:
        if encoding == "json":
            data = json.dumps(params).encode()
            headers["Content-Type"] = "application/json"
        else:
            fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            if encoding == "query":
                url += "?" + urlencode(fields)
            else:
                data = urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def ok(server: FakeBotAPI, method: str, params: JSONDict | None = None) -> Any:
    status, body = call(server, method, params)
    assert status == 200, body
    assert body["ok"] is True
    return body["result"]


def error(server: FakeBotAPI, method: str, params: JSONDict | None = None) -> tuple[int, str]:
    status, body = call(server, method, params)
    assert body["ok"] is False
    assert body["error_code"] == status
    return status, body["description"]


def keyboard(*data: str) -> JSONDict:
    return {"inline_keyboard": [[{"text": f"Knop {d}", "callback_data": d} for d in data]]}


def seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after_of(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB warns that int time periods are deprecated
        return seconds(exc.retry_after)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Receiver:
    """A tiny webhook endpoint on 127.0.0.1 that records what it gets and answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], JSONDict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append((dict(self.headers.items()), json.loads(body)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


# --------------------------------------------------------------------------------------------
# Plain HTTP: routing, parameters, objects
# --------------------------------------------------------------------------------------------


def test_wrong_token_unknown_method_and_method_case(server: FakeBotAPI) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}/bot"
    assert call(server, "getMe", token="654321:WRONG") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    assert call(server, "sendPigeon", {}) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    me = ok(server, "GETME")
    assert me == {
        "id": 123456,
        "is_bot": True,
        "first_name": "Werkpad",
        "username": "werkpad_test_bot",
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }
    assert [(m, s) for m, _, s in server.requests] == [
        ("getMe", 401),
        ("sendPigeon", 404),
        ("getMe", 200),
    ]


@pytest.mark.parametrize("encoding", ["form", "json", "query"])
def test_parameters_arrive_as_form_json_or_query(server: FakeBotAPI, encoding: str) -> None:
    server.register_user(CHAT)
    params = {"chat_id": CHAT, "text": "123", "reply_markup": keyboard("a")}
    status, body = call(server, "sendMessage", params, encoding=encoding)
    assert status == 200, body
    assert body["result"]["text"] == "123"
    assert body["result"]["reply_markup"] == keyboard("a")
    method, recorded, code = server.requests[-1]
    assert (method, code) == ("sendMessage", 200)
    assert recorded == params  # decoded: chat_id an int, text a string, reply_markup an object


def test_messages_are_valid_bot_api_objects(server: FakeBotAPI) -> None:
    update = server.user_sends_text(CHAT, "Hallo", first_name="Amal", language_code="ar")
    user_message = update["message"]
    assert user_message["from"] == {
        "id": CHAT,
        "is_bot": False,
        "first_name": "Amal",
        "language_code": "ar",
    }
    assert user_message["chat"] == {"id": CHAT, "type": "private", "first_name": "Amal"}
    assert isinstance(user_message["date"], int)
    server.user_sends_text(7, "Hoi")

    first = ok(server, "sendMessage", {"chat_id": CHAT, "text": "Welkom"})
    second = ok(server, "sendMessage", {"chat_id": CHAT, "text": "Nog iets"})
    other = ok(server, "sendMessage", {"chat_id": 7, "text": "Hoi"})
    assert [user_message["message_id"], first["message_id"], second["message_id"]] == [1, 2, 3]
    assert other["message_id"] == 2  # message ids count per chat
    assert first["from"] == server.bot_user
    assert first["chat"] == user_message["chat"]
    assert isinstance(first["date"], int)
    assert "reply_markup" not in first
    assert [m["text"] for m in server.sent(CHAT)] == ["Welkom", "Nog iets"]
    assert len(server.sent()) == 3
    parsed = Update.de_json(update, None).message
    assert parsed is not None
    assert parsed.text == "Hallo"


def test_unknown_chat_is_not_found(server: FakeBotAPI) -> None:
    assert error(server, "sendMessage", {"chat_id": 999, "text": "Hoi"}) == (
        400,
        "Bad Request: chat not found",
    )
    assert error(server, "sendMessage", {"text": "Hoi"}) == (400, "Bad Request: chat_id is empty")
    server.register_user(999)
    ok(server, "sendMessage", {"chat_id": 999, "text": "Hoi"})


def test_replies_need_an_existing_message(server: FakeBotAPI) -> None:
    asked = server.user_sends_text(CHAT, "Vraag")["message"]["message_id"]
    reply = ok(
        server, "sendMessage", {"chat_id": CHAT, "text": "Antwoord", "reply_to_message_id": asked}
    )
    assert reply["reply_to_message"]["text"] == "Vraag"
    missing = {"chat_id": CHAT, "text": "x", "reply_parameters": {"message_id": 99}}
    assert error(server, "sendMessage", missing) == (
        400,
        "Bad Request: message to be replied not found",
    )
    missing["reply_parameters"] = {"message_id": 99, "allow_sending_without_reply": True}
    assert "reply_to_message" not in ok(server, "sendMessage", missing)


# --------------------------------------------------------------------------------------------
# Text validation: length, HTML, MarkdownV2
# --------------------------------------------------------------------------------------------


def test_text_must_be_present_and_at_most_4096_utf16_units(relaxed: FakeBotAPI) -> None:
    relaxed.register_user(CHAT)

    def send(text: str, **extra: str) -> tuple[int, JSONDict]:
        return call(relaxed, "sendMessage", {"chat_id": CHAT, "text": text, **extra})

    empty = (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
    )
    too_long = (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"},
    )
    assert send("") == empty
    assert send(" \n\t ") == empty
    assert send("<b> </b>", parse_mode="HTML") == empty
    assert send("a" * 4096)[0] == 200
    assert send("a" * 4097) == too_long
    assert utf16_len("😀") == 2
    assert send("😀" * 2048)[0] == 200  # 2048 characters, 4096 UTF-16 code units
    assert send("😀" * 2049) == too_long  # only 2049 characters, but 4098 code units
    assert send("<b>" + "a" * 4096 + "</b>", parse_mode="HTML")[0] == 200  # markup is free
    assert send("  padded  ")[1]["result"]["text"] == "padded"  # Telegram trims whitespace


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold",
        "a < b",
        "<br>",
        "line<br/>break",
        "<foo>x</foo>",
        "<b>x</i>",
        "x</b>",
        "<span>no class</span>",
        "AT&T",
        "<a href='x>y</a>",
        "<b",
    ],
)
def test_malformed_html_is_refused(server: FakeBotAPI, text: str) -> None:
    server.register_user(CHAT)
    status, description = error(
        server, "sendMessage", {"chat_id": CHAT, "text": text, "parse_mode": "HTML"}
    )
    assert status == 400
    assert description.startswith("Bad Request: can't parse entities: "), description


def test_html_errors_are_worded_like_telegram() -> None:
    def message(text: str) -> str:
        with pytest.raises(EntityParseError) as info:
            parse_html(text)
        return str(info.value)

    assert message("<b>x") == "Can't find end tag corresponding to start tag b"
    assert message("🏟 🏟&lt;<abac>") == 'Unsupported start tag "abac" at byte offset 13'
    assert message("a < b") == 'Unsupported start tag "" at byte offset 2'
    assert message("x <b") == "Unclosed start tag at byte offset 2"
    assert message("🏟 🏟&lt;<i>a</em   >") == (
        'Unmatched end tag at byte offset 17, expected "</i>", found "</em>"'
    )
    assert message("🏟 🏟&lt;</") == "Unexpected end tag at byte offset 13"
    assert "&amp;" in message("Tom & Jerry")


def test_valid_html_becomes_text_and_entities(server: FakeBotAPI) -> None:
    text, entities = parse_html(
        "<b>Vet</b> <i>schuin</i> <u>onder</u> <s>door</s> <tg-spoiler>geheim</tg-spoiler> "
        '<a href="https://example.com/?a=1&b=2">link</a> <code>x &lt; y</code> '
        '<pre><code class="language-python">print(1)</code></pre> &quot;&amp;&#x27;&#128512;'
    )
    assert text == "Vet schuin onder door geheim link x < y print(1) \"&'😀"
    assert {e["type"] for e in entities} == {
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "text_link",
        "code",
        "pre",
    }
    assert {
        "type": "text_link",
        "offset": 29,
        "length": 4,
        "url": "https://example.com/?a=1&b=2",
    } in entities
    assert {"type": "pre", "offset": 40, "length": 8, "language": "python"} in entities
    assert parse_html("<blockquote expandable>Lang</blockquote>")[1] == [
        {"type": "expandable_blockquote", "offset": 0, "length": 4}
    ]
    # Telegram itself keeps a bare "&"; the strict default makes the bot escape it.
    assert parse_html("AT&T", strict_ampersand=False) == ("AT&T", [])

    server.register_user(CHAT)
    result = ok(
        server,
        "sendMessage",
        {"chat_id": CHAT, "text": "Hoi <b>😀 Amal</b>", "parse_mode": "html"},
    )
    assert result["text"] == "Hoi 😀 Amal"
    assert result["entities"] == [{"type": "bold", "offset": 4, "length": 7}]  # UTF-16 units
    assert server.sent(CHAT)[0]["text"] == "Hoi <b>😀 Amal</b>"
    assert server.sent(CHAT)[0]["plain_text"] == "Hoi 😀 Amal"


@pytest.mark.parametrize("char", list("_*[]()~`>#+-=|{}.!"))
def test_markdown_v2_reserved_characters_must_be_escaped(server: FakeBotAPI, char: str) -> None:
    server.register_user(CHAT)
    params = {"chat_id": CHAT, "text": f"Stap 1 {char}", "parse_mode": "MarkdownV2"}
    status, description = error(server, "sendMessage", params)
    assert status == 400
    assert description.startswith("Bad Request: can't parse entities: "), description
    params["text"] = f"Stap 1 \\{char}"
    assert ok(server, "sendMessage", params)["text"] == f"Stap 1 {char}"


def test_markdown_v2_parsing() -> None:
    with pytest.raises(EntityParseError) as info:
        parse_markdown_v2("Klaar.")
    assert (
        str(info.value) == "Character '.' is reserved and must be escaped with the preceding '\\'"
    )
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 4"):
        parse_markdown_v2("Dit *vet")
    with pytest.raises(EntityParseError, match="Can't find end of Italic entity"):
        parse_markdown_v2("snake_case")

    text, entities = parse_markdown_v2(
        "*vet* _schuin_ __onder__ ~door~ ||geheim|| `a.b` [site](https://example.com/a\\)b) "
        "```python\nprint(1)\n```"
    )
    assert text == "vet schuin onder door geheim a.b site print(1)\n"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
        "pre",
    ]
    assert entities[6]["url"] == "https://example.com/a)b"
    assert entities[7]["language"] == "python"
    assert parse_markdown_v2(">citaat\n>verder\nna") == (
        "citaat\nverder\nna",
        [{"type": "blockquote", "offset": 0, "length": 14}],
    )
    assert parse_markdown_v2("\\\\ \\_ \\*") == ("\\ _ *", [])


def test_legacy_markdown_parsing() -> None:
    assert parse_markdown("*vet* _schuin_ `code` 1+1=2.") == (
        "vet schuin code 1+1=2.",
        [
            {"type": "bold", "offset": 0, "length": 3},
            {"type": "italic", "offset": 4, "length": 6},
            {"type": "code", "offset": 11, "length": 4},
        ],
    )
    with pytest.raises(EntityParseError, match="Can't find end of the entity starting at byte"):
        parse_markdown("snake_case")


# --------------------------------------------------------------------------------------------
# Reply markup, edits, callback queries, commands
# --------------------------------------------------------------------------------------------


def test_inline_keyboard_validation(server: FakeBotAPI) -> None:
    server.register_user(CHAT)

    def send_markup(markup: JSONDict) -> tuple[int, JSONDict]:
        return call(
            server, "sendMessage", {"chat_id": CHAT, "text": "Kies", "reply_markup": markup}
        )

    assert send_markup(keyboard("x" * 64))[0] == 200
    for data in ("x" * 65, "é" * 33):  # 65 and 66 bytes of UTF-8
        assert send_markup(keyboard(data))[1]["description"] == "Bad Request: BUTTON_DATA_INVALID"
    unallowed = (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the "
        "inline keyboard"
    )
    for button in (
        {"text": "", "callback_data": "a"},
        {"text": "Alleen tekst"},
        {"text": "Lege data", "callback_data": ""},
    ):
        status, body = send_markup({"inline_keyboard": [[button]]})
        assert (status, body["description"]) == (400, unallowed)
    assert send_markup({"inline_keyboard": [[{"callback_data": "a"}]]})[0] == 400
    url_button = {"text": "Site", "url": "https://werkpad.example/uitleg"}
    assert send_markup({"inline_keyboard": [[url_button]]})[0] == 200
    reply_keyboard = {"keyboard": [["Ja", "Nee"]], "resize_keyboard": True}
    status, body = send_markup(reply_keyboard)
    assert status == 200
    assert "reply_markup" not in body["result"]  # Telegram only returns inline keyboards
    assert server.sent(CHAT)[-1]["reply_markup"] == reply_keyboard


def test_edit_message_text(relaxed: FakeBotAPI) -> None:
    relaxed.register_user(CHAT)
    sent = ok(
        relaxed, "sendMessage", {"chat_id": CHAT, "text": "Vraag", "reply_markup": keyboard("a")}
    )
    edit = {
        "chat_id": CHAT,
        "message_id": sent["message_id"],
        "text": "Vraag",
        "reply_markup": keyboard("a"),
    }
    assert error(relaxed, "editMessageText", edit) == (400, f"Bad Request: {NOT_MODIFIED}")
    # Same rendered text and entities are "not modified" too, whatever the markup language.
    same = {**edit, "text": "<b>Vraag</b>", "parse_mode": "HTML"}
    ok(relaxed, "editMessageText", same)
    same_again = {**edit, "text": "*Vraag*", "parse_mode": "MarkdownV2"}
    assert error(relaxed, "editMessageText", same_again)[1] == f"Bad Request: {NOT_MODIFIED}"

    edited = ok(relaxed, "editMessageText", {**edit, "reply_markup": keyboard("a", "b")})
    assert edited["reply_markup"] == keyboard("a", "b")
    assert isinstance(edited["edit_date"], int)
    # Leaving out reply_markup removes the inline keyboard, as at Telegram.
    without = {"chat_id": CHAT, "message_id": sent["message_id"], "text": "Bedankt"}
    assert "reply_markup" not in ok(relaxed, "editMessageText", without)

    record = relaxed.sent(CHAT)[0]
    assert (record["text"], record["reply_markup"]) == ("Bedankt", None)
    assert [e["text"] for e in record["edits"]] == ["<b>Vraag</b>", "Vraag", "Bedankt"]
    assert error(relaxed, "editMessageText", {**without, "message_id": 99}) == (
        400,
        "Bad Request: message to edit not found",
    )
    user_message = relaxed.user_sends_text(CHAT, "Van mij")["message"]["message_id"]
    assert error(relaxed, "editMessageText", {**without, "message_id": user_message}) == (
        400,
        "Bad Request: message can't be edited",
    )


def test_edit_message_reply_markup(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    sent = ok(
        server, "sendMessage", {"chat_id": CHAT, "text": "Vraag", "reply_markup": keyboard("a")}
    )
    params = {"chat_id": CHAT, "message_id": sent["message_id"], "reply_markup": keyboard("a")}
    assert error(server, "editMessageReplyMarkup", params)[1] == f"Bad Request: {NOT_MODIFIED}"
    del params["reply_markup"]
    assert "reply_markup" not in ok(server, "editMessageReplyMarkup", params)
    assert error(server, "editMessageReplyMarkup", params)[1] == f"Bad Request: {NOT_MODIFIED}"
    assert server.sent(CHAT)[0]["edits"][0]["method"] == "editMessageReplyMarkup"


def test_callback_queries_answer_once(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    sent = ok(
        server, "sendMessage", {"chat_id": CHAT, "text": "Kies", "reply_markup": keyboard("ja")}
    )
    with pytest.raises(ValueError, match="no button"):
        server.user_presses(CHAT, sent["message_id"], "nee")
    update = server.user_presses(CHAT, sent["message_id"], "ja")
    query = update["callback_query"]
    assert query["data"] == "ja"
    assert query["message"]["message_id"] == sent["message_id"]
    assert query["message"]["reply_markup"] == keyboard("ja")
    assert query["from"]["id"] == CHAT
    assert isinstance(query["chat_instance"], str)
    assert CallbackQuery.de_json(query, None).data == "ja"

    too_old = (400, f"Bad Request: {QUERY_TOO_OLD}")
    assert error(server, "answerCallbackQuery", {"callback_query_id": "nope"}) == too_old
    assert ok(server, "answerCallbackQuery", {"callback_query_id": query["id"], "text": "OK"})
    assert error(server, "answerCallbackQuery", {"callback_query_id": query["id"]}) == too_old
    assert server.callback_answers == [query["id"]]
    # A button that has gone can still be pressed by a user with an old screen.
    stale = server.user_presses(CHAT, sent["message_id"], "oud", check_button=False)
    assert stale["callback_query"]["data"] == "oud"


def test_callback_queries_expire_after_delivery() -> None:
    with FakeBotAPI(callback_query_timeout=0.3) as server:
        server.register_user(CHAT)
        sent = ok(
            server, "sendMessage", {"chat_id": CHAT, "text": "Kies", "reply_markup": keyboard("a")}
        )
        query_id = server.user_presses(CHAT, sent["message_id"], "a")["callback_query"]["id"]
        time.sleep(0.2)
        assert len(ok(server, "getUpdates")) == 1  # delivered now: the clock starts here
        time.sleep(0.2)
        ok(server, "answerCallbackQuery", {"callback_query_id": query_id})

        query_id = server.user_presses(CHAT, sent["message_id"], "a")["callback_query"]["id"]
        ok(server, "getUpdates")
        time.sleep(0.4)
        assert error(server, "answerCallbackQuery", {"callback_query_id": query_id}) == (
            400,
            f"Bad Request: {QUERY_TOO_OLD}",
        )


def test_commands_are_validated_and_stored_per_scope_and_language(server: FakeBotAPI) -> None:
    invalid = (400, "Bad Request: BOT_COMMAND_INVALID")
    for command, description in (
        ("Start", "Begin"),
        ("with-dash", "Begin"),
        ("x" * 33, "Begin"),
        ("", "Begin"),
        ("start", ""),
        ("start", "x" * 257),
    ):
        commands = [{"command": command, "description": description}]
        assert error(server, "setMyCommands", {"commands": commands}) == invalid

    default = [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Hulp"},
    ]
    arabic = [{"command": "start", "description": "ابدأ"}]
    private = {"type": "all_private_chats"}
    assert ok(server, "setMyCommands", {"commands": default}) is True
    ok(server, "setMyCommands", {"commands": arabic, "scope": private, "language_code": "ar"})
    assert ok(server, "getMyCommands") == default
    assert ok(server, "getMyCommands", {"scope": private, "language_code": "ar"}) == arabic
    assert ok(server, "getMyCommands", {"scope": private}) == []  # no fallback, as at Telegram
    assert server.commands(private, "ar") == arabic
    ok(server, "deleteMyCommands")
    assert server.commands() == []


# --------------------------------------------------------------------------------------------
# Blocked users, flood control, failures and delays
# --------------------------------------------------------------------------------------------


def test_blocked_users_answer_403(server: FakeBotAPI) -> None:
    server.user_sends_text(CHAT, "Hoi")
    server.block(CHAT)
    assert server.is_blocked(CHAT)
    forbidden = (
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    assert call(server, "sendMessage", {"chat_id": CHAT, "text": "Hoi"}) == forbidden
    assert call(server, "sendChatAction", {"chat_id": CHAT, "action": "typing"}) == forbidden
    member_update = Update.de_json(server.updates[-1], None).my_chat_member
    assert member_update is not None
    assert member_update.new_chat_member.status == "kicked"
    server.unblock(CHAT)
    ok(server, "sendMessage", {"chat_id": CHAT, "text": "Hoi"})

    server.block(CHAT, notify=False)
    server.user_sends_text(CHAT, "/start")  # writing again unblocks, as in Telegram
    assert not server.is_blocked(CHAT)
    ok(server, "sendMessage", {"chat_id": CHAT, "text": "Welkom terug"})


def test_flood_control_per_chat() -> None:
    with FakeBotAPI(chat_rate=1.0, chat_burst=3) as server:
        server.register_user(CHAT)
        server.register_user(7)
        for n in range(3):
            ok(server, "sendMessage", {"chat_id": CHAT, "text": f"Bericht {n}"})
        status, body = call(server, "sendMessage", {"chat_id": CHAT, "text": "Te veel"})
        assert status == 429
        retry = body["parameters"]["retry_after"]
        assert isinstance(retry, int)
        assert retry >= 1
        assert body == {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry}",
            "parameters": {"retry_after": retry},
        }
        ok(server, "sendMessage", {"chat_id": 7, "text": "Andere chat"})  # other chats go on
        time.sleep(retry / 2)
        assert call(server, "sendMessage", {"chat_id": CHAT, "text": "Nog steeds"})[0] == 429
        time.sleep(retry / 2 + 0.1)
        ok(server, "sendMessage", {"chat_id": CHAT, "text": "Weer toegestaan"})
        assert server.rate_limited_count == 2
        assert len(server.sent(CHAT)) == 4


def test_flood_control_global_and_disabled() -> None:
    with FakeBotAPI(global_rate=5) as server:
        for chat in range(1, 7):
            server.register_user(chat)
        for chat in range(1, 6):
            ok(server, "sendMessage", {"chat_id": chat, "text": "Hoi"})
        status, body = call(server, "sendMessage", {"chat_id": 6, "text": "Hoi"})
        assert (status, body["parameters"]["retry_after"]) == (429, 1)
    with FakeBotAPI(flood_control=False) as server:
        server.register_user(CHAT)
        for n in range(40):
            ok(server, "sendMessage", {"chat_id": CHAT, "text": f"Bericht {n}"})
        assert server.rate_limited_count == 0


def test_fail_next_injects_server_errors(server: FakeBotAPI) -> None:
    server.fail_next("sendMessage", 502, count=2)
    server.fail_next("getMe", 500, description="Internal Server Error: restart")
    server.register_user(CHAT)
    assert call(server, "sendMessage", {"chat_id": CHAT, "text": "a"}) == (
        502,
        {"ok": False, "error_code": 502, "description": "Bad Gateway"},
    )
    assert call(server, "sendMessage", {"chat_id": CHAT, "text": "a"})[0] == 502
    ok(server, "sendMessage", {"chat_id": CHAT, "text": "a"})
    assert error(server, "getMe") == (500, "Internal Server Error: restart")
    ok(server, "getMe")
    server.fail_next("getMe", 429, retry_after=3)
    assert call(server, "getMe")[1]["parameters"] == {"retry_after": 3}
    assert server.rate_limited_count == 1
    assert server.server_errors == []


def test_delay_next_lets_clients_time_out_but_still_sends(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    server.delay_next("sendMessage", 0.8)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        call(server, "sendMessage", {"chat_id": CHAT, "text": "Traag"}, timeout=0.3)
    assert time.monotonic() - started < 0.7
    # As at Telegram, the message is sent anyway: a bot that retries sends it twice.
    assert server.wait_for_sent(CHAT, 1, timeout=3)[0]["text"] == "Traag"
    ok(server, "sendMessage", {"chat_id": CHAT, "text": "Snel"})  # only the next call was slow


# --------------------------------------------------------------------------------------------
# getUpdates and webhooks
# --------------------------------------------------------------------------------------------


def test_get_updates_offsets_limit_and_long_polling(server: FakeBotAPI) -> None:
    first = server.user_sends_text(CHAT, "een")["update_id"]
    server.user_sends_text(CHAT, "twee")
    server.user_sends_text(CHAT, "drie")
    assert [u["update_id"] for u in ok(server, "getUpdates", {"limit": 2})] == [first, first + 1]
    assert len(ok(server, "getUpdates")) == 3  # nothing is confirmed without an offset
    assert [u["update_id"] for u in ok(server, "getUpdates", {"offset": first + 2})] == [first + 2]
    assert len(server.pending_updates) == 1
    assert ok(server, "getUpdates", {"offset": first + 3}) == []
    assert server.pending_updates == []

    timer = threading.Timer(0.3, server.user_sends_text, args=(CHAT, "wakker?"))
    started = time.monotonic()
    timer.start()
    updates = ok(server, "getUpdates", {"offset": first + 3, "timeout": 5})
    elapsed = time.monotonic() - started
    timer.join()
    assert [u["message"]["text"] for u in updates] == ["wakker?"]
    assert 0.2 < elapsed < 2.0  # answered as soon as the update came, not after 5 s

    started = time.monotonic()
    assert ok(server, "getUpdates", {"offset": updates[0]["update_id"] + 1, "timeout": 1}) == []
    assert 0.9 < time.monotonic() - started < 2.0

    for text in ("a", "b", "c"):
        server.user_sends_text(CHAT, text)
    assert [u["message"]["text"] for u in ok(server, "getUpdates", {"offset": -1})] == ["c"]
    assert len(server.pending_updates) == 1


def test_allowed_updates_filters_new_updates(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    sent = ok(
        server, "sendMessage", {"chat_id": CHAT, "text": "Kies", "reply_markup": keyboard("a")}
    )
    ok(server, "getUpdates", {"allowed_updates": ["message"]})
    server.user_presses(CHAT, sent["message_id"], "a")
    server.user_sends_text(CHAT, "tekst")
    assert [list(u)[1] for u in ok(server, "getUpdates")] == ["message"]
    ok(server, "getUpdates", {"allowed_updates": []})  # back to Telegram's default
    server.user_presses(CHAT, sent["message_id"], "a")
    assert "callback_query" in ok(server, "getUpdates")[-1]


def test_a_second_get_updates_terminates_the_first(server: FakeBotAPI) -> None:
    results: list[tuple[int, JSONDict]] = []
    poller = threading.Thread(
        target=lambda: results.append(call(server, "getUpdates", {"timeout": 5})), daemon=True
    )
    poller.start()
    time.sleep(0.3)
    ok(server, "getUpdates", {"timeout": 0})
    poller.join(3)
    assert results == [
        (409, {"ok": False, "error_code": 409, "description": TERMINATED_BY_GET_UPDATES})
    ]


def test_webhook_only_to_loopback(server: FakeBotAPI) -> None:
    for url in ("https://example.com/hook", "http://10.0.0.1/hook", "http://[::2]:8443/x"):
        status, description = error(server, "setWebhook", {"url": url})
        assert status == 400
        assert description.startswith("Bad Request: bad webhook: "), description
    assert server.webhook is None
    with pytest.raises(RuntimeError, match="no webhook"):
        server.post_to_webhook({"update_id": 1})


def test_webhook_push_with_secret(server: FakeBotAPI) -> None:
    with Receiver() as receiver:
        server.user_sends_text(CHAT, "al in de wachtrij")
        described = call(server, "setWebhook", {"url": receiver.url, "secret_token": "s3cret_X-1"})
        assert described == (200, {"ok": True, "result": True, "description": "Webhook was set"})
        assert error(server, "getUpdates") == (409, WEBHOOK_ACTIVE)

        update = server.user_sends_command(CHAT, "/start", args="uitnodiging")
        deliveries = server.wait_for_deliveries(2, timeout=5)
        assert deliveries[1] == (update["update_id"], 200)
        (headers, first), (_, second) = receiver.received
        assert first["message"]["text"] == "al in de wachtrij"  # pending updates are pushed too
        assert second == update
        assert headers[SECRET_HEADER] == "s3cret_X-1"
        assert second["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

        assert server.post_to_webhook(update, secret="wrong") == 200  # this receiver accepts all
        assert receiver.received[-1][0][SECRET_HEADER] == "wrong"
        assert server.post_to_webhook(update, secret=None) == 200
        assert SECRET_HEADER not in receiver.received[-1][0]
        assert len(server.webhook_deliveries) == 2  # manual posts are not deliveries

        receiver.status = 500
        server.user_sends_text(CHAT, "fout")
        assert server.wait_for_deliveries(3, timeout=5)[-1][1] == 500
        info = ok(server, "getWebhookInfo")
        assert info["url"] == receiver.url
        assert (
            info["last_error_message"]
            == "Wrong response from the webhook: 500 Internal Server Error"
        )

    assert call(server, "deleteWebhook") == (
        200,
        {"ok": True, "result": True, "description": "Webhook was deleted"},
    )
    server.user_sends_text(CHAT, "weer polling")
    assert ok(server, "getUpdates")[-1]["message"]["text"] == "weer polling"


# --------------------------------------------------------------------------------------------
# The user controls
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", MEDIA_KINDS)
def test_user_sends_every_kind_as_a_valid_object(server: FakeBotAPI, kind: str) -> None:
    update = server.user_sends(CHAT, kind)
    message = Update.de_json(update, None).message
    assert message is not None
    assert getattr(message, kind)
    assert message.text is None
    if kind == "sticker":
        assert update["message"]["sticker"]["type"] == "regular"
        assert update["message"]["sticker"]["is_animated"] is False
    if kind == "animation":
        assert message.document is not None  # Telegram sets both fields


def test_user_sends_captions_commands_and_edits(server: FakeBotAPI) -> None:
    photo = server.user_sends(CHAT, "photo", caption="Mijn diploma")
    assert photo["message"]["caption"] == "Mijn diploma"
    with pytest.raises(ValueError, match="no caption"):
        server.user_sends(CHAT, "dice", caption="x")
    with pytest.raises(ValueError, match="unknown kind"):
        server.user_sends(CHAT, "hologram")

    command = server.user_sends_command(CHAT, "taal", args="nl")["message"]
    assert command["text"] == "/taal nl"
    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 5}]
    typed = server.user_sends_text(CHAT, "/start")["message"]
    assert typed["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert "entities" not in server.user_sends_text(CHAT, "a/b and 1/2")["message"]

    edited = server.user_edits(CHAT, typed["message_id"], "ik bedoel /help")
    message = edited["edited_message"]
    assert message["text"] == "ik bedoel /help"
    assert message["message_id"] == typed["message_id"]
    assert isinstance(message["edit_date"], int)
    assert message["entities"] == [{"type": "bot_command", "offset": 10, "length": 5}]
    ids = [u["update_id"] for u in server.updates]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_wait_for_sent_times_out_with_what_was_sent(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    ok(server, "sendMessage", {"chat_id": CHAT, "text": "Eén"})
    with pytest.raises(TimeoutError, match="Eén"):
        server.wait_for_sent(CHAT, 2, timeout=0.2)


def test_restart_keeps_port_and_state() -> None:
    server = FakeBotAPI()
    server.start()
    try:
        port = server.port
        server.user_sends_text(CHAT, "Hoi")
        server.stop()
        with pytest.raises(urllib.error.URLError):
            call(server, "getMe", timeout=1)
        server.start()
        assert server.port == port
        assert ok(server, "getUpdates")[0]["message"]["text"] == "Hoi"
    finally:
        server.stop()


# --------------------------------------------------------------------------------------------
# A real python-telegram-bot Bot
# --------------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_ptb_bot_round_trip(server: FakeBotAPI) -> None:
    server.user_sends_text(CHAT, "Hoi")
    async with Bot(server.token, base_url=server.base_url) as bot:
        me = await bot.get_me()
        assert (me.id, me.username, me.is_bot) == (123456, "werkpad_test_bot", True)

        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
        message = await bot.send_message(
            CHAT, "<b>Welkom</b> bij Werkpad", parse_mode="HTML", reply_markup=markup
        )
        assert message.text == "Welkom bij Werkpad"
        assert message.text_html == "<b>Welkom</b> bij Werkpad"
        assert message.reply_markup == markup
        assert message.from_user is not None and message.from_user.is_bot

        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(CHAT, "x" * 4097)
        with pytest.raises(BadRequest) as info:
            await bot.send_message(CHAT, "<b>Welkom", parse_mode="HTML")
        assert "can't parse entities" in str(info.value).lower()
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            too_big = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="x" * 65)]])
            await bot.send_message(CHAT, "Kies", reply_markup=too_big)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(999, "Hoi")


@pytest.mark.asyncio
async def test_ptb_bot_flood_control_and_blocking(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    async with Bot(server.token, base_url=server.base_url) as bot:
        for n in range(3):
            await bot.send_message(CHAT, f"Bericht {n}")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(CHAT, "Te snel")
        assert retry_after_of(info.value) >= 1

        server.register_user(7)
        server.block(7)
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(7, "Hoi")
        with pytest.raises(Forbidden):
            await bot.send_chat_action(7, "typing")


@pytest.mark.asyncio
async def test_ptb_bot_updates_and_callback_answers(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    async with Bot(server.token, base_url=server.base_url) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="ja")]])
        message = await bot.send_message(CHAT, "Kies", reply_markup=markup)

        asyncio.get_running_loop().call_later(
            0.3, server.user_presses, CHAT, message.message_id, "ja"
        )
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        assert time.monotonic() - started < 2.5
        assert len(updates) == 1
        query = updates[0].callback_query
        assert query is not None and query.data == "ja"
        assert query.message is not None and query.message.message_id == message.message_id

        assert await bot.get_updates(offset=updates[0].update_id + 1) == ()
        assert server.pending_updates == []

        assert await bot.answer_callback_query(query.id, text="Genoteerd") is True
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query.id)
        assert server.callback_answers == [query.id]


@pytest.mark.asyncio
async def test_ptb_bot_server_errors_and_timeouts(server: FakeBotAPI) -> None:
    server.register_user(CHAT)
    async with Bot(server.token, base_url=server.base_url) as bot:
        server.fail_next("sendMessage", 502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(CHAT, "Hoi")
        server.fail_next("sendMessage", 500)
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(CHAT, "Hoi")
        assert (await bot.send_message(CHAT, "Hoi")).text == "Hoi"

        server.delay_next("getMe", 1.0)
        with pytest.raises(TimedOut):
            await bot.get_me(read_timeout=0.2)
        assert (await bot.get_me()).username == "werkpad_test_bot"


# --------------------------------------------------------------------------------------------
# A real python-telegram-bot Application, polling and on a webhook
# --------------------------------------------------------------------------------------------


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Werk", callback_data="werk")]])
    await update.effective_message.reply_text(
        "Welkom! <b>Wat zoek je?</b>", parse_mode="HTML", reply_markup=markup
    )


async def _choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"Gekozen: {query.data}")


def _application(server: FakeBotAPI) -> Application[Any, Any, Any, Any, Any, Any]:
    app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(CallbackQueryHandler(_choice))
    return app


@pytest.mark.asyncio
async def test_ptb_application_polling(server: FakeBotAPI) -> None:
    app = _application(server)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            server.user_sends_command(CHAT, "/start")
            (welcome,) = await server.wait_for_sent_async(CHAT, 1, timeout=5)
            assert welcome["plain_text"] == "Welkom! Wat zoek je?"
            assert welcome["reply_markup"] == {
                "inline_keyboard": [[{"text": "Werk", "callback_data": "werk"}]]
            }

            server.user_presses(CHAT, welcome["message_id"], "werk")
            await server.wait_for_request_async("editMessageText", timeout=5)
            (edited,) = server.sent(CHAT)
            assert (edited["text"], edited["reply_markup"]) == ("Gekozen: werk", None)
            assert len(server.callback_answers) == 1
        finally:
            await app.updater.stop()
            await app.stop()
    assert server.pending_updates == []  # PTB confirmed what it fetched when it stopped
    assert all(status in (200, 409) for _, _, status in server.requests)
    assert server.server_errors == []


@pytest.mark.asyncio
async def test_ptb_application_webhook_with_secret(server: FakeBotAPI) -> None:
    port = free_port()
    app = _application(server)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="hook",
            webhook_url=f"http://127.0.0.1:{port}/hook",
            secret_token="s3cret-token",
        )
        try:
            assert server.webhook is not None
            assert server.webhook["secret_token"] == "s3cret-token"
            update = server.user_sends_command(CHAT, "start")
            await server.wait_for_sent_async(CHAT, 1, timeout=5)
            assert await server.wait_for_deliveries_async(1, timeout=5) == [
                (update["update_id"], 200)
            ]
            # PTB refuses updates without the right secret.
            assert await server.post_to_webhook_async(update, secret="wrong") == 403
            assert await server.post_to_webhook_async(update, secret=None) == 403
            assert await server.post_to_webhook_async(update) == 200
            await server.wait_for_sent_async(CHAT, 2, timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    assert server.server_errors == []
