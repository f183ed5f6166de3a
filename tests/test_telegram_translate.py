"""The Telegram translators, with no network: recorded updates in, HTML and keyboards out, and what
each Bot API error means for the deliverer."""

from __future__ import annotations

import html
import json
import logging
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.loop import TelegramSetupError, WebhookSettings, bot_commands, invite_link, parseable_updates
from bot.telegram.messenger import delivery_error, retry_after_seconds
from bot.telegram.render import MESSAGE_LIMIT, keyboard, message_parts, render_html, render_plain
from bot.telegram.translate import incoming_from_update
from handlers.messages import Attachment, Button, Incoming, Reply, Span, bold, italic, line, link, text_reply
from handlers.router import default_commands
from tests.stubs.telegram_api import message_problem

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "telegram"
BOT_ID = 7000001


def payload(name: str) -> dict[str, Any]:
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# --- updates -> Incoming ----------------------------------------------------------------------------


def translate(data: dict[str, Any]) -> Incoming | None:
    return incoming_from_update(data, BOT_ID)


def test_a_private_text_message_becomes_an_incoming_message_keyed_by_its_update() -> None:
    assert translate(payload("private_text")) == Incoming(
        "telegram", "5001", "5001", text="how did others set up a PSEA network?", display_name="Amina Diallo",
        event_key="telegram:7000001:731000101", platform_language="en")


def test_a_command_keeps_its_bot_name_for_the_router_to_strip_and_the_language_is_reported() -> None:
    incoming = translate(payload("command_with_botname"))
    assert incoming is not None
    assert incoming.text == "/checkin@hcbot_test_bot sahelia-2026"
    assert incoming.button is None
    assert incoming.display_name == "Amina"
    assert incoming.platform_language == "fr"


def test_a_pressed_button_carries_its_callback_data_and_the_chat_of_its_message() -> None:
    assert translate(payload("callback_query")) == Incoming(
        "telegram", "5001", "5001", button="ci:12:0:on_track", display_name="Amina",
        event_key="telegram:7000001:731000103", platform_language="en")


@pytest.mark.parametrize("name", ["group_message", "group_button", "edited_message", "my_chat_member",
                                  "channel_post", "forum_topic_message", "callback_inline_message"])
def test_what_the_bot_does_not_answer_is_ignored(name: str) -> None:
    assert translate(payload(name)) is None


def test_a_sticker_is_unreadable_and_a_caption_is_read_as_text() -> None:
    sticker = translate(payload("sticker"))
    assert sticker is not None
    assert sticker.unreadable
    assert sticker.text == ""
    assert sticker.chat_id == "5001"
    photo = payload("sticker")
    del photo["message"]["sticker"]
    photo["message"]["photo"] = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    photo["message"]["caption"] = "PSEA network terms of reference"
    captioned = translate(photo)
    assert captioned is not None
    assert not captioned.unreadable
    assert captioned.text == "PSEA network terms of reference"


def test_a_forwarded_private_message_is_a_question() -> None:
    forwarded = translate(payload("forwarded_message"))
    assert forwarded is not None
    assert forwarded.text == "Jupp"
    assert not forwarded.unreadable
    assert (forwarded.user_id, forwarded.chat_id) == ("215983066", "215983066")


def test_messages_from_bots_are_ignored_and_blank_texts_kept_for_the_router() -> None:
    message = payload("private_text")
    message["message"]["from"]["is_bot"] = True
    assert translate(message) is None
    blank = payload("private_text")
    blank["message"]["text"] = "   "
    incoming = translate(blank)
    assert incoming is not None
    assert incoming.text == "   "
    assert not incoming.unreadable


def test_an_update_the_library_cannot_parse_is_replaced_by_its_id_alone(caplog: pytest.LogCaptureFixture) -> None:
    broken = payload("bot_api_test_update")
    good = payload("private_text")
    with caplog.at_level(logging.WARNING, logger="bot.telegram.loop"):
        assert parseable_updates([broken, good]) == [{"update_id": broken["update_id"]}, good]
    [record] = caplog.records
    assert "10000" in record.getMessage()
    assert "/start" not in record.getMessage()


# --- Reply -> HTML ------------------------------------------------------------------------------------


def test_text_is_escaped_once_and_spans_become_tags() -> None:
    reply = Reply((line("1. ", bold("Cash & <b>vouchers</b>"), " ", italic("Case study · Chad")),
                   line(link("Read it", 'https://example.invalid/p?a=1&b="2"'))))
    assert render_html(reply) == [
        "1. <b>Cash &amp; &lt;b&gt;vouchers&lt;/b&gt;</b> <i>Case study · Chad</i>\n"
        '<a href="https://example.invalid/p?a=1&amp;b=&quot;2&quot;">Read it</a>'
    ]


def test_a_link_telegram_cannot_open_is_shown_as_text() -> None:
    reply = Reply((line(link("Click", "javascript:alert(1)")),))
    assert render_html(reply) == ["Click (javascript:alert(1))"]


def test_a_long_reply_is_split_between_lines_under_the_limit() -> None:
    lines = tuple(line(f"{number:03d} ", bold("PSEA & AAP"), " " + "x" * 80) for number in range(200))
    messages = render_html(Reply(lines))
    assert len(messages) > 1
    assert all(len(message) <= MESSAGE_LIMIT for message in messages)
    # Split between lines: every message is whole lines, and none is lost.
    assert "\n".join(messages).split("\n") == render_html(Reply(lines), limit=10**6)[0].split("\n")


def test_an_over_long_line_is_split_inside_its_text_never_inside_a_tag_or_an_entity() -> None:
    reply = Reply((line(bold("&<>" * 50), " and ", link("a" * 60, "https://example.invalid/x?y=1&z=2")),))
    messages = render_html(reply, limit=60)
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= 60
        assert_well_formed(message)
    assert visible("".join(messages)) == "&<>" * 50 + " and " + "a" * 60


def test_an_empty_reply_renders_to_no_message() -> None:
    assert render_html(Reply(((), ()))) == []


def test_plain_text_is_not_escaped_and_shows_link_addresses() -> None:
    reply = Reply((line("1. ", bold("Cash & <b>vouchers</b>")), line(link("Read it", "https://example.invalid/p?a=1"))))
    assert render_plain(reply) == ["1. Cash & <b>vouchers</b>\nRead it (https://example.invalid/p?a=1)"]
    long = Reply(tuple(line("é" * 50, " ", "😀" * 30) for _ in range(200)))
    pieces = render_plain(long)
    assert len(pieces) > 1
    assert all(len(piece.encode("utf-16-le")) // 2 <= MESSAGE_LIMIT for piece in pieces)
    assert all(message_problem({"text": piece}) is None for piece in pieces)
    plain_parts = message_parts(Reply((line("?"),), (Button("Yes", "fb:1:useful"),)), plain=True)
    assert [(part.plain, part.markup is not None) for part in plain_parts] == [(True, True)]


class _TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in {"b", "i", "a"}, tag
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, tag
        assert self.open.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_well_formed(message: str) -> None:
    """Only Telegram's tags, each closed in the same message; every & starts a whole entity."""
    assert not re.search(r"&(?!(amp|lt|gt|quot);)", message), message
    checker = _TagChecker()
    checker.feed(message)
    checker.close()
    assert checker.open == [], message


def visible(message: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", message))


spans = st.builds(Span, st.text(min_size=0, max_size=80), st.booleans(), st.booleans(),
                  st.sampled_from([None, "https://example.invalid/a?b=1&c=<2>"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(spans, max_size=5).map(tuple), max_size=12), st.integers(min_value=40, max_value=300))
def test_any_reply_renders_to_well_formed_messages_under_the_limit_losing_no_text(
        lines: list[tuple[Span, ...]], limit: int) -> None:
    reply = Reply(tuple(lines))
    messages = render_html(reply, limit)
    for message in messages:
        assert len(message.encode("utf-16-le")) // 2 <= limit
        assert message.strip()
        assert_well_formed(message)
        # What the stub Bot API, which applies Telegram's rules, would refuse.
        assert message_problem({"text": message, "parse_mode": "HTML"}) is None, message

    def squeezed(text: str) -> str:
        return "".join(text.split())

    assert squeezed("".join(visible(message) for message in messages)) == squeezed(reply.plain_text)


# --- keyboards and message parts ----------------------------------------------------------------------


def test_short_buttons_share_rows_of_three_and_long_ones_stand_alone() -> None:
    labels = ["Not started", "On track", "Delayed", "Blocked", "Done", "Skip", "Later"]
    markup = keyboard(Reply((line("?"),), tuple(Button(label, f"ci:12:0:{n}") for n, label in enumerate(labels))))
    assert markup is not None
    assert [[button.text for button in row] for row in markup.inline_keyboard] == [
        ["Not started", "On track", "Delayed"], ["Blocked", "Done", "Skip"], ["Later"]]
    assert markup.inline_keyboard[0][1].callback_data == "ci:12:0:1"
    long = keyboard(Reply((line("?"),), (Button("Yes", "fb:1:useful"), Button("Pass it to the secretariat", "pass:1"),
                                          Button("No", "fb:1:not_useful"))))
    assert long is not None
    assert [[button.text for button in row] for row in long.inline_keyboard] == [
        ["Yes"], ["Pass it to the secretariat"], ["No"]]


def test_a_payload_over_64_bytes_is_left_out_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    reply = Reply((line("?"),), (Button("Fits", "é" * 32), Button("Too long", "é" * 33), Button("More", "more")))
    with caplog.at_level(logging.WARNING, logger="bot.telegram.render"):
        markup = keyboard(reply)
    assert markup is not None
    assert [button.text for row in markup.inline_keyboard for button in row] == ["Fits", "More"]
    assert any("Too long" in record.getMessage() and "66 bytes" in record.getMessage() for record in caplog.records)


def test_no_buttons_no_keyboard() -> None:
    assert keyboard(text_reply("hello")) is None


def test_the_keyboard_goes_on_the_last_text_and_the_file_comes_after() -> None:
    report = Attachment("sahelia-2026-update.md", b"# Update\n", "text/markdown")
    reply = Reply(tuple(line("y" * 100) for _ in range(100)), (Button("Done", "submitted:#1"),), report)
    parts = message_parts(reply)
    assert [part.attachment is not None for part in parts] == [False] * (len(parts) - 1) + [True]
    assert [part.markup is not None for part in parts] == [False] * (len(parts) - 2) + [True, False]
    only_file = message_parts(Reply((), (Button("Done", "submitted:#1"),), report))
    assert len(only_file) == 1
    assert only_file[0].attachment == report
    assert only_file[0].markup is not None


# --- errors ---------------------------------------------------------------------------------------------


def test_a_blocked_bot_or_a_missing_chat_cannot_be_reached() -> None:
    blocked = delivery_error(Forbidden("Forbidden: bot was blocked by the user"))
    assert blocked.unreachable
    assert blocked.permanent
    assert "blocked" in str(blocked)
    missing = delivery_error(BadRequest("Bad Request: chat not found"))
    assert missing.unreachable
    assert delivery_error(ChatMigrated(-100123)).unreachable


def test_refused_markup_or_size_is_a_rendering_error_other_bad_requests_are_permanent() -> None:
    for refused in ("Bad Request: message is too long",
                    "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"):
        error = delivery_error(BadRequest(refused))
        assert error.rendering
        assert error.permanent
        assert not error.unreachable
    buttons = delivery_error(BadRequest("Bad Request: BUTTON_DATA_INVALID"))
    assert buttons.permanent
    assert not buttons.rendering
    for transient in (TimedOut(), NetworkError("Bad Gateway"), NetworkError("httpx.ConnectError: refused")):
        error = delivery_error(transient)
        assert not error.permanent
        assert error.retry_after is None


def test_a_rate_limit_gives_its_wait_in_seconds_whatever_ptb_hands_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    assert delivery_error(RetryAfter(timedelta(seconds=3))).retry_after == 3.0
    monkeypatch.delenv("PTB_TIMEDELTA")
    with pytest.warns(PTBDeprecationWarning):
        as_int = RetryAfter(7)
    # Read without the deprecation warning (warnings are errors in this suite).
    assert retry_after_seconds(as_int) == 7.0
    assert delivery_error(as_int).retry_after == 7.0


def test_the_token_is_blanked_out_of_an_error_reason() -> None:
    error = delivery_error(NetworkError("httpx.InvalidURL: http://host/bot123:SECRET/sendMessage"), "123:SECRET")
    assert "SECRET" not in str(error)
    assert "<token>" in str(error)


# --- commands, invites, settings ------------------------------------------------------------------------


def test_the_command_menu_exists_in_english_and_in_french() -> None:
    english = {command.command: command.description for command in bot_commands(default_commands(), "en")}
    french = {command.command: command.description for command in bot_commands(default_commands(), "fr")}
    assert "checkin" in english
    assert "point" in french
    assert "aide" in french
    assert "help" not in french
    assert english["help"] == "List what I can do."
    for menu in (english, french):
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in menu)
        assert all(1 <= len(description) <= 256 for description in menu.values())


def test_an_invite_link_opens_the_bot_with_the_code() -> None:
    assert invite_link("@hcbot_test_bot", "K7M2P9QR4T") == "https://t.me/hcbot_test_bot?start=K7M2P9QR4T"


def test_webhook_mode_refuses_to_start_without_a_proper_secret() -> None:
    with pytest.raises(TelegramSetupError, match="secret"):
        WebhookSettings(url="https://bot.example.invalid/telegram", secret="")
    with pytest.raises(TelegramSetupError, match="letters, digits"):
        WebhookSettings(url="https://bot.example.invalid/telegram", secret="not allowed!")
    default = WebhookSettings(url="https://bot.example.invalid/telegram", secret="s3cret_-X")
    assert (default.port, default.listen) == (8443, "127.0.0.1")
