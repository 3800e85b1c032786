"""The Telegram channel end to end: the real Application, over real HTTP, against the fake Bot API.

Covers onboarding in three languages (one right-to-left), a whole module by buttons, free text,
every kind of media, stale and forged buttons, flood control (429), a blocked participant (403),
server errors, the command menus, a restart in the middle of a module, and webhook mode.
"""

from __future__ import annotations

import html
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.telegram_delivery import Pacer
from bot.clock import ManualClock
from bot.content.catalogue import Catalogue
from bot.core.events import Button, MessageCreated
from bot.storage import Repo
from bot.storage.tables import Participant as ParticipantRow
from tests.fakes.bot_api import MEDIA_KINDS, FakeBotAPI
from tests.telegram_harness import Participant, RunningBot, labels
from tests.telegram_harness import plain_text as text_of


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(flood_control=False) as server:
        yield server


@pytest.fixture
def bot(fake: FakeBotAPI, db_url: str) -> Iterator[RunningBot]:
    running = RunningBot(fake, db_url)
    yield running
    running.stop()


def ui(catalogue: Catalogue, lang: str, key: str, **values: object) -> str:
    return catalogue.text(lang, key, **values).strip()


@pytest.mark.parametrize("lang", ["nl", "ar", "ti"])
def test_onboarding_in_the_participants_language(
    bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue, lang: str
) -> None:
    person = Participant(fake, 1000 + len(lang), language_code=lang)
    (choice,) = person.command("/start")
    own_name = catalogue.language(lang).name
    assert labels(choice)[0] == own_name  # the app's language is offered first
    assert sorted(labels(choice)) == sorted(x.name for x in catalogue.languages)
    welcome, privacy, menu = person.press(own_name, replies=3)
    assert text_of(welcome) == ui(catalogue, lang, "welcome")
    assert text_of(privacy) == ui(catalogue, lang, "privacy.short")
    assert text_of(menu) == ui(catalogue, lang, "menu.title")
    assert all(m["parse_mode"] == "HTML" for m in (welcome, privacy, menu))
    assert fake.callback_answers  # the press was answered


def test_right_to_left_text_keeps_commands_readable(
    bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue
) -> None:
    person = Participant(fake, 1101, language_code="ar")
    person.onboard("العربية")
    (help_text, _menu) = person.command("/help", replies=2)
    assert "\u2066/menu\u2069" in str(help_text["plain_text"])


def test_a_whole_module_by_buttons(bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue) -> None:
    person = Participant(fake, 1200, language_code="en")
    person.onboard("English")
    (intro,) = person.press("Your Dutch CV")
    assert text_of(intro).startswith("Your Dutch CV · step 1 of 19")
    person.press("Next")
    person.press("Yes, I have a CV")
    person.press("I have done this")
    for _ in range(3):
        person.press("Next")
    end, done = person.press("Next", replies=2)
    assert text_of(end).startswith("Your Dutch CV · step 8 of 8")
    assert text_of(done) == ui(catalogue, "en", "module.done", title="Your Dutch CV")
    assert labels(done)[0] == "Your Dutch CV ✓"
    presses = [r for r in fake.requests if r[0] == "answerCallbackQuery"]
    assert len(presses) == 9 and all(status == 200 for _, _, status in presses)


def test_text_and_every_kind_of_media_get_a_friendly_answer(
    bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue
) -> None:
    person = Participant(fake, 1300, language_code="so")
    person.onboard("Soomaali")
    (reply,) = person.say("waan ku faraxsanahay")
    assert text_of(reply) == ui(catalogue, "so", "input.not_understood")
    (reply,) = person.say("x" * 5000)
    assert text_of(reply) == ui(catalogue, "so", "input.too_long", max=2000)
    for kind in MEDIA_KINDS:
        (reply,) = person.send(kind)
        assert text_of(reply) == ui(catalogue, "so", "input.unsupported"), kind
    (reply,) = person.command("/weather")
    assert text_of(reply) == ui(catalogue, "so", "command.unknown", command="/weather")


def test_stale_and_forged_buttons(bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue) -> None:
    person = Participant(fake, 1400, language_code="nl")
    person.onboard("Nederlands")
    (intro,) = person.press("Je Nederlandse cv")
    person.press("Verder")
    stale, current = person.press_data(intro["message_id"], "go:cv.intro:has_cv", replies=2)
    assert text_of(stale) == ui(catalogue, "nl", "button.stale")
    assert "Heb je al een cv?" in text_of(current)
    invalid, _ = person.press_data(intro["message_id"], "erase:yes", replies=2)
    assert text_of(invalid) == ui(catalogue, "nl", "button.stale")
    invalid, _ = person.press_data(intro["message_id"], "go:cv.has_cv:end", replies=2)
    assert text_of(invalid) == ui(catalogue, "nl", "button.invalid")
    # Forged data from someone else acts only on their own conversation, never on this one.
    stranger = Participant(fake, 1401, language_code="nl")
    (own,) = stranger.command("/start")
    (choice,) = stranger.press_data(own["message_id"], "erase:yes")
    assert labels(choice)[0] == "Nederlands"
    (again,) = person.press("Nee, nog niet")
    assert "stap 3 van" in text_of(again)


def test_flood_control_is_waited_out_and_nothing_is_lost_or_doubled(
    db_url: str, catalogue: Catalogue
) -> None:
    with FakeBotAPI(flood_control=True, chat_rate=1.0, chat_burst=3) as fake:
        running = RunningBot(fake, db_url, pacer=Pacer(10_000, 10_000, 10_000))
        try:
            person = Participant(fake, 1500, language_code="en")
            person.onboard("English")
            person.command("/help", replies=2)  # bursts past 3 a second: Telegram says 429
            assert fake.rate_limited_count >= 1
            texts = [text_of(m) for m in person.received]
            expected = ["welcome", "privacy.short", "menu.title", "help.text", "menu.title"]
            assert texts[1:] == [ui(catalogue, "en", key) for key in expected]
        finally:
            running.stop()


def test_pacing_keeps_below_the_limit(db_url: str) -> None:
    with FakeBotAPI(flood_control=True, chat_rate=1.0, chat_burst=3) as fake:
        running = RunningBot(fake, db_url, pacer=Pacer(per_second=30, per_chat=1, chat_burst=3))
        try:
            person = Participant(fake, 1501, language_code="en")
            person.onboard("English")
            person.command("/help", replies=2)
            assert fake.rate_limited_count == 0
        finally:
            running.stop()


def test_a_participant_who_blocked_the_bot_is_marked_until_they_write(
    bot: RunningBot, fake: FakeBotAPI, db_url: str
) -> None:
    person = Participant(fake, 1600, language_code="en")
    person.onboard("English")
    fake.block(1600, notify=False)
    message = MessageCreated("Reminder", "en", (Button("Menu", "menu"),))
    assert bot.call(bot.channel.deliver(1600, message)) is False
    assert [status for m, _, status in fake.requests if m == "sendMessage"][-1] == 403
    repo = Repo(db_url)
    try:
        with repo.session() as session:
            row = session.scalars(select(ParticipantRow)).one()
            assert row.blocked_at is not None
        person.say("hello again")  # writing again lifts the block, as in Telegram
        with repo.session() as session:
            assert session.scalars(select(ParticipantRow)).one().blocked_at is None
    finally:
        repo.dispose()


def test_server_errors_are_retried(bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue) -> None:
    person = Participant(fake, 1700, language_code="tr")
    fake.fail_next("sendMessage", status=502, count=2)
    (choice,) = person.command("/start")
    assert labels(choice)[0] == "Türkçe"
    statuses = [status for method, _, status in fake.requests if method == "sendMessage"]
    assert statuses == [502, 502, 200]


def test_command_menus_in_every_language(
    bot: RunningBot, fake: FakeBotAPI, catalogue: Catalogue
) -> None:
    for lang in catalogue.codes:
        commands = fake.commands(language_code=lang)
        assert [c["command"] for c in commands] == [
            "start",
            "menu",
            "language",
            "help",
            "privacy",
            "delete",
            "stop",
        ]
        assert commands[0]["description"] == catalogue.text(lang, "command.start")
    assert fake.commands()[0]["description"] == catalogue.text("en", "command.start")


def test_a_failing_command_menu_does_not_stop_the_bot(fake: FakeBotAPI, db_url: str) -> None:
    fake.fail_next("setMyCommands", status=500, count=3)
    running = RunningBot(fake, db_url)
    try:
        (choice,) = Participant(fake, 1800).command("/start")
        assert labels(choice)[0] == "Nederlands"
    finally:
        running.stop()


def test_restart_in_the_middle_of_a_module(
    fake: FakeBotAPI, db_url: str, catalogue: Catalogue
) -> None:
    running = RunningBot(fake, db_url)
    person = Participant(fake, 1900, language_code="nl")
    try:
        person.onboard("Nederlands")
        person.press("Je Nederlandse cv")
        person.press("Verder")
        (layout,) = person.press("Nee, nog niet")
    finally:
        running.stop()
    running = RunningBot(fake, db_url)
    try:
        (personal,) = person.press_data(layout["message_id"], "go:cv.layout:personal")
        assert "stap 4 van" in text_of(personal)
        resume, step = person.command("/start", replies=2)
        assert text_of(resume).startswith("Welkom terug!")
        assert text_of(step) == text_of(personal)
    finally:
        running.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_webhook_checks_the_secret(fake: FakeBotAPI, db_url: str, catalogue: Catalogue) -> None:
    port = free_port()
    running = RunningBot(
        fake,
        db_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_secret="s3cret-x",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    try:
        assert fake.webhook is not None and fake.webhook["url"].endswith("/telegram")
        person = Participant(fake, 2000, language_code="en")
        (choice,) = person.command("/start")
        assert labels(choice)[0] == "English"
        update = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 1772438400,
                "text": "/start",
                "chat": {"id": 2001, "type": "private", "first_name": "X"},
                "from": {"id": 2001, "is_bot": False, "first_name": "X"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        assert fake.post_to_webhook(update, secret="wrong") == 403
        assert fake.post_to_webhook(update, secret=None) == 403
        assert fake.sent(2001) == []
    finally:
        running.stop()


def test_webhook_mode_needs_a_secret(fake: FakeBotAPI, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        RunningBot(fake, f"sqlite:///{tmp_path / 'x.sqlite3'}", webhook_url="http://127.0.0.1:1/x")


def test_html_in_content_is_escaped(bot: RunningBot, fake: FakeBotAPI) -> None:
    person = Participant(fake, 2100, language_code="en")
    person.onboard("English")
    (reply,) = person.command("/<b>bold</b>&")
    assert (
        "&lt;b&gt;" in str(reply["text"])
        and html.unescape(str(reply["text"])) == reply["plain_text"]
    )


def test_a_reminder_arrives_in_telegram_when_due(fake: FakeBotAPI, db_url: str) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    running = RunningBot(fake, db_url, clock=clock)
    try:
        assert running.channel.scheduler is not None
        assert [job.id for job in running.channel.scheduler.get_jobs()] == ["dispatch_due"]
        person = Participant(fake, 2200, language_code="tr")
        person.onboard("Türkçe")
        person.press(running.app.catalogue.modules["cv"].title["tr"])
        assert running.call(running.channel.dispatch_due()) == 0
        clock.advance(timedelta(days=3))
        assert running.call(running.channel.dispatch_due()) == 1
        nudge = person.received[-1]
        assert "/stop" in text_of(nudge)
        assert labels(nudge)[-1] == running.app.catalogue.text("tr", "nav.menu")
        assert running.call(running.channel.dispatch_due()) == 0
    finally:
        running.stop()
