"""A fake Telegram Bot API server for Werkpad's integration tests.

The real python-telegram-bot ``Application`` talks to it over real HTTP::

    with FakeBotAPI() as server:
        app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
        ...  # start polling (or a webhook), then play the user:
        server.user_sends_command(42, "/start")
        server.wait_for_sent(42, 1)

The server is an aiohttp application bound to 127.0.0.1 that runs in its own thread with its own
event loop, so sync and async tests can both drive it; every test control is thread-safe.

It imitates Telegram where bots tend to break: validation errors worded like Telegram's (HTML,
MarkdownV2 and Markdown parsing ported from tdlib, message length counted in UTF-16 code units
after parsing, callback data size, unchanged edits, stale callback queries, unknown chats), users
who blocked the bot (403), flood control (429 with ``retry_after``), competing ``getUpdates``
calls and an active webhook (409), injected server errors and slow answers, and webhook delivery
with a secret token. Webhook updates are only ever posted to loopback addresses.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import enum
import inspect
import ipaddress
import itertools
import json
import math
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Literal
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

__all__ = [
    "DEFAULT_TOKEN",
    "MEDIA_KINDS",
    "USE_CONFIGURED_SECRET",
    "EntityParseError",
    "FakeBotAPI",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "utf16_len",
]

JSONDict = dict[str, Any]

DEFAULT_TOKEN: Final = "123456:TEST-TOKEN"
BOT_FIRST_NAME: Final = "Werkpad"
BOT_USERNAME: Final = "werkpad_test_bot"
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

MAX_MESSAGE_LENGTH: Final = 4096  # UTF-16 code units, after entity parsing
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_COMMANDS: Final = 100

MEDIA_KINDS: Final = (
    "sticker",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "document",
    "location",
    "contact",
    "animation",
    "poll",
    "dice",
)
_CAPTION_KINDS: Final = frozenset({"photo", "voice", "video", "audio", "document", "animation"})

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"
TEXT_BUTTONS_UNALLOWED: Final = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
WEBHOOK_ACTIVE: Final = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
TERMINATED_BY_GET_UPDATES: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
TERMINATED_BY_SET_WEBHOOK: Final = "Conflict: terminated by setWebhook request"

# What Telegram sends when allowed_updates was never given (or given as an empty list).
_DEFAULT_ALLOWED_UPDATES: Final = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)

_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

_SCOPE_TYPES: Final = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)

# Form values arrive as strings; these parameters are decoded to their JSON types.
_INT_PARAMS: Final = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "cache_time",
        "max_connections",
        "reply_to_message_id",
        "message_thread_id",
        "user_id",
    }
)
_BOOL_PARAMS: Final = frozenset(
    {
        "show_alert",
        "drop_pending_updates",
        "disable_notification",
        "protect_content",
        "disable_web_page_preview",
        "allow_sending_without_reply",
    }
)
_JSON_PARAMS: Final = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)

_PATH_RE: Final = re.compile(r"/bot([^/]*)/([^/]*)")
_INT_RE: Final = re.compile(r"-?\d+")
_COMMAND_NAME_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE_RE: Final = re.compile(r"[a-z]{2}")
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_BOT_COMMAND_RE: Final = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])"
)
_INLINE_BUTTON_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class _Configured(enum.Enum):
    SECRET = "the secret token given to setWebhook"


USE_CONFIGURED_SECRET: Final = _Configured.SECRET
"""Default for ``post_to_webhook(secret=...)``: send the secret set with setWebhook, if any."""


# --------------------------------------------------------------------------------------------
# Text helpers and the formatting parsers (ported from tdlib's MessageEntity.cpp)
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit Telegram counts lengths and offsets in."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _u16(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


class EntityParseError(ValueError):
    """A formatted text could not be parsed; the message is worded like Telegram's."""


class _Text:
    """Random access to a string with tdlib's conventions: NUL past the end, byte offsets."""

    __slots__ = ("n", "s")

    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)

    def at(self, i: int) -> str:
        return self.s[i] if 0 <= i < self.n else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.s[:i].encode("utf-8", "surrogatepass"))


_SPACES: Final = frozenset(" \t\r\n\v\0")  # tdlib's is_space; NUL also stands for the end
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_DIGITS: Final = frozenset("0123456789")
_NAMED_HTML_ENTITIES: Final = {"lt": ord("<"), "gt": ord(">"), "amp": ord("&"), "quot": ord('"')}
_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_HTML_SIMPLE_ENTITIES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}


def _checked_url(url: str) -> str | None:
    """The URL as Telegram would store it in a text_link, or None where Telegram drops it."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    if url.lower().startswith(("tg:", "ton:")):
        return url
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if "." not in host and host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query, parts.fragment)
    )


def _sorted_entities(entities: Iterable[JSONDict]) -> list[JSONDict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _decode_html_entity(t: _Text, pos: int) -> tuple[int, int]:
    """The code point of the HTML entity at ``pos`` and the position after it, or (0, pos)."""
    if t.at(pos) != "&":
        return 0, pos
    end = pos + 1
    code = 0
    if t.at(pos + 1) == "#":
        end += 1
        if t.at(pos + 2) == "x":
            end += 1
            while t.at(end) in _HEX_DIGITS:
                code = code * 16 + int(t.at(end), 16)
                end += 1
        else:
            while t.at(end) in _DIGITS:
                code = code * 10 + int(t.at(end))
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while t.at(end).isascii() and t.at(end).isalpha():
            end += 1
        code = _NAMED_HTML_ENTITIES.get(t.s[pos + 1 : end], 0)
        if not code:
            return 0, pos
    if t.at(end) == ";":
        end += 1
    return code, end


def _append_code_point(out: list[str], code: int) -> int:
    if 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    out.append(chr(code))
    return 2 if code > 0xFFFF else 1


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the result
    begin: int  # index into the result list of characters


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML style into plain text and Bot API entities, as tdlib does.

    With ``strict_ampersand`` an ``&`` that does not start one of the HTML entities Telegram knows
    (``&lt; &gt; &amp; &quot;`` and numeric ones) is an error; Telegram itself keeps it literally.
    """
    t = _Text(text)
    out: list[str] = []
    entities: list[JSONDict] = []
    nested: list[_OpenTag] = []
    u16 = 0
    i = 0
    while i < t.n:
        c = t.s[i]
        if c == "&":
            code, end = _decode_html_entity(t, i)
            if code:
                u16 += _append_code_point(out, code)
                i = end
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f'Character "&" at byte offset {t.byte_offset(i)} must be escaped as "&amp;"'
                )
        if c != "<":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue

        begin = i
        i += 1
        if t.at(i) != "/":
            # A start tag.
            while t.at(i) not in _SPACES and t.at(i) != ">":
                i += 1
            if i >= t.n:
                raise EntityParseError(f"Unclosed start tag at byte offset {t.byte_offset(begin)}")
            tag = t.s[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {t.byte_offset(begin)}'
                )
            attributes: dict[str, str] = {}
            while t.at(i) != ">":
                while i < t.n and t.at(i) in _SPACES:
                    i += 1
                if t.at(i) == ">":
                    break
                name_begin = i
                while t.at(i) not in _SPACES and t.at(i) not in "=>":
                    i += 1
                name = t.s[name_begin:i]
                if not name:
                    raise EntityParseError(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{t.byte_offset(begin)}"
                    )
                while i < t.n and t.at(i) in _SPACES:
                    i += 1
                if t.at(i) != "=":
                    if tag == "blockquote" and name.lower() == "expandable":
                        attributes["expandable"] = ""
                        continue
                    raise EntityParseError(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {t.byte_offset(begin)}'
                    )
                i += 1
                while i < t.n and t.at(i) in _SPACES:
                    i += 1
                if i >= t.n:
                    raise EntityParseError(
                        f'Unclosed start tag "{tag}" at byte offset {t.byte_offset(begin)}'
                    )
                if t.at(i) not in "'\"":
                    # A name token: letters, digits, periods and hyphens; not case sensitive.
                    token_begin = i
                    while t.at(i).isascii() and (t.at(i).isalnum() or t.at(i) in ".-"):
                        i += 1
                    value = t.s[token_begin:i].lower()
                    if t.at(i) not in _SPACES and t.at(i) != ">":
                        raise EntityParseError(
                            f"Unexpected end of name token at byte offset "
                            f"{t.byte_offset(token_begin)}"
                        )
                else:
                    quote = t.at(i)
                    i += 1
                    chars: list[str] = []
                    while i < t.n and t.at(i) != quote:
                        if t.at(i) == "&":
                            code, end = _decode_html_entity(t, i)
                            if code:
                                _append_code_point(chars, code)
                                i = end
                                continue
                        chars.append(t.at(i))
                        i += 1
                    if t.at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if i >= t.n:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {t.byte_offset(begin)}"
                    )
                attributes[name] = value

            argument = ""
            if tag == "a":
                argument = attributes.get("href", "")
            elif tag == "code":
                language = attributes.get("class", "")
                if language.startswith("language-"):
                    argument = language[len("language-") :]
            elif tag == "span":
                if attributes.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        f'Tag "span" must have class "tg-spoiler" at byte offset '
                        f"{t.byte_offset(begin)}"
                    )
            elif tag == "tg-emoji":
                argument = attributes.get("emoji-id", "")
                if not argument.isdigit() or int(argument) == 0:
                    raise EntityParseError("Invalid custom emoji identifier specified")
            elif tag == "blockquote" and "expandable" in attributes:
                argument = "expandable"
            nested.append(_OpenTag(tag, argument, u16, len(out)))
            i += 1  # the closing '>'
            continue

        # An end tag.
        if not nested:
            raise EntityParseError(f"Unexpected end tag at byte offset {t.byte_offset(begin)}")
        while t.at(i) not in _SPACES and t.at(i) != ">":
            i += 1
        end_name = t.s[begin + 2 : i].lower()
        while i < t.n and t.at(i) in _SPACES:
            i += 1
        if t.at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {t.byte_offset(begin)}")
        opened = nested[-1]
        if end_name and end_name != opened.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {t.byte_offset(begin)}, expected "
                f'"</{opened.name}>", found "</{end_name}>"'
            )
        if u16 > opened.offset:
            _close_html_entity(opened, u16, out, entities)
        nested.pop()
        i += 1

    if nested:
        raise EntityParseError(f"Can't find end tag corresponding to start tag {nested[-1].name}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    return "".join(out), _sorted_entities(entities)


def _close_html_entity(
    opened: _OpenTag, u16: int, out: list[str], entities: list[JSONDict]
) -> None:
    offset, length = opened.offset, u16 - opened.offset
    entity: JSONDict = {"offset": offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if opened.name in _HTML_SIMPLE_ENTITIES:
        entity["type"] = _HTML_SIMPLE_ENTITIES[opened.name]
    elif opened.name == "blockquote":
        entity["type"] = "expandable_blockquote" if opened.argument else "blockquote"
    elif opened.name == "tg-emoji":
        entity["type"] = "custom_emoji"
        entity["custom_emoji_id"] = opened.argument
    elif opened.name == "a":
        url = _checked_url(opened.argument or "".join(out[opened.begin :]))
        if url is None:
            return
        entity["type"] = "text_link"
        entity["url"] = url
    elif opened.name == "pre":
        if last is not None and same_span and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
            return
        entity["type"] = "pre"
    elif opened.name == "code":
        if last is not None and same_span and last["type"] == "pre" and opened.argument:
            last["language"] = opened.argument
            return
        entity["type"] = "code"
        if opened.argument:
            entity["language"] = opened.argument
    else:  # pragma: no cover - _HTML_TAGS and this function list the same tags
        raise AssertionError(opened.name)
    entities.append(entity)


@dataclass
class _OpenMarkdown:
    kind: str
    argument: str
    offset: int  # UTF-16 offset in the result
    start: int  # index in the source text, for error messages
    begin: int  # index into the result list of characters


_MARKDOWN_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_url": "TextUrl",
    "custom_emoji": "CustomEmoji",
    "blockquote": "BlockQuote",
}
_MARKDOWN_V2_RESERVED: Final = "_*[]()~`>#+-=|{}.!\n"


def _reserved(c: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
    )


def _markdown_entity(kind: str, offset: int, length: int, argument: str) -> JSONDict:
    entity: JSONDict = {"offset": offset, "length": length}
    if kind == "pre_code":
        entity.update(type="pre", language=argument)
    elif kind == "text_url":
        entity.update(type="text_link", url=argument)
    elif kind == "custom_emoji":
        entity.update(type="custom_emoji", custom_emoji_id=argument)
    else:
        entity["type"] = kind
    return entity


def _skip_pre_language(t: _Text, i: int) -> tuple[int, str]:
    """After an opening ```: the position of the code and its language, skipping one newline."""
    language = ""
    language_end = i
    while t.at(language_end) not in _SPACES and t.at(language_end) != "`":
        language_end += 1
    if i != language_end and language_end < t.n and t.at(language_end) != "`":
        language = t.s[i:language_end]
        i = language_end
    if t.at(i) in "\n\r":
        if t.at(i + 1) in "\n\r" and t.at(i) != t.at(i + 1):
            i += 2
        else:
            i += 1
    return i, language


def _read_markdown_url(t: _Text, i: int) -> tuple[int, str]:
    """Read a URL that starts at ``i``, up to the unescaped ')'; returns the ')' position."""
    chars: list[str] = []
    while i < t.n and t.at(i) != ")":
        if t.at(i) == "\\" and "\x01" <= t.at(i + 1) <= "\x7e":
            chars.append(t.at(i + 1))
            i += 2
            continue
        chars.append(t.at(i))
        i += 1
    return i, "".join(chars)


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's MarkdownV2 style into plain text and Bot API entities, as tdlib does."""
    t = _Text(text)
    out: list[str] = []
    entities: list[JSONDict] = []
    nested: list[_OpenMarkdown] = []
    u16 = 0
    have_blockquote = False
    can_start_blockquote = True
    i = 0
    while i < t.n:
        c = t.s[i]
        if c == "\\" and "\x01" <= t.at(i + 1) <= "\x7e":
            i += 1
            out.append(t.s[i])
            u16 += 1
            if t.s[i] != "\r":
                can_start_blockquote = t.s[i] == "\n"
            i += 1
            continue

        reserved = _MARKDOWN_V2_RESERVED
        if nested and nested[-1].kind in ("code", "pre", "pre_code"):
            reserved = "`"
        if c not in reserved:
            out.append(c)
            u16 += _u16(c)
            if c != "\r":
                can_start_blockquote = False
            i += 1
            continue

        is_end = False
        if nested:
            kind = nested[-1].kind
            nxt, nxt2 = t.at(i + 1), t.at(i + 2)
            if have_blockquote and c == "\n" and (i + 1 == t.n or nxt != ">"):
                is_end = True
            elif kind == "bold":
                is_end = c == "*"
            elif kind == "italic":
                is_end = c == "_" and nxt != "_"
            elif kind == "code":
                is_end = c == "`"
            elif kind in ("pre", "pre_code"):
                is_end = c == "`" and nxt == "`" and nxt2 == "`"
            elif kind in ("text_url", "custom_emoji"):
                is_end = c == "]"
            elif kind == "underline":
                is_end = c == "_" and nxt == "_"
            elif kind == "strikethrough":
                is_end = c == "~"
            elif kind == "spoiler":
                is_end = c == "|" and nxt == "|"

        if not is_end:
            start = i
            argument = ""
            new_kind: str | None
            if c == "_":
                if t.at(i + 1) == "_":
                    new_kind = "underline"
                    i += 1
                else:
                    new_kind = "italic"
            elif c == "*":
                new_kind = "bold"
            elif c == "~":
                new_kind = "strikethrough"
            elif c == "|":
                if t.at(i + 1) != "|":
                    raise _reserved(c)
                i += 1
                new_kind = "spoiler"
            elif c == "[":
                new_kind = "text_url"
            elif c == "`":
                if t.at(i + 1) == "`" and t.at(i + 2) == "`":
                    i, argument = _skip_pre_language(t, i + 3)
                    new_kind = "pre_code" if argument else "pre"
                    i -= 1
                else:
                    new_kind = "code"
            elif c == "!":
                if t.at(i + 1) != "[":
                    raise _reserved(c)
                i += 1
                new_kind = "custom_emoji"
            elif c == "\n":
                out.append("\n")
                u16 += 1
                can_start_blockquote = True
                new_kind = None
            elif c == ">":
                if not can_start_blockquote:
                    raise _reserved(c)
                if have_blockquote:
                    new_kind = None
                else:
                    new_kind = "blockquote"
                    have_blockquote = True
            else:
                raise _reserved(c)
            if new_kind is not None:
                nested.append(_OpenMarkdown(new_kind, argument, u16, start, len(out)))
            i += 1
            continue

        # The end of an entity.
        opened = nested[-1]
        kind = opened.kind
        if c == "\n" and kind != "blockquote":
            closes_expandable = kind == "spoiler" and (
                opened.start == i - 2 or (opened.start == i - 3 and out and out[-1] == "\r")
            )
            if not closes_expandable:
                raise EntityParseError(
                    f"Can't find end of {_MARKDOWN_NAMES[kind]} entity at byte offset "
                    f"{t.byte_offset(opened.start)}"
                )
            nested.pop()
            opened = nested[-1]
            if opened.kind != "blockquote":
                raise EntityParseError(
                    f"Can't find end of {_MARKDOWN_NAMES[opened.kind]} entity at byte offset "
                    f"{t.byte_offset(opened.start)}"
                )
            kind = "expandable_blockquote"
        argument = opened.argument
        skip = u16 == opened.offset
        if kind in ("underline", "spoiler"):
            i += 1
        elif kind in ("pre", "pre_code"):
            i += 2
        elif kind == "text_url":
            if t.at(i + 1) != "(":
                url = "".join(out[opened.begin :])
            else:
                url_begin = i + 2
                i, url = _read_markdown_url(t, url_begin)
                if t.at(i) != ")":
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {t.byte_offset(url_begin)}"
                    )
            checked = _checked_url(url)
            if checked is None:
                skip = True
            else:
                argument = checked
        elif kind == "custom_emoji":
            if t.at(i + 1) != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url_begin = i + 2
            i, url = _read_markdown_url(t, url_begin)
            if t.at(i) != ")":
                raise EntityParseError(
                    "Can't find end of a custom emoji URL at byte offset "
                    f"{t.byte_offset(url_begin)}"
                )
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
            if match is None or int(match.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            argument = match.group(1)
        elif kind in ("blockquote", "expandable_blockquote"):
            have_blockquote = False
            out.append(c)
            u16 += 1
            can_start_blockquote = True
            skip = False
        if not skip:
            entities.append(_markdown_entity(kind, opened.offset, u16 - opened.offset, argument))
        nested.pop()
        i += 1

    if have_blockquote:
        kind = "blockquote"
        if nested[-1].kind == "spoiler" and nested[-1].start == t.n - 2:
            nested.pop()
            kind = "expandable_blockquote"
        if nested[-1].kind == "blockquote":
            opened = nested.pop()
            if u16 != opened.offset:
                entities.append(_markdown_entity(kind, opened.offset, u16 - opened.offset, ""))
    if nested:
        raise EntityParseError(
            f"Can't find end of {_MARKDOWN_NAMES[nested[-1].kind]} entity at byte offset "
            f"{t.byte_offset(nested[-1].start)}"
        )
    return "".join(out), _sorted_entities(entities)


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's legacy Markdown style into plain text and Bot API entities."""
    t = _Text(text)
    out: list[str] = []
    entities: list[JSONDict] = []
    u16 = 0
    i = 0
    while i < t.n:
        c = t.s[i]
        if c == "\\" and t.at(i + 1) in "_*`[" and i + 1 < t.n:
            out.append(t.s[i + 1])
            u16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            u16 += _u16(c)
            i += 1
            continue
        start = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        if c == "`" and t.at(i + 1) == "`" and t.at(i + 2) == "`":
            i, language = _skip_pre_language(t, i + 3)
            is_pre = True
        else:
            i += 1
        offset, begin = u16, len(out)
        while i < t.n and (
            t.s[i] != end_char or (is_pre and not (t.at(i + 1) == "`" and t.at(i + 2) == "`"))
        ):
            out.append(t.s[i])
            u16 += _u16(t.s[i])
            i += 1
        if i == t.n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {t.byte_offset(start)}"
            )
        if offset != u16:
            length = u16 - offset
            if c == "_":
                entities.append({"type": "italic", "offset": offset, "length": length})
            elif c == "*":
                entities.append({"type": "bold", "offset": offset, "length": length})
            elif c == "[":
                if t.at(i + 1) != "(":
                    url = "".join(out[begin:])
                else:
                    i += 2
                    url_chars: list[str] = []
                    while i < t.n and t.s[i] != ")":
                        url_chars.append(t.s[i])
                        i += 1
                    url = "".join(url_chars)
                checked = _checked_url(url)
                if checked is not None:
                    entities.append(
                        {"type": "text_link", "offset": offset, "length": length, "url": checked}
                    )
            elif is_pre:
                entity: JSONDict = {"type": "pre", "offset": offset, "length": length}
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "code", "offset": offset, "length": length})
        if is_pre:
            i += 2
        i += 1
    return "".join(out), _sorted_entities(entities)


_TRIMMED: Final = " \t\n\r\v\f"


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip leading and trailing whitespace as Telegram does, keeping entities in place."""
    left_stripped = text.lstrip(_TRIMMED)
    result = left_stripped.rstrip(_TRIMMED)
    shift = utf16_len(text[: len(text) - len(left_stripped)])
    total = utf16_len(result)
    kept: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept


def _detect_commands(text: str) -> list[JSONDict]:
    """The bot_command entities Telegram finds in a text a user sends."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in _BOT_COMMAND_RE.finditer(text)
    ]


# --------------------------------------------------------------------------------------------
# Errors, parameters and reply markup
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """A Bot API error answer: HTTP status, description and, for 429, retry_after."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


def _too_many(retry_after: int) -> _ApiError:
    return _ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass
class _Described:
    """A successful result that Telegram answers with a description, e.g. "Webhook was set"."""

    result: Any
    description: str


def _normalize_params(raw: Mapping[str, Any]) -> JSONDict:
    """Decode form values to their JSON types where Telegram expects numbers, flags or objects."""
    params: JSONDict = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif key in _INT_PARAMS and _INT_RE.fullmatch(value.strip()):
                value = int(value)
            elif key in _BOOL_PARAMS and value.lower() in ("true", "false", "1", "0"):
                value = value.lower() in ("true", "1")
        params[key] = value
    return params


async def _read_params(request: web.Request) -> JSONDict:
    raw: dict[str, Any] = dict(request.query)
    if request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = json.loads(await request.read())
            except ValueError as exc:
                raise _bad("can't parse JSON object") from exc
            if not isinstance(body, dict):
                raise _bad("can't parse JSON object")
            raw.update(body)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, str):
                    raw[key] = value
                elif isinstance(value, bytes | bytearray):
                    raw[key] = bytes(value).decode("utf-8", "replace")
                else:
                    raw[key] = f"<file {value.filename}>"
    return _normalize_params(raw)


def _opt_int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _bad(f"invalid {name} specified")


def _opt_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _bad(f'field "{name}" must be of type String')


def _opt_bool(params: JSONDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    if isinstance(value, int):
        return value != 0
    return False


def _chat_id(params: JSONDict) -> int:
    value = params.get("chat_id")
    if value is None or value == "":
        raise _bad("chat_id is empty")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad("chat not found")  # e.g. "@channelusername": there are no channels here
    return value


def _validate_inline_button(button: Any) -> JSONDict:
    if not isinstance(button, dict):
        raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str):
        raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
    clean = {key: value for key, value in button.items() if value is not None}
    # An empty callback_data counts as none, as it does at Telegram.
    if not text.strip() or not any(clean.get(k) not in (None, "") for k in _INLINE_BUTTON_ACTIONS):
        raise _bad(TEXT_BUTTONS_UNALLOWED)
    data = clean.get("callback_data")
    if data not in (None, ""):
        if not isinstance(data, str):
            raise _bad(
                'can\'t parse inline keyboard button: Field "callback_data" must be of type String'
            )
        if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
            raise _bad("BUTTON_DATA_INVALID")
    url = clean.get("url")
    if url not in (None, "") and (not isinstance(url, str) or _checked_url(url) is None):
        raise _bad("BUTTON_URL_INVALID")
    return clean


def _validate_reply_markup(value: Any, *, inline_only: bool = False) -> JSONDict | None:
    """Check a reply_markup like Telegram; an inline keyboard without buttons becomes None."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        clean_rows = [[_validate_inline_button(b) for b in row] for row in rows if row]
        return {"inline_keyboard": clean_rows} if clean_rows else None
    if inline_only:
        raise _bad("inline keyboard expected")
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text.strip():
                    raise _bad("keyboard button text must be non-empty")
        return {key: val for key, val in value.items() if val is not None}
    if "remove_keyboard" in value or "force_reply" in value:
        return {key: val for key, val in value.items() if val is not None}
    raise _bad("can't parse reply keyboard markup JSON object")


def _inline_markup(markup: JSONDict | None) -> JSONDict | None:
    return markup if markup is not None and markup.get("inline_keyboard") else None


def _callback_datas(markup: JSONDict | None) -> list[str]:
    inline = _inline_markup(markup)
    if inline is None:
        return []
    return [
        button["callback_data"]
        for row in inline["inline_keyboard"]
        for button in row
        if button.get("callback_data")
    ]


def _webhook_url_problem(url: str) -> str | None:
    """Why the fake will not deliver to ``url``, or None: only loopback addresses are allowed."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "invalid webhook URL specified"
    if parts.scheme not in ("http", "https") or not host:
        return "invalid webhook URL specified"
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return "the fake Bot API only delivers webhooks to 127.0.0.1 or localhost"


# --------------------------------------------------------------------------------------------
# Server state
# --------------------------------------------------------------------------------------------


@dataclass
class _Person:
    """A user and their private chat with the bot (chat id == user id)."""

    id: int
    first_name: str
    language_code: str | None
    username: str | None = None
    last_name: str | None = None

    def user(self) -> JSONDict:
        user: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class _Message:
    chat_id: int
    message_id: int
    date: int
    from_bot: bool
    content: JSONDict  # text and entities, or a media field, as the Bot API shows them
    raw_text: str | None = None  # bot messages: the text as the bot sent it
    parse_mode: str | None = None
    reply_markup: JSONDict | None = None
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    edits: list[JSONDict] = field(default_factory=list)


@dataclass
class _Pending:
    update: JSONDict
    created: float


@dataclass
class _CallbackQuery:
    id: str
    chat_id: int
    created: float
    delivered: float | None = None
    answered: bool = False


@dataclass
class _Webhook:
    url: str
    secret: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class _Bucket:
    tokens: float
    updated: float
    penalty_until: float = 0.0


@dataclass
class _Scheduled:
    """An injected failure or delay for the next ``remaining`` calls of a method."""

    remaining: int
    status: int = 0
    description: str = ""
    retry_after: int | None = None
    seconds: float = 0.0


Handler = Callable[[JSONDict], Any]


class FakeBotAPI:
    """A Telegram Bot API server on 127.0.0.1 with controls that play the user.

    Start it with :meth:`start` (or ``with FakeBotAPI() as server:``), point the bot at
    :attr:`base_url` with :attr:`token`, then drive it with the ``user_*`` methods and inspect
    :meth:`sent`, :attr:`requests`, :attr:`callback_answers` and :attr:`webhook_deliveries`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        port: int = 0,
        flood_control: bool = True,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        global_rate: int = 30,
        callback_query_timeout: float = 15.0,
        webhook_timeout: float = 10.0,
        strict_html_ampersand: bool = True,
        first_update_id: int = 100_000_001,
    ) -> None:
        """Configure the server; nothing listens until :meth:`start`.

        ``chat_rate`` and ``chat_burst`` make a token bucket per chat (messages per second and how
        many may come at once), ``global_rate`` caps messages per rolling second over all chats;
        ``flood_control=False`` turns both off. ``callback_query_timeout`` is how long after its
        delivery a callback query can still be answered.
        """
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"not a bot token: {token!r}")
        if chat_rate <= 0 or chat_burst < 1 or global_rate < 1:
            raise ValueError("flood control limits must be positive")
        self._token = token
        self._bot_id = int(bot_id)
        self._port = port
        self._flood_control = flood_control
        self._chat_rate = chat_rate
        self._chat_burst = chat_burst
        self._global_rate = global_rate
        self._callback_query_timeout = callback_query_timeout
        self._webhook_timeout = webhook_timeout
        self._strict_html_ampersand = strict_html_ampersand

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)

        # Telegram-side state.
        self._people: dict[int, _Person] = {}
        self._blocked: set[int] = set()
        self._messages: dict[int, dict[int, _Message]] = {}
        self._last_message_id: dict[int, int] = {}
        self._sent_messages: list[_Message] = []
        self._next_update_id = first_update_id
        self._all_updates: list[JSONDict] = []
        self._queue: list[_Pending] = []
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED_UPDATES
        self._queries: dict[str, _CallbackQuery] = {}
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._webhook: _Webhook | None = None
        self._push_pending = 0
        self._buckets: dict[int, _Bucket] = {}
        self._recent_sends: deque[float] = deque()
        self._global_penalty_until = 0.0
        self._poll_generation = 0
        self._poll_terminated_by = TERMINATED_BY_GET_UPDATES

        # Test controls and records.
        self._failures: dict[str, list[_Scheduled]] = {}
        self._delays: dict[str, list[_Scheduled]] = {}
        self._requests: list[tuple[str, JSONDict, int]] = []
        self._callback_answers: list[str] = []
        self._deliveries: list[tuple[int, int]] = []
        self._rate_limited = 0
        self._server_errors: list[str] = []

        # The server thread and its event loop.
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._start_error: BaseException | None = None
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._push_queue: asyncio.Queue[JSONDict] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._pollers: set[asyncio.Future[None]] = set()

        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in (
                ("getMe", self._get_me),
                ("getUpdates", self._get_updates),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("deleteMessage", self._delete_message),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendChatAction", self._send_chat_action),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("close", self._close),
                ("logOut", self._log_out),
            )
        }

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Listen on 127.0.0.1 (a free port the first time, the same port after a restart)."""
        if self._thread is not None:
            raise RuntimeError("FakeBotAPI is already running")
        ready = threading.Event()
        self._start_error = None
        self._closing = False
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="FakeBotAPI", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("FakeBotAPI did not start within 10 seconds")
        if self._start_error is not None:
            self._thread.join(5)
            self._thread = None
            raise RuntimeError("FakeBotAPI could not start") from self._start_error

    def stop(self) -> None:
        """Stop listening; pending long polls return, delayed answers are cut short."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(15)
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._thread = None
        self._loop = None

    def __enter__(self) -> FakeBotAPI:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def token(self) -> str:
        """The only token the server accepts, e.g. ``123456:TEST-TOKEN``."""
        return self._token

    @property
    def port(self) -> int:
        """The port the server listens on (0 before the first start)."""
        return self._port

    @property
    def url(self) -> str:
        """The server's root URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """What to give PTB's ``base_url``: the token and method are appended to it."""
        return f"{self.url}/bot"

    @property
    def bot_user(self) -> JSONDict:
        """The bot's own User object, as it appears in ``from`` of its messages."""
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            try:
                loop.run_until_complete(self._startup())
            except BaseException as exc:  # handed to start(), which raises it
                self._start_error = exc
                ready.set()
                return
            ready.set()
            loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self) -> None:
        self._stopping = asyncio.Event()
        self._push_queue = asyncio.Queue()
        self._pollers = set()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        self._runner = runner
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self._port))
            self._port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._session = aiohttp.ClientSession(trust_env=False)
        self._worker = asyncio.create_task(self._webhook_worker())

    async def _shutdown(self) -> None:
        with self._lock:
            self._closing = True
        if self._stopping is not None:
            self._stopping.set()
        self._wake_pollers()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _call_in_loop(self, callback: Callable[..., Any], *args: Any) -> bool:
        loop = self._loop
        if loop is None or not loop.is_running():
            return False
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop closed in between
            return False
        return True

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None or not loop.is_running():
            raise RuntimeError("FakeBotAPI is not running")
        return loop

    # ---------------------------------------------------------------- HTTP entry point

    async def _handle(self, request: web.Request) -> web.Response:
        match = _PATH_RE.fullmatch(request.path)
        if match is None:
            body = {"ok": False, "error_code": 404, "description": "Not Found"}
            return web.json_response(body, status=404, dumps=_dumps)
        token, raw_method = match.group(1), match.group(2)
        param_error: _ApiError | None = None
        try:
            params = await _read_params(request)
        except _ApiError as exc:
            params, param_error = dict(request.query), exc
        entry = self._handlers.get(raw_method.lower())
        method = entry[0] if entry is not None else raw_method
        try:
            if token != self._token:
                raise _ApiError(401, "Unauthorized")
            if entry is None:
                raise _ApiError(404, "Not Found: method not found")
            if param_error is not None:
                raise param_error
            await self._apply_delay(method)
            self._apply_failure(method)
            result = entry[1](params)
            if inspect.isawaitable(result):
                result = await result
            if isinstance(result, _Described):
                body = {"ok": True, "result": result.result, "description": result.description}
            else:
                body = {"ok": True, "result": result}
            status = 200
        except _ApiError as exc:
            status, body = exc.status, exc.body()
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test to see
            status = 500
            body = {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc}"}
            with self._lock:
                self._server_errors.append(f"{method}: {exc!r}")
        with self._lock:
            self._requests.append((method, params, status))
            if status == 429:
                self._rate_limited += 1
            self._changed.notify_all()
        return web.json_response(body, status=status, dumps=_dumps)

    async def _apply_delay(self, method: str) -> None:
        with self._lock:
            scheduled = _pop_scheduled(self._delays, method)
        if scheduled is not None and self._stopping is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), scheduled.seconds)

    def _apply_failure(self, method: str) -> None:
        with self._lock:
            scheduled = _pop_scheduled(self._failures, method)
        if scheduled is not None:
            raise _ApiError(
                scheduled.status, scheduled.description, retry_after=scheduled.retry_after
            )

    # ---------------------------------------------------------------- helpers for handlers

    def _require_person(self, chat_id: int) -> _Person:
        person = self._people.get(chat_id)
        if person is None:
            raise _bad("chat not found")
        return person

    def _check_blocked(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")

    def _check_flood(self, chat_id: int) -> None:
        if not self._flood_control:
            return
        now = time.monotonic()
        if now < self._global_penalty_until:
            raise _too_many(max(1, math.ceil(self._global_penalty_until - now)))
        while self._recent_sends and self._recent_sends[0] <= now - 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self._global_rate:
            retry = max(1, math.ceil(self._recent_sends[0] + 1.0 - now))
            self._global_penalty_until = now + retry
            raise _too_many(retry)
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(tokens=self._chat_burst, updated=now)
        if now < bucket.penalty_until:
            raise _too_many(max(1, math.ceil(bucket.penalty_until - now)))
        bucket.tokens = min(
            self._chat_burst, bucket.tokens + (now - bucket.updated) * self._chat_rate
        )
        bucket.updated = now
        if bucket.tokens < 1.0:
            retry = max(1, math.ceil((1.0 - bucket.tokens) / self._chat_rate))
            bucket.penalty_until = now + retry
            raise _too_many(retry)
        bucket.tokens -= 1.0
        self._recent_sends.append(now)

    def _render(self, text: str, params: JSONDict) -> JSONDict:
        """The Bot API ``text`` and ``entities`` for a text sent with these parameters."""
        parse_mode = (_opt_str(params, "parse_mode") or "").strip().lower()
        try:
            if parse_mode == "html":
                plain, entities = parse_html(text, strict_ampersand=self._strict_html_ampersand)
            elif parse_mode == "markdownv2":
                plain, entities = parse_markdown_v2(text)
            elif parse_mode == "markdown":
                plain, entities = parse_markdown(text)
            elif parse_mode == "":
                plain, entities = text, _explicit_entities(params.get("entities"))
            else:
                raise _bad("unsupported parse_mode")
        except EntityParseError as exc:
            raise _bad(f"can't parse entities: {exc}") from exc
        plain, entities = _trim(plain, entities)
        if not plain:
            raise _bad("message text is empty")
        if utf16_len(plain) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        content: JSONDict = {"text": plain}
        if entities:
            content["entities"] = entities
        return content

    def _reply_target(self, chat_id: int, params: JSONDict) -> int | None:
        reply = params.get("reply_parameters")
        allow_missing = _opt_bool(params, "allow_sending_without_reply")
        if isinstance(reply, dict):
            target = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
            if reply.get("chat_id") not in (None, chat_id):
                raise _bad("the fake Bot API does not support replies to other chats")
        elif reply is not None:
            raise _bad("can't parse reply parameters JSON object")
        else:
            target = _opt_int(params, "reply_to_message_id")
        if target is None:
            return None
        message = self._messages.get(chat_id, {}).get(target) if isinstance(target, int) else None
        if message is None or message.deleted:
            if allow_missing:
                return None
            raise _bad("message to be replied not found")
        return message.message_id

    def _new_message(self, chat_id: int, *, from_bot: bool, content: JSONDict) -> _Message:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message = _Message(
            chat_id=chat_id,
            message_id=message_id,
            date=int(time.time()),
            from_bot=from_bot,
            content=content,
        )
        self._messages.setdefault(chat_id, {})[message_id] = message
        return message

    def _api_message(self, message: _Message, *, with_reply: bool = True) -> JSONDict:
        person = self._people[message.chat_id]
        result: JSONDict = {
            "message_id": message.message_id,
            "from": self.bot_user if message.from_bot else person.user(),
            "chat": person.chat(),
            "date": message.date,
        }
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        if with_reply and message.reply_to is not None:
            replied = self._messages[message.chat_id].get(message.reply_to)
            if replied is not None and not replied.deleted:
                result["reply_to_message"] = self._api_message(replied, with_reply=False)
        result.update(copy.deepcopy(message.content))
        inline = _inline_markup(message.reply_markup)
        if inline is not None:
            result["reply_markup"] = copy.deepcopy(inline)
        return result

    def _bot_message(self, params: JSONDict, *, missing: str) -> _Message:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")  # inline messages are not modelled
        chat_id = _chat_id(params)
        self._require_person(chat_id)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        message = self._messages.get(chat_id, {}).get(message_id)
        if message is None or message.deleted:
            raise _bad(missing)
        return message

    def _record_edit(self, message: _Message, method: str) -> None:
        message.edit_date = int(time.time())
        message.edits.append(
            {
                "method": method,
                "date": message.edit_date,
                "text": message.raw_text,
                "parse_mode": message.parse_mode,
                "plain_text": message.content.get("text"),
                "entities": copy.deepcopy(message.content.get("entities", [])),
                "reply_markup": copy.deepcopy(message.reply_markup),
            }
        )
        self._changed.notify_all()

    # ---------------------------------------------------------------- Bot API methods

    def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset = _opt_int(params, "offset")
        limit = min(max(_opt_int(params, "limit") or 100, 1), 100)
        timeout = max(_opt_int(params, "timeout") or 0, 0)
        with self._lock:
            if self._webhook is not None:
                raise _ApiError(409, WEBHOOK_ACTIVE)
            self._apply_allowed_updates(params.get("allowed_updates"))
            if offset is not None:
                self._confirm_updates(offset)
            self._terminate_pollers(TERMINATED_BY_GET_UPDATES)
            generation = self._poll_generation
            updates = self._take_updates(limit)
        if updates or timeout == 0:
            return updates
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            waiter: asyncio.Future[None] = loop.create_future()
            self._pollers.add(waiter)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter, remaining)
            finally:
                self._pollers.discard(waiter)
            with self._lock:
                if self._closing:
                    return []
                if generation != self._poll_generation:
                    raise _ApiError(409, self._poll_terminated_by)
                updates = self._take_updates(limit)
            if updates:
                return updates

    def _apply_allowed_updates(self, value: Any) -> list[str] | None:
        if value is None or value == "":
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _bad("can't parse allowed_updates JSON array")
        self._allowed_updates = frozenset(value) if value else _DEFAULT_ALLOWED_UPDATES
        return list(value)

    def _confirm_updates(self, offset: int) -> None:
        if offset < 0:
            self._queue = self._queue[offset:]
        else:
            self._queue = [p for p in self._queue if p.update["update_id"] >= offset]

    def _take_updates(self, limit: int) -> list[JSONDict]:
        batch = [pending.update for pending in self._queue[:limit]]
        for update in batch:
            self._mark_delivered(update)
        return copy.deepcopy(batch)

    def _mark_delivered(self, update: JSONDict) -> None:
        query = update.get("callback_query")
        if query is not None:
            tracked = self._queries.get(query["id"])
            if tracked is not None and tracked.delivered is None:
                tracked.delivered = time.monotonic()

    def _terminate_pollers(self, reason: str) -> None:
        self._poll_generation += 1
        self._poll_terminated_by = reason
        self._call_in_loop(self._wake_pollers)

    def _wake_pollers(self) -> None:
        for waiter in list(self._pollers):
            if not waiter.done():
                waiter.set_result(None)

    def _send_message(self, params: JSONDict) -> JSONDict:
        with self._lock:
            chat_id = _chat_id(params)
            self._require_person(chat_id)
            text = _opt_str(params, "text")
            if not text:
                raise _bad("message text is empty")
            content = self._render(text, params)
            markup = _validate_reply_markup(params.get("reply_markup"))
            reply_to = self._reply_target(chat_id, params)
            self._check_flood(chat_id)
            self._check_blocked(chat_id)
            message = self._new_message(chat_id, from_bot=True, content=content)
            message.raw_text = text
            message.parse_mode = _opt_str(params, "parse_mode")
            message.reply_markup = markup
            message.reply_to = reply_to
            self._sent_messages.append(message)
            self._changed.notify_all()
            return self._api_message(message)

    def _edit_message_text(self, params: JSONDict) -> JSONDict:
        with self._lock:
            message = self._bot_message(params, missing="message to edit not found")
            if not message.from_bot:
                raise _bad("message can't be edited")
            text = _opt_str(params, "text")
            if not text:
                raise _bad("message text is empty")
            content = self._render(text, params)
            markup = _validate_reply_markup(params.get("reply_markup"), inline_only=True)
            if content == message.content and markup == _inline_markup(message.reply_markup):
                raise _bad(NOT_MODIFIED)
            self._check_flood(message.chat_id)
            self._check_blocked(message.chat_id)
            message.content = content
            message.raw_text = text
            message.parse_mode = _opt_str(params, "parse_mode")
            message.reply_markup = markup  # no reply_markup removes the inline keyboard
            self._record_edit(message, "editMessageText")
            return self._api_message(message)

    def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        with self._lock:
            message = self._bot_message(params, missing="message to edit not found")
            if not message.from_bot:
                raise _bad("message can't be edited")
            markup = _validate_reply_markup(params.get("reply_markup"), inline_only=True)
            if markup == _inline_markup(message.reply_markup):
                raise _bad(NOT_MODIFIED)
            self._check_flood(message.chat_id)
            self._check_blocked(message.chat_id)
            message.reply_markup = markup
            self._record_edit(message, "editMessageReplyMarkup")
            return self._api_message(message)

    def _delete_message(self, params: JSONDict) -> bool:
        with self._lock:
            message = self._bot_message(params, missing="message to delete not found")
            self._check_blocked(message.chat_id)
            message.deleted = True
            self._changed.notify_all()
            return True

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = _opt_str(params, "callback_query_id") or ""
        text = _opt_str(params, "text") or ""
        with self._lock:
            query = self._queries.get(query_id)
            now = time.monotonic()
            if (
                query is None
                or query.answered
                or now - (query.delivered or query.created) > self._callback_query_timeout
            ):
                raise _bad(QUERY_TOO_OLD)
            if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
                raise _bad("MESSAGE_TOO_LONG")
            query.answered = True
            self._callback_answers.append(query_id)
            self._changed.notify_all()
            return True

    def _send_chat_action(self, params: JSONDict) -> bool:
        with self._lock:
            chat_id = _chat_id(params)
            self._require_person(chat_id)
            if _opt_str(params, "action") not in _CHAT_ACTIONS:
                raise _bad("wrong parameter action in request")
            self._check_blocked(chat_id)
            return True

    def _commands_key(self, params: JSONDict, *, check_chat: bool = True) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is None or scope == "":
            scope = {"type": "default"}
        if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
            raise _bad("can't parse BotCommandScope JSON object")
        key: JSONDict = {"type": scope["type"]}
        if scope["type"] in ("chat", "chat_administrators", "chat_member"):
            chat_id = _chat_id(scope)
            if check_chat:
                self._require_person(chat_id)
            key["chat_id"] = chat_id
        if scope["type"] == "chat_member":
            user_id = _opt_int(scope, "user_id")
            if user_id is None:
                raise _bad("user not found")
            key["user_id"] = user_id
        language = _opt_str(params, "language_code") or ""
        if language and not _LANGUAGE_CODE_RE.fullmatch(language):
            raise _bad("invalid language code specified")
        return json.dumps(key, sort_keys=True), language

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON array")
        if len(commands) > MAX_COMMANDS:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("BOT_COMMAND_INVALID")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_INVALID")
            clean.append({"command": name, "description": description})
        with self._lock:
            key = self._commands_key(params)
            if clean:
                self._commands[key] = clean
            else:
                self._commands.pop(key, None)
            self._changed.notify_all()
        return True

    def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(params), []))

    def _delete_my_commands(self, params: JSONDict) -> bool:
        with self._lock:
            self._commands.pop(self._commands_key(params), None)
            self._changed.notify_all()
            return True

    def _set_webhook(self, params: JSONDict) -> _Described:
        url = _opt_str(params, "url") or ""
        with self._lock:
            if not url:
                return self._remove_webhook(drop=_opt_bool(params, "drop_pending_updates"))
            problem = _webhook_url_problem(url)
            if problem is not None:
                raise _bad(f"bad webhook: {problem}")
            secret = _opt_str(params, "secret_token") or None
            if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
                raise _bad("secret token contains unallowed characters")
            max_connections = min(max(_opt_int(params, "max_connections") or 40, 1), 100)
            allowed = self._apply_allowed_updates(params.get("allowed_updates"))
            if _opt_bool(params, "drop_pending_updates"):
                self._queue.clear()
            already = self._webhook is not None and self._webhook.url == url
            self._webhook = _Webhook(
                url=url,
                secret=secret,
                max_connections=max_connections,
                allowed_updates=allowed,
                ip_address=_opt_str(params, "ip_address"),
            )
            self._terminate_pollers(TERMINATED_BY_SET_WEBHOOK)
            pending, self._queue = self._queue, []
            for item in pending:
                self._push(item.update)
            self._changed.notify_all()
            return _Described(True, "Webhook is already set" if already else "Webhook was set")

    def _delete_webhook(self, params: JSONDict) -> _Described:
        with self._lock:
            return self._remove_webhook(drop=_opt_bool(params, "drop_pending_updates"))

    def _remove_webhook(self, *, drop: bool) -> _Described:
        if drop:
            self._queue.clear()
        existed = self._webhook is not None
        self._webhook = None
        self._changed.notify_all()
        return _Described(True, "Webhook was deleted" if existed else "Webhook is already deleted")

    def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        with self._lock:
            hook = self._webhook
            if hook is None:
                return {
                    "url": "",
                    "has_custom_certificate": False,
                    "pending_update_count": len(self._queue),
                }
            info: JSONDict = {
                "url": hook.url,
                "has_custom_certificate": False,
                "pending_update_count": self._push_pending,
                "max_connections": hook.max_connections,
            }
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.allowed_updates is not None:
                info["allowed_updates"] = list(hook.allowed_updates)
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
            return info

    def _close(self, params: JSONDict) -> bool:
        return True

    def _log_out(self, params: JSONDict) -> bool:
        return True

    # ---------------------------------------------------------------- updates and webhooks

    def _emit(self, kind: str, payload: JSONDict) -> JSONDict:
        """Create an update and queue it for getUpdates or push it to the webhook."""
        with self._lock:
            update = {"update_id": self._next_update_id, kind: payload}
            self._next_update_id += 1
            self._all_updates.append(update)
            if kind in self._allowed_updates:
                if self._webhook is not None:
                    self._push(update)
                else:
                    self._queue.append(_Pending(update, time.monotonic()))
                    self._call_in_loop(self._wake_pollers)
            self._changed.notify_all()
            return copy.deepcopy(update)

    def _push(self, update: JSONDict) -> None:
        queue = self._push_queue
        if queue is not None and self._call_in_loop(queue.put_nowait, update):
            self._push_pending += 1
        else:  # not running: keep it until someone fetches or a webhook is delivered to
            self._queue.append(_Pending(update, time.monotonic()))

    async def _webhook_worker(self) -> None:
        queue = self._push_queue
        assert queue is not None
        while True:
            update = await queue.get()
            with self._lock:
                hook = self._webhook
                if hook is None:  # deleted meanwhile: the update waits for getUpdates
                    self._push_pending -= 1
                    self._queue.append(_Pending(update, time.monotonic()))
                    self._wake_pollers()
                    continue
                url, secret = hook.url, hook.secret
                self._mark_delivered(update)
            status, error = await self._post_update(url, update, secret, self._webhook_timeout)
            with self._lock:
                self._push_pending -= 1
                self._deliveries.append((update["update_id"], status))
                if error is not None and self._webhook is not None:
                    self._webhook.last_error_date = int(time.time())
                    self._webhook.last_error_message = error
                self._changed.notify_all()

    async def _post_update(
        self, url: str, payload: JSONDict | str | bytes, secret: str | None, timeout: float
    ) -> tuple[int, str | None]:
        """POST an update to the webhook; the HTTP status (0: no answer) and the error, if any."""
        problem = _webhook_url_problem(url)
        if problem is not None:
            return 0, problem
        if isinstance(payload, bytes):
            body = payload
        elif isinstance(payload, str):
            body = payload.encode("utf-8")
        else:
            body = _dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        session = self._session
        if session is None:
            return 0, "the fake Bot API is not running"
        try:
            async with session.post(
                url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
            ) as response:
                await response.read()
                status = response.status
        except TimeoutError:
            return 0, "Read timeout expired"
        except (aiohttp.ClientError, OSError) as exc:
            return 0, f"Connection failed: {exc}"
        if 200 <= status < 300:
            return status, None
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        return status, f"Wrong response from the webhook: {status} {phrase}"

    async def _manual_post(
        self,
        update: JSONDict | str | bytes,
        secret: str | Literal[_Configured.SECRET] | None,
        timeout: float,
    ) -> int:
        with self._lock:
            hook = self._webhook
            if hook is None:
                raise RuntimeError("no webhook is set: the bot has not called setWebhook")
            url = hook.url
            chosen = hook.secret if secret is USE_CONFIGURED_SECRET else secret
        status, _ = await self._post_update(url, update, chosen, timeout)
        return status

    # ---------------------------------------------------------------- test controls: the user

    def register_user(
        self,
        chat_id: int,
        *,
        first_name: str = "Test",
        language_code: str | None = "nl",
        username: str | None = None,
        last_name: str | None = None,
    ) -> JSONDict:
        """Make a user (and their private chat) known without sending anything."""
        with self._lock:
            person = self._people.get(chat_id)
            if person is None:
                person = self._people[chat_id] = _Person(chat_id, first_name, language_code)
            person.first_name, person.language_code = first_name, language_code
            person.username, person.last_name = username, last_name
            return person.user()

    def _user_acts(self, chat_id: int, first_name: str, language_code: str | None) -> _Person:
        person = self._people.get(chat_id)
        if person is None:
            person = self._people[chat_id] = _Person(chat_id, first_name, language_code)
        person.first_name, person.language_code = first_name, language_code
        if chat_id in self._blocked:  # writing to a bot one blocked unblocks it, as in Telegram
            self._blocked.discard(chat_id)
            self._emit_member_change(person, "kicked", "member")
        return person

    def user_sends_text(
        self, chat_id: int, text: str, *, language_code: str = "nl", first_name: str = "Test"
    ) -> JSONDict:
        """The user sends a text message; returns the update (bot commands get entities)."""
        if not text.strip():
            raise ValueError("Telegram users cannot send empty messages")
        with self._lock:
            self._user_acts(chat_id, first_name, language_code)
            content: JSONDict = {"text": text}
            commands = _detect_commands(text)
            if commands:
                content["entities"] = commands
            message = self._new_message(chat_id, from_bot=False, content=content)
            return self._emit("message", self._api_message(message))

    def user_sends_command(
        self,
        chat_id: int,
        command: str,
        args: str = "",
        *,
        language_code: str = "nl",
        first_name: str = "Test",
    ) -> JSONDict:
        """The user sends ``/command args`` with a bot_command entity at offset 0."""
        name = command if command.startswith("/") else f"/{command}"
        text = f"{name} {args}" if args else name
        with self._lock:
            self._user_acts(chat_id, first_name, language_code)
            entity = {"type": "bot_command", "offset": 0, "length": utf16_len(name)}
            content: JSONDict = {"text": text, "entities": [entity]}
            message = self._new_message(chat_id, from_bot=False, content=content)
            return self._emit("message", self._api_message(message))

    def user_presses(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        language_code: str = "nl",
        first_name: str = "Test",
        check_button: bool = True,
    ) -> JSONDict:
        """The user presses an inline button of a bot message; returns the callback_query update.

        With ``check_button`` the message must currently show a button with that callback_data;
        pass False to imitate a press on a button that has since gone (a stale keyboard).
        """
        with self._lock:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None or message.deleted or not message.from_bot:
                raise ValueError(f"chat {chat_id} has no bot message {message_id}")
            if check_button and callback_data not in _callback_datas(message.reply_markup):
                raise ValueError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"its buttons carry {_callback_datas(message.reply_markup)}"
                )
            person = self._user_acts(chat_id, first_name, language_code)
            query_id = f"{self._bot_id}{next(self._query_ids):09d}"
            self._queries[query_id] = _CallbackQuery(query_id, chat_id, time.monotonic())
            payload = {
                "id": query_id,
                "from": person.user(),
                "message": self._api_message(message),
                "chat_instance": str((chat_id * 2654435761 + self._bot_id) % 2**62),
                "data": callback_data,
            }
            return self._emit("callback_query", payload)

    def user_sends(
        self,
        chat_id: int,
        kind: str,
        *,
        caption: str | None = None,
        language_code: str = "nl",
        first_name: str = "Test",
    ) -> JSONDict:
        """The user sends something other than text: one of :data:`MEDIA_KINDS`."""
        if kind not in MEDIA_KINDS:
            raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(MEDIA_KINDS)}")
        if caption is not None and kind not in _CAPTION_KINDS:
            raise ValueError(f"a {kind} has no caption")
        with self._lock:
            person = self._user_acts(chat_id, first_name, language_code)
            content = self._media_content(kind, person)
            if caption:
                content["caption"] = caption
            message = self._new_message(chat_id, from_bot=False, content=content)
            return self._emit("message", self._api_message(message))

    def user_edits(self, chat_id: int, message_id: int, new_text: str) -> JSONDict:
        """The user edits one of their text messages; returns the edited_message update."""
        with self._lock:
            message = self._messages.get(chat_id, {}).get(message_id)
            if message is None or message.deleted or message.from_bot:
                raise ValueError(f"chat {chat_id} has no user message {message_id}")
            if "text" not in message.content:
                raise ValueError(f"message {message_id} is not a text message")
            if not new_text.strip():
                raise ValueError("Telegram users cannot edit a message to empty text")
            content: JSONDict = {"text": new_text}
            commands = _detect_commands(new_text)
            if commands:
                content["entities"] = commands
            message.content = content
            message.edit_date = int(time.time())
            return self._emit("edited_message", self._api_message(message))

    def block(self, chat_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sending to the chat answers 403 until :meth:`unblock`.

        With ``notify`` the bot gets the my_chat_member update Telegram sends (status kicked).
        """
        with self._lock:
            person = self._people.get(chat_id)
            if person is None:
                person = self._people[chat_id] = _Person(chat_id, "Test", "nl")
            if chat_id not in self._blocked:
                self._blocked.add(chat_id)
                if notify:
                    self._emit_member_change(person, "member", "kicked")

    def unblock(self, chat_id: int, *, notify: bool = True) -> None:
        """The user unblocks the bot (Telegram then sends my_chat_member with status member)."""
        with self._lock:
            if chat_id in self._blocked:
                self._blocked.discard(chat_id)
                if notify:
                    self._emit_member_change(self._people[chat_id], "kicked", "member")

    def is_blocked(self, chat_id: int) -> bool:
        """Whether the user of this chat has blocked the bot."""
        with self._lock:
            return chat_id in self._blocked

    def _emit_member_change(self, person: _Person, old: str, new: str) -> JSONDict:
        def member(status: str) -> JSONDict:
            entry: JSONDict = {"user": self.bot_user, "status": status}
            if status == "kicked":
                entry["until_date"] = 0
            return entry

        payload = {
            "chat": person.chat(),
            "from": person.user(),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self._emit("my_chat_member", payload)

    def _file(self, prefix: str, file_size: int) -> JSONDict:
        n = next(self._file_ids)
        return {
            "file_id": f"{prefix}AAxkBAAI{n:010d}AAHk",
            "file_unique_id": f"AgAD{n:08d}",
            "file_size": file_size,
        }

    def _media_content(self, kind: str, person: _Person) -> JSONDict:
        if kind == "sticker":
            sticker = {
                **self._file("CAACAgIAAxkBAAI", 23_456),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
                "set_name": "WerkpadTestStickers",
            }
            return {"sticker": sticker}
        if kind == "photo":
            sizes = [(90, 90, 1_234), (320, 320, 21_000), (800, 800, 98_765)]
            return {
                "photo": [
                    {**self._file("AgACAgQAAxkBAAI", size), "width": width, "height": height}
                    for width, height, size in sizes
                ]
            }
        if kind == "voice":
            voice = {**self._file("AwACAgQAAxkBAAI", 8_765), "duration": 3}
            return {"voice": {**voice, "mime_type": "audio/ogg"}}
        if kind == "video":
            video = {**self._file("BAACAgQAAxkBAAI", 345_678), "width": 640, "height": 360}
            return {"video": {**video, "duration": 5, "mime_type": "video/mp4"}}
        if kind == "video_note":
            note = {**self._file("DQACAgQAAxkBAAI", 123_456), "length": 240, "duration": 4}
            return {"video_note": note}
        if kind == "audio":
            audio = {
                **self._file("CQACAgQAAxkBAAI", 456_789),
                "duration": 30,
                "performer": "Test Performer",
                "title": "Test Title",
                "file_name": "audio.mp3",
                "mime_type": "audio/mpeg",
            }
            return {"audio": audio}
        if kind == "document":
            document = {
                **self._file("BQACAgQAAxkBAAI", 54_321),
                "file_name": "cv.pdf",
                "mime_type": "application/pdf",
            }
            return {"document": document}
        if kind == "animation":
            animation = {
                **self._file("CgACAgQAAxkBAAI", 234_567),
                "width": 320,
                "height": 240,
                "duration": 2,
                "file_name": "animation.mp4",
                "mime_type": "video/mp4",
            }
            document = {
                key: animation[key]
                for key in ("file_id", "file_unique_id", "file_size", "file_name", "mime_type")
            }
            return {"animation": animation, "document": document}  # Telegram sets both
        if kind == "location":
            return {"location": {"latitude": 52.370216, "longitude": 4.895168}}
        if kind == "contact":
            contact = {
                "phone_number": "+31612345678",
                "first_name": person.first_name,
                "user_id": person.id,
            }
            return {"contact": contact}
        if kind == "poll":
            poll = {
                "id": str(5_000_000_000_000_000_000 + next(self._file_ids)),
                "question": "Welke dag past het best?",
                "options": [
                    {"text": "Maandag", "voter_count": 0, "persistent_id": "0"},
                    {"text": "Dinsdag", "voter_count": 0, "persistent_id": "1"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": False,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
            return {"poll": poll}
        if kind == "dice":
            return {"dice": {"emoji": "🎲", "value": 4}}
        raise ValueError(kind)  # pragma: no cover - MEDIA_KINDS is checked by the caller

    # ---------------------------------------------------------------- test controls: failures

    def fail_next(
        self,
        method: str,
        status: int = 500,
        count: int = 1,
        description: str | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` calls of ``method`` with this error, then normally again.

        ``status`` is usually 500 or 502; 429 answers carry ``retry_after`` (default 1).
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                try:
                    description = HTTPStatus(status).phrase
                except ValueError:
                    description = "Error"
        with self._lock:
            self._failures.setdefault(method.lower(), []).append(
                _Scheduled(
                    remaining=count,
                    status=status,
                    description=description,
                    retry_after=retry_after,
                )
            )

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Hold the answer to the next ``count`` calls of ``method`` for ``seconds``.

        As at Telegram, a call whose client gave up is still carried out after the delay.
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._delays.setdefault(method.lower(), []).append(
                _Scheduled(remaining=count, seconds=seconds)
            )

    # ---------------------------------------------------------------- test controls: webhook

    def post_to_webhook(
        self,
        update: JSONDict | str | bytes,
        *,
        secret: str | Literal[_Configured.SECRET] | None = USE_CONFIGURED_SECRET,
        timeout: float = 10.0,
    ) -> int:
        """POST ``update`` to the webhook the bot set; returns the HTTP status it answered.

        ``secret=None`` leaves the secret header out; a string sends that (wrong) secret. Blocks:
        from an async test whose event loop runs the bot, use :meth:`post_to_webhook_async`.
        Returns 0 when the webhook did not answer.
        """
        loop = self._require_loop()
        future = asyncio.run_coroutine_threadsafe(self._manual_post(update, secret, timeout), loop)
        return future.result(timeout + 5)

    async def post_to_webhook_async(
        self,
        update: JSONDict | str | bytes,
        *,
        secret: str | Literal[_Configured.SECRET] | None = USE_CONFIGURED_SECRET,
        timeout: float = 10.0,
    ) -> int:
        """Like :meth:`post_to_webhook`, awaitable from any event loop."""
        loop = self._require_loop()
        future = asyncio.run_coroutine_threadsafe(self._manual_post(update, secret, timeout), loop)
        return await asyncio.wrap_future(future)

    # ---------------------------------------------------------------- inspection

    def sent(self, chat_id: int | None = None) -> list[JSONDict]:
        """Every message the bot sent (to ``chat_id``), oldest first, with edits applied.

        Each is a dict with chat_id, message_id, date, text (as the bot sent it), parse_mode,
        plain_text and entities (what Telegram made of it), reply_markup, reply_to_message_id,
        edit_date, edits (one entry per edit, with the state after it) and deleted.
        """
        with self._lock:
            return [
                _sent_record(m)
                for m in self._sent_messages
                if chat_id is None or m.chat_id == chat_id
            ]

    @property
    def requests(self) -> list[tuple[str, JSONDict, int]]:
        """Every call so far: (method, decoded parameters, HTTP status), in completion order."""
        with self._lock:
            return [
                (method, copy.deepcopy(params), status) for method, params, status in self._requests
            ]

    def calls(self, method: str) -> list[JSONDict]:
        """The parameters of every call of ``method`` (any letter case), whatever its status."""
        with self._lock:
            return [
                copy.deepcopy(params)
                for name, params, _ in self._requests
                if name.lower() == method.lower()
            ]

    @property
    def callback_answers(self) -> list[str]:
        """The ids of the callback queries the bot answered successfully, in order."""
        with self._lock:
            return list(self._callback_answers)

    @property
    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status the bot answered; 0 for no answer) per webhook delivery."""
        with self._lock:
            return list(self._deliveries)

    @property
    def webhook(self) -> JSONDict | None:
        """The webhook the bot set (url, secret_token, max_connections, ...), or None."""
        with self._lock:
            hook = self._webhook
            if hook is None:
                return None
            return {
                "url": hook.url,
                "secret_token": hook.secret,
                "max_connections": hook.max_connections,
                "allowed_updates": hook.allowed_updates,
                "last_error_message": hook.last_error_message,
            }

    @property
    def rate_limited_count(self) -> int:
        """How many 429 answers the server sent (flood control and injected ones)."""
        with self._lock:
            return self._rate_limited

    @property
    def updates(self) -> list[JSONDict]:
        """Every update the user controls created, delivered or not."""
        with self._lock:
            return copy.deepcopy(self._all_updates)

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates queued for getUpdates that the bot has not confirmed with an offset yet."""
        with self._lock:
            return copy.deepcopy([pending.update for pending in self._queue])

    @property
    def server_errors(self) -> list[str]:
        """Exceptions inside the fake itself (answered with 500); should stay empty."""
        with self._lock:
            return list(self._server_errors)

    def commands(self, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        """The commands the bot set for this scope (default: the default scope) and language."""
        params: JSONDict = {"scope": scope, "language_code": language_code}
        with self._lock:
            return copy.deepcopy(
                self._commands.get(self._commands_key(params, check_chat=False), [])
            )

    # ---------------------------------------------------------------- waiting

    def wait_for_sent(self, chat_id: int, count: int = 1, timeout: float = 10.0) -> list[JSONDict]:
        """Block until the bot sent at least ``count`` messages to ``chat_id``; return them all.

        Raises TimeoutError. In an async test whose event loop runs the bot, this would block
        the bot too: use :meth:`wait_for_sent_async` there.
        """

        def enough() -> bool:
            return sum(1 for m in self._sent_messages if m.chat_id == chat_id) >= count

        if not self._wait(enough, timeout):
            raise TimeoutError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    async def wait_for_sent_async(
        self, chat_id: int, count: int = 1, timeout: float = 10.0
    ) -> list[JSONDict]:
        """Like :meth:`wait_for_sent`, without blocking the caller's event loop."""

        def enough() -> bool:
            return sum(1 for m in self._sent_messages if m.chat_id == chat_id) >= count

        if not await self._wait_async(enough, timeout):
            raise TimeoutError(self._sent_timeout_message(chat_id, count, timeout))
        return self.sent(chat_id)

    def wait_for_request(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[JSONDict]:
        """Block until ``method`` was called at least ``count`` times; return their parameters."""
        if not self._wait(lambda: self._count_calls(method) >= count, timeout):
            raise TimeoutError(
                f"{method} was called {self._count_calls(method)} times, not {count}"
            )
        return self.calls(method)

    async def wait_for_request_async(
        self, method: str, count: int = 1, timeout: float = 10.0
    ) -> list[JSONDict]:
        """Like :meth:`wait_for_request`, without blocking the caller's event loop."""
        if not await self._wait_async(lambda: self._count_calls(method) >= count, timeout):
            raise TimeoutError(
                f"{method} was called {self._count_calls(method)} times, not {count}"
            )
        return self.calls(method)

    def wait_for_deliveries(self, count: int = 1, timeout: float = 10.0) -> list[tuple[int, int]]:
        """Block until at least ``count`` webhook deliveries were answered (or failed)."""
        if not self._wait(lambda: len(self._deliveries) >= count, timeout):
            raise TimeoutError(f"{len(self._deliveries)} webhook deliveries, not {count}")
        return self.webhook_deliveries

    async def wait_for_deliveries_async(
        self, count: int = 1, timeout: float = 10.0
    ) -> list[tuple[int, int]]:
        """Like :meth:`wait_for_deliveries`, without blocking the caller's event loop."""
        if not await self._wait_async(lambda: len(self._deliveries) >= count, timeout):
            raise TimeoutError(f"{len(self._deliveries)} webhook deliveries, not {count}")
        return self.webhook_deliveries

    def _count_calls(self, method: str) -> int:
        return sum(1 for name, _, _ in self._requests if name.lower() == method.lower())

    def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    async def _wait_async(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if predicate():
                    return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)

    def _sent_timeout_message(self, chat_id: int, count: int, timeout: float) -> str:
        texts = [record["text"] for record in self.sent(chat_id)]
        return f"expected {count} messages to chat {chat_id} within {timeout}s; got {texts!r}"


def _pop_scheduled(table: dict[str, list[_Scheduled]], method: str) -> _Scheduled | None:
    queue = table.get(method.lower())
    if not queue:
        return None
    scheduled = queue[0]
    scheduled.remaining -= 1
    if scheduled.remaining <= 0:
        queue.pop(0)
    return scheduled


def _explicit_entities(value: Any) -> list[JSONDict]:
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise _bad("can't parse entities JSON array")
    entities: list[JSONDict] = []
    for entity in value:
        if (
            not isinstance(entity, dict)
            or not isinstance(entity.get("type"), str)
            or not isinstance(entity.get("offset"), int)
            or not isinstance(entity.get("length"), int)
        ):
            raise _bad("can't parse MessageEntity")
        entities.append({key: val for key, val in entity.items() if val is not None})
    return _sorted_entities(entities)


def _sent_record(message: _Message) -> JSONDict:
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "date": message.date,
        "text": message.raw_text,
        "parse_mode": message.parse_mode,
        "plain_text": message.content.get("text"),
        "entities": copy.deepcopy(message.content.get("entities", [])),
        "reply_markup": copy.deepcopy(message.reply_markup),
        "reply_to_message_id": message.reply_to,
        "edit_date": message.edit_date,
        "edits": copy.deepcopy(message.edits),
        "deleted": message.deleted,
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
