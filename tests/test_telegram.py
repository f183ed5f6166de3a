"""The Telegram adapter end to end: the real python-telegram-bot, polling and in webhook mode,
against a stub Bot API server on loopback; the outbox delivered through TelegramMessenger."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # not exported; PTB pinned to 22.x

from bot.app import App
from bot.logs import REDACTED, configure
from bot.settings import Settings
from bot.telegram.loop import (
    TelegramBot,
    TelegramSetupError,
    UpdatesRequest,
    WebhookSettings,
    invite_link,
    telegram_bot_from_settings,
)
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.render import render_html, render_plain
from bot.telegram.request import client_timeout, sending_request
from handlers.accounts import issue_invite
from handlers.delivery import Deliverer, RateLimits
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, reply_to_json
from handlers.router import default_commands
from storage import outbox
from storage import repositories as repo
from storage.database import Database
from storage.models import ActionUpdate, ChatIdentity, OutboxMessage, OutboxStatus, Status
from tests.conftest import START
from tests.stubs.telegram_api import TOKEN, Call, TelegramApiStub, button_update, message_update, texts

HC = "amina.hc@sahelia.invalid"
PAYLOADS = Path(__file__).resolve().parent / "payloads" / "telegram"
HC_CHAT = 5001
SECRET = "webhook-secret_4f9a"
QUESTION = "how did others set up a PSEA network?"




def telegram_bot(app: App, stub: TelegramApiStub, webhook: WebhookSettings | None = None,
                 token: str = TOKEN) -> TelegramBot:
    telegram = TelegramBot(token, app.live, base_url=stub.base_url, webhook=webhook,
                           poll_timeout=timedelta(seconds=2))
    app.add_messenger(telegram.messenger)
    return telegram


@pytest.fixture
async def bot(app: App, telegram_api: TelegramApiStub) -> AsyncIterator[TelegramBot]:
    polling = telegram_bot(app, telegram_api)
    await polling.start()
    yield polling
    await polling.stop()


async def link_chat(database: Database, email: str, chat_id: int) -> None:
    async with database.transaction() as session:
        person = await repo.person_by_email(session, email)
        assert person is not None
        await repo.link_identity(session, person, "telegram", str(chat_id), str(chat_id))


async def exchange(stub: TelegramApiStub, update: dict[str, Any], replies: int = 1) -> list[Call]:
    """Sends an update to the bot and returns the messages it answered with."""
    before = len(stub.calls_to("sendMessage"))
    stub.push_update(update)
    return (await stub.wait_for("sendMessage", before + replies))[before:]


def buttons(call: Call) -> dict[str, str]:
    """The inline keyboard of a sent message, label -> callback data."""
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return {button["text"]: button["callback_data"] for row in markup["inline_keyboard"] for button in row}


async def identities(database: Database) -> list[ChatIdentity]:
    async with database.transaction() as session:
        return list((await session.execute(select(ChatIdentity).order_by(ChatIdentity.id))).scalars())


async def eventually(check: Callable[[], Awaitable[bool]], attempts: int = 100) -> None:
    """Waits, a little at a time, for something the bot does after its last API call."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the condition never became true")


# --- conversations ----------------------------------------------------------------------------------


async def test_a_question_in_a_private_chat_is_answered_with_products_and_buttons(
        app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    [answer] = await exchange(telegram_api, message_update(HC_CHAT, QUESTION))
    best = app.index.search(QUESTION).hits[0].product
    assert answer.params["chat_id"] == HC_CHAT
    assert answer.params["parse_mode"] == "HTML"
    assert f"<b>{html.escape(best.title, quote=False)}</b>" in answer.params["text"]
    assert any(data.endswith(":useful") and data.startswith("fb:") for data in buttons(answer).values())
    assert answer.params["link_preview_options"] == {"is_disabled": True}


async def test_a_sticker_gets_one_sentence_and_the_conversation_goes_on(
        bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    sticker = json.loads((PAYLOADS / "sticker.json").read_text(encoding="utf-8"))
    sticker.pop("update_id")
    sticker["message"]["chat"]["id"] = sticker["message"]["from"]["id"] = HC_CHAT
    [said] = await exchange(telegram_api, sticker)
    assert said.params["text"] == "I can only read text: type your question or answer in words."
    [answer] = await exchange(telegram_api, message_update(HC_CHAT, QUESTION))
    assert "<b>" in answer.params["text"]


async def test_a_chats_messages_are_answered_in_the_order_they_were_sent(
        bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    # Queued together, they arrive in one getUpdates answer and are handled concurrently.
    for text in (QUESTION, "/help", "/topics", "/more"):
        telegram_api.push_update(message_update(HC_CHAT, text))
    answer, help_text, topics, more = await telegram_api.wait_for("sendMessage", 4)
    assert "<b>" in answer.params["text"]
    assert "/link CODE" in help_text.params["text"]  # an unlinked chat: the help of a stranger
    assert "/topic" in topics.params["text"]
    assert more.params["text"].startswith("4. ")


async def test_start_with_an_invite_code_links_the_chat_once(
        app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    async with app.database.transaction() as session:
        invite = await issue_invite(session, HC, app.clock.now())
    assert invite_link(bot.username, invite.code) == f"https://t.me/hcbot_test_bot?start={invite.code}"

    welcome, _help = await exchange(telegram_api, message_update(HC_CHAT, f"/start {invite.code}"), replies=2)
    assert "Welcome, Amina" in welcome.params["text"]
    [linked] = await identities(app.database)
    assert (linked.platform, linked.external_user_id, linked.chat_id, linked.active) == (
        "telegram", str(HC_CHAT), str(HC_CHAT), True)

    [refused] = await exchange(telegram_api, message_update(5002, f"/start {invite.code}", first_name="Eve"))
    assert "That code does not work" in refused.params["text"]
    assert refused.params["chat_id"] == 5002
    assert [identity.external_user_id for identity in await identities(app.database)] == [str(HC_CHAT)]


async def test_a_whole_check_in_through_the_buttons(app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    await link_chat(app.database, HC, HC_CHAT)
    # Telegram appends the bot's name to a command picked from the menu in some clients.
    [question] = await exchange(telegram_api, message_update(HC_CHAT, "/checkin@hcbot_test_bot"))
    assert "action 1 of 4" in question.params["text"]
    presses = 0
    while "Check-in done" not in question.params["text"]:
        choices = buttons(question)
        label = "On track" if "On track" in choices else "No note"
        [question] = await exchange(telegram_api, button_update(HC_CHAT, choices[label]))
        presses += 1
        assert presses <= 8, question.params["text"]
    assert presses == 8  # four actions, each a status and "no note"
    assert len(telegram_api.calls_to("answerCallbackQuery")) == presses
    async with app.database.transaction() as session:
        recorded = list((await session.execute(select(ActionUpdate).order_by(ActionUpdate.id))).scalars())
    assert [(update.status, update.note, update.platform) for update in recorded] == [
        (Status.ON_TRACK, None, "telegram")] * 4


async def test_the_draft_report_arrives_as_a_document_after_its_message(
        app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    await link_chat(app.database, HC, HC_CHAT)
    telegram_api.push_update(message_update(HC_CHAT, "/report"))
    [document] = await telegram_api.wait_for("sendDocument")
    filename, content = document.files["document"]
    assert filename.startswith("sahelia-2026-update")
    assert filename.endswith(".docx")
    from io import BytesIO

    from docx import Document

    assert "Sahelia HCT action plan" in Document(BytesIO(content)).core_properties.title
    assert document.params["chat_id"] == HC_CHAT
    methods = [call.method for call in telegram_api.calls if call.method in {"sendMessage", "sendDocument"}]
    assert methods == ["sendMessage", "sendDocument"]


async def test_the_command_menu_is_set_in_english_and_in_french(
        bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    english, french = telegram_api.calls_to("setMyCommands")
    assert "language_code" not in english.params
    assert french.params["language_code"] == "fr"
    english_menu = {command["command"]: command["description"] for command in english.params["commands"]}
    french_menu = {command["command"]: command["description"] for command in french.params["commands"]}
    checkin = next(command for command in default_commands() if command.name == "checkin")
    assert english_menu["checkin"] == checkin.help
    assert french_menu["point"] == checkin.help_fr
    assert "checkin" not in french_menu
    assert "start" not in english_menu


async def test_a_rate_limited_reply_waits_and_arrives_once(
        app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    telegram_api.fail_next("sendMessage", 429, retry_after=1)
    [answer] = await exchange(telegram_api, message_update(HC_CHAT, QUESTION))
    assert "<b>" in answer.params["text"]
    # The next message of the chat is handled after the first: nothing else came in between.
    [help_text] = await exchange(telegram_api, message_update(HC_CHAT, "/help"))
    assert "/topics" in help_text.params["text"]
    assert len(telegram_api.calls_to("sendMessage")) == 2
    assert [call.status for call in telegram_api.calls_to("sendMessage", ok_only=False)] == [429, 200, 200]


async def test_a_chat_that_blocked_the_bot_mid_conversation_is_deactivated(
        app: App, bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    await link_chat(app.database, HC, HC_CHAT)
    telegram_api.fail_for_chat(HC_CHAT, 403)
    telegram_api.push_update(message_update(HC_CHAT, "/plan"))
    await telegram_api.wait_for("sendMessage", ok_only=False)

    async def deactivated() -> bool:
        [identity] = await identities(app.database)
        return not identity.active and "blocked" in (identity.inactive_reason or "")

    await eventually(deactivated)


# --- the outbox through TelegramMessenger -----------------------------------------------------------------


@pytest.fixture
async def messenger(telegram_api: TelegramApiStub) -> AsyncIterator[TelegramMessenger]:
    async with Bot(TOKEN, base_url=telegram_api.base_url) as plain_bot:
        yield TelegramMessenger(plain_bot)


async def queue(database: Database, reply: Reply, chat_id: int = 1001) -> None:
    await link_chat(database, HC, chat_id)
    async with database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        await outbox.enqueue(session, dedupe_key="nudge:sahelia-2026:before-7", kind="nudge", person_id=person.id,
                             payload=reply_to_json(reply), due_at=START, now=START)


async def outbox_row(database: Database) -> OutboxMessage:
    async with database.transaction() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


def nudge() -> Reply:
    return (ReplyBuilder().add("The ERC update for ", bold("Sahelia <2026>"), " is due in 7 days.")
            .button("Draft update", "report:#1").button("Mark as sent", "submitted:#1").build())


async def test_a_nudge_is_delivered_to_the_linked_chat(
        app: App, messenger: TelegramMessenger, telegram_api: TelegramApiStub) -> None:
    await queue(app.database, nudge())
    report = await Deliverer(app.database, [messenger], now=app.clock.now).deliver()
    assert report.sent == 1
    [sent] = telegram_api.calls_to("sendMessage")
    assert sent.params["chat_id"] == 1001
    assert sent.params["text"] == "The ERC update for <b>Sahelia &lt;2026&gt;</b> is due in 7 days."
    assert buttons(sent) == {"Draft update": "report:#1", "Mark as sent": "submitted:#1"}
    row = await outbox_row(app.database)
    assert row.status is OutboxStatus.SENT
    assert row.delivered_to == "telegram:1001"


async def test_a_429_is_waited_out_and_the_nudge_arrives_once(
        app: App, messenger: TelegramMessenger, telegram_api: TelegramApiStub) -> None:
    await queue(app.database, nudge())
    telegram_api.fail_next("sendMessage", 429, retry_after=1)
    report = await Deliverer(app.database, [messenger], now=app.clock.now).deliver()
    assert (report.sent, report.rate_limited) == (1, 1)
    assert len(telegram_api.calls_to("sendMessage")) == 1
    assert len(telegram_api.calls_to("sendMessage", ok_only=False)) == 2
    assert (await outbox_row(app.database)).status is OutboxStatus.SENT


async def test_a_blocked_bot_deactivates_the_chat_and_fails_the_message(
        app: App, messenger: TelegramMessenger, telegram_api: TelegramApiStub) -> None:
    await queue(app.database, nudge())
    telegram_api.fail_for_chat(1001, 403)
    report = await Deliverer(app.database, [messenger], now=app.clock.now).deliver()
    assert (report.failed, report.deactivated) == (1, 1)
    [identity] = await identities(app.database)
    assert not identity.active
    assert identity.inactive_reason == "Forbidden: bot was blocked by the user"
    row = await outbox_row(app.database)
    assert row.status is OutboxStatus.FAILED
    assert "blocked by the user" in (row.last_error or "")
    assert telegram_api.calls_to("sendMessage") == []


async def test_a_long_message_is_split_and_a_429_midway_repeats_no_part(
        app: App, messenger: TelegramMessenger, telegram_api: TelegramApiStub) -> None:
    long = ReplyBuilder()
    for number in range(120):
        long.add(f"{number}. ", bold("Protection & PSEA"), " " + "a long line of the broadcast " * 3)
    reply = long.button("Useful", "fb:1:useful").build()
    await queue(app.database, reply)
    telegram_api.fail_next("sendMessage", 429, retry_after=1, after=1)
    report = await Deliverer(app.database, [messenger], now=app.clock.now).deliver()
    assert report.sent == 1
    sent = telegram_api.calls_to("sendMessage")
    assert len(sent) >= 3
    assert all(len(text) <= 4096 for text in texts(sent))
    assert texts(sent) == render_html(reply)  # every part once, in order
    assert [bool(buttons(call)) for call in sent] == [False] * (len(sent) - 1) + [True]


# --- webhook mode -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_only_calls_carrying_the_secret(
        app: App, telegram_api: TelegramApiStub) -> None:
    port = free_port()
    webhook = WebhookSettings(url="https://hcbot.example.invalid/telegram", secret=SECRET, listen="127.0.0.1",
                              port=port, path="telegram")
    hooked = telegram_bot(app, telegram_api, webhook)
    await hooked.start()
    try:
        [registered] = telegram_api.calls_to("setWebhook")
        assert registered.params["url"] == webhook.url
        assert registered.params["secret_token"] == SECRET
        endpoint = f"http://127.0.0.1:{port}/telegram"
        update = {"update_id": 9001, **message_update(HC_CHAT, "/help")}
        async with aiohttp.ClientSession() as client:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guessed"}):
                async with client.post(endpoint, json=update, headers=headers) as refused:
                    assert refused.status == 403
            good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            for _ in range(2):  # Telegram retries a webhook call it thinks failed: answered once
                async with client.post(endpoint, json=update, headers=good) as accepted:
                    assert accepted.status == 200
            async with client.post(endpoint, json={"update_id": 9002, **message_update(HC_CHAT, "/topics")},
                                   headers=good) as accepted:
                assert accepted.status == 200
            await telegram_api.wait_for("sendMessage", 2)
    finally:
        await hooked.stop()
    help_text, topics = telegram_api.calls_to("sendMessage")
    assert "/topics" in help_text.params["text"]
    assert topics.params["chat_id"] == HC_CHAT
    assert telegram_api.calls_to("getUpdates", ok_only=False) == []


async def test_webhook_mode_without_a_secret_refuses_to_start(app: App, telegram_api: TelegramApiStub) -> None:
    with pytest.raises(TelegramSetupError, match="secret"):
        telegram_bot(app, telegram_api, WebhookSettings(url="https://hcbot.example.invalid/telegram", secret=""))


# --- secrets stay out of the logs -------------------------------------------------------------------------


async def test_neither_the_token_nor_the_webhook_secret_is_ever_logged(
        app: App, telegram_api: TelegramApiStub, caplog: pytest.LogCaptureFixture) -> None:
    for name in ("httpx", "telegram.Bot", "telegram.ext.ExtBot"):
        logging.getLogger(name).setLevel(logging.NOTSET)  # as a fresh process has them: the bot must quiet them
    caplog.set_level(logging.DEBUG)
    polling = telegram_bot(app, telegram_api)
    await polling.start()
    try:
        await exchange(telegram_api, message_update(HC_CHAT, QUESTION))
        await link_chat(app.database, HC, HC_CHAT)
        telegram_api.fail_for_chat(HC_CHAT, 403)
        await exchange(telegram_api, message_update(HC_CHAT, "/plan"), replies=0)
        await telegram_api.wait_for("sendMessage", 2, ok_only=False)
    finally:
        await polling.stop()
    hooked = telegram_bot(app, telegram_api, WebhookSettings(
        url="https://hcbot.example.invalid/telegram", secret=SECRET, listen="127.0.0.1", port=free_port()))
    await hooked.start()
    await hooked.stop()
    with pytest.raises(TelegramSetupError) as refused:
        await telegram_bot(app, telegram_api, token="7000001:AAH-a-wrong-token-also-secret").start()
    assert "wrong-token" not in str(refused.value)

    assert len(telegram_api.calls_to("setWebhook")) == 1
    assert telegram_api.calls_to("sendMessage")
    assert any(record.levelno == logging.DEBUG for record in caplog.records)  # the test saw the chatty levels
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    for secret in (TOKEN, TOKEN.split(":", 1)[1], SECRET, "wrong-token"):
        assert secret not in logged


async def test_the_settings_choose_polling_or_a_webhook_and_refuse_a_webhook_without_secret(
        app: App, telegram_api: TelegramApiStub) -> None:
    def from_settings(**values: Any) -> TelegramBot | None:
        settings = Settings(database_url="sqlite://", telegram_api_url=telegram_api.base_url, **values)
        return telegram_bot_from_settings(settings, app.live)

    assert from_settings() is None
    polling = from_settings(telegram_token=TOKEN)
    assert polling is not None
    assert polling.webhook is None
    assert polling.messenger.limits == RateLimits(overall_per_second=30, per_chat_per_second=1, concurrent=2)
    unpaced = from_settings(telegram_token=TOKEN, telegram_messages_per_second=0)
    assert unpaced is not None
    assert unpaced.messenger.limits.overall_per_second is None
    hooked = from_settings(telegram_token=TOKEN, telegram_webhook_url="https://hcbot.example.invalid/telegram",
                           telegram_webhook_secret=SECRET, telegram_webhook_port=8444)
    assert hooked is not None
    assert hooked.webhook is not None
    assert (hooked.webhook.secret, hooked.webhook.port, hooked.webhook.path) == (SECRET, 8444, "telegram")
    with pytest.raises(TelegramSetupError, match="secret"):
        from_settings(telegram_token=TOKEN, telegram_webhook_url="https://hcbot.example.invalid/telegram")


# --- what Telegram may send that the bot must survive ----------------------------------------------------


def recorded(name: str) -> dict[str, Any]:
    """A recorded update without its id: the stub numbers updates in the order they are queued."""
    update = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    update.pop("update_id")
    assert isinstance(update, dict)
    return update


async def test_polling_skips_an_update_it_cannot_parse_and_answers_the_next(
        bot: TelegramBot, telegram_api: TelegramApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    polls_before = len(telegram_api.calls_to("getUpdates", ok_only=False))
    telegram_api.push_update(recorded("bot_api_test_update"))  # no from.is_bot, no chat.type
    [answer] = await exchange(telegram_api, message_update(HC_CHAT, "/help"))
    assert answer.params["chat_id"] == HC_CHAT
    assert "/topics" in answer.params["text"]
    # Without the skip, PTB fetches the same batch again at once, forever.
    assert len(telegram_api.calls_to("getUpdates", ok_only=False)) - polls_before < 10
    skipped = [record for record in caplog.records if "skipped" in record.getMessage()]
    assert len(skipped) == 1
    assert skipped[0].levelno == logging.WARNING
    assert "/start" not in caplog.text
    assert not [record for record in caplog.records
                                                 if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(("backend", "body"), [("aiohttp", "application/json"),
                                                ("httpx", "application/x-www-form-urlencoded")])
async def test_polling_goes_through_the_backend_the_sends_use(
        app: App, telegram_api: TelegramApiStub, backend: str, body: str) -> None:
    # getUpdates was on PTB's httpx whatever the sends used: when few people write, each
    # question has a poll of its own, and that poll was a quarter of the bot's CPU.
    telegram = TelegramBot(TOKEN, app.live, base_url=telegram_api.base_url, poll_timeout=timedelta(seconds=2),
                           http_backend=backend)
    app.add_messenger(telegram.messenger)
    await telegram.start()
    try:
        [answer] = await exchange(telegram_api, message_update(HC_CHAT, "/help"))
    finally:
        await telegram.stop()
    polls = telegram_api.calls_to("getUpdates", ok_only=False)
    assert polls
    assert {poll.content_type for poll in polls} == {body}
    assert answer.content_type == body


async def test_a_poll_cancelled_as_its_batch_is_handled_is_not_made(telegram_api: TelegramApiStub) -> None:
    # PTB's stop cancels the poll the moment the last update is handled. asyncio.wait_for (Python
    # 3.11) dropped a cancellation that came as its wait ended: the poll went on, holding the
    # connection that PTB's closing getUpdates then waited for, and timed out (logged as an error).
    request = UpdatesRequest(sending_request("aiohttp", connection_pool_size=1, read_timeout=5.0))
    await request.initialize()
    try:
        request.unhandled.add(7)  # fetched, not yet handled: a poll confirming it waits
        data = RequestData([RequestParameter("offset", 8, None), RequestParameter("timeout", 0, None)])
        poll = asyncio.ensure_future(request.do_request(f"{telegram_api.base_url}{TOKEN}/getUpdates", "POST", data))
        await asyncio.sleep(0)  # one step: the poll reaches its wait, its first suspension
        assert not poll.done()
        request.handled(7)
        poll.cancel()  # in the same step, as PTB's stop does
        with pytest.raises(asyncio.CancelledError):
            await poll
        assert telegram_api.calls_to("getUpdates", ok_only=False) == []
    finally:
        await request.shutdown()


async def test_the_token_is_blanked_even_in_a_librarys_traceback(
        app: App, telegram_api: TelegramApiStub, tmp_path: Path) -> None:
    telegram_bot(app, telegram_api)  # the bot registers its token as it is built
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    log = tmp_path / "hcbot.log"

    def connection_timeout() -> None:
        # What aiohttp's connection timeout says: the URL, token included.
        raise TimeoutError(f"Connection timeout to host {telegram_api.base_url}{TOKEN}/getUpdates")

    try:
        configure("DEBUG", file=log)
        try:
            connection_timeout()
        except TimeoutError:
            logging.getLogger("telegram.ext.Updater").exception("Error while calling `get_updates`")
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    written = log.read_text(encoding="utf-8")
    assert "Error while calling `get_updates`" in written
    assert "Traceback" in written
    assert TOKEN not in written
    assert TOKEN.split(":", 1)[1] not in written
    assert f"/bot{REDACTED}/getUpdates" in written


async def test_a_forwarded_private_message_is_answered_as_a_question(
        bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    forwarded = recorded("forwarded_message")
    forwarded["message"]["text"] = QUESTION
    [answer] = await exchange(telegram_api, forwarded)
    assert answer.params["chat_id"] == 215983066
    assert "<b>" in answer.params["text"]


@pytest.mark.parametrize("name", ["my_chat_member", "channel_post", "forum_topic_message"])
async def test_membership_changes_channel_posts_and_forum_topics_are_ignored_without_error(
        name: str, bot: TelegramBot, telegram_api: TelegramApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    telegram_api.push_update(recorded(name))

    async def handled() -> bool:
        return bot.handled == 1

    await eventually(handled)
    [answer] = await exchange(telegram_api, message_update(HC_CHAT, "/help"))  # polling goes on
    assert telegram_api.calls_to("sendMessage", ok_only=False) == [answer]
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_button_on_an_inline_message_stops_the_spinner_and_nothing_else(
        bot: TelegramBot, telegram_api: TelegramApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    telegram_api.push_update(recorded("callback_inline_message"))
    [answered] = await telegram_api.wait_for("answerCallbackQuery")
    assert answered.params["callback_query_id"] == "4382bfdwdsb323b2d9"

    async def handled() -> bool:
        return bot.handled == 1

    await eventually(handled)
    assert telegram_api.calls_to("sendMessage", ok_only=False) == []
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


async def test_a_captioned_photo_is_a_question_and_blank_text_gets_a_short_answer(
        bot: TelegramBot, telegram_api: TelegramApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)
    photo = message_update(HC_CHAT, "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}]
    photo["message"]["caption"] = QUESTION
    [answer] = await exchange(telegram_api, photo)
    assert "<b>" in answer.params["text"]
    [blank] = await exchange(telegram_api, message_update(HC_CHAT, "   "))
    assert blank.params["text"].strip()
    assert blank.params["chat_id"] == HC_CHAT
    assert "Something went wrong" not in blank.params["text"]
    assert caplog.records == []


async def test_a_sticker_from_a_french_speaking_stranger_gets_the_sentence_in_french(
        bot: TelegramBot, telegram_api: TelegramApiStub) -> None:
    sticker = recorded("sticker")
    sticker["message"]["from"]["language_code"] = "fr-FR"
    [said] = await exchange(telegram_api, sticker)
    assert said.params["text"] == t("text_only", "fr")


# --- the stub refuses what Telegram refuses ------------------------------------------------------------


async def test_the_stub_refuses_what_telegram_refuses(telegram_api: TelegramApiStub) -> None:
    async with Bot(TOKEN, base_url=telegram_api.base_url) as plain_bot:
        refusals: dict[str, dict[str, Any]] = {
            "can't parse entities: Unsupported start tag \"x\" at byte offset 4":
                {"text": "<b>a<x>b</x></b>", "parse_mode": "HTML"},
            "can't parse entities: Can't find end tag": {"text": "<b>open", "parse_mode": "HTML"},
            "message is too long": {"text": "&lt;" * 4097, "parse_mode": "HTML"},
            "message text is empty": {"text": "<b> </b>", "parse_mode": "HTML"},
            "BUTTON_DATA_INVALID": {"text": "ok", "reply_markup": InlineKeyboardMarkup(
                [[InlineKeyboardButton("x", callback_data="é" * 33)]])},
        }
        for description, params in refusals.items():
            # PTB drops "Bad Request: " and capitalizes the rest.
            with pytest.raises(BadRequest, match=re.compile(re.escape(description), re.IGNORECASE)):
                await plain_bot.send_message(HC_CHAT, **params)
        # What Telegram takes, the stub takes: 4,096 characters once entities are read.
        await plain_bot.send_message(HC_CHAT, "&lt;" * 4096, parse_mode="HTML")
    assert [call.status for call in telegram_api.calls_to("sendMessage", ok_only=False)] == [400] * 5 + [200]


async def test_a_refused_rendering_is_sent_once_more_as_plain_text(
        app: App, messenger: TelegramMessenger, telegram_api: TelegramApiStub) -> None:
    reply = nudge()
    await queue(app.database, reply)
    refusal = "Bad Request: can't parse entities: Unsupported start tag \"q\" at byte offset 1"
    telegram_api.fail_next("sendMessage", 400, description=refusal)
    report = await Deliverer(app.database, [messenger], now=app.clock.now).deliver()
    assert report.sent == 1
    refused, plain = telegram_api.calls_to("sendMessage", ok_only=False)
    assert refused.status == 400
    assert refused.params["parse_mode"] == "HTML"
    assert "parse_mode" not in plain.params
    assert [plain.params["text"]] == render_plain(reply)
    assert plain.params["text"] == "The ERC update for Sahelia <2026> is due in 7 days."
    assert buttons(plain) == {"Draft update": "report:#1", "Mark as sent": "submitted:#1"}
    assert (await outbox_row(app.database)).status is OutboxStatus.SENT


async def test_hcbot_tick_delivers_through_telegram_when_it_is_configured(
        tmp_path: Path, telegram_api: TelegramApiStub) -> None:
    # A cron deployment: `hcbot tick` alone must send the nudges to people's chats, not print them.
    import os
    import sys

    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
           "HCBOT_TELEGRAM_TOKEN": TOKEN, "HCBOT_TELEGRAM_API_URL": telegram_api.base_url}

    async def hcbot(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *args, env=env, cwd=tmp_path,
                                                       stdout=asyncio.subprocess.PIPE,
                                                       stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate()
        return await process.wait(), output.decode()

    assert (await hcbot("admin", "import", str(Path(__file__).parent.parent / "examples" / "operations.yaml")))[0] == 0
    database = Database(env["HCBOT_DATABASE_URL"])
    await link_chat(database, HC, HC_CHAT)
    await database.dispose()
    code, output = await hcbot("tick", "--now", "2026-10-08T08:30+00:00")
    assert code == 0, output
    assert "-->" not in output  # nothing printed instead of sent
    sent = [call.params["text"] for call in telegram_api.calls_to("sendMessage") if call.params["chat_id"] == HC_CHAT]
    assert any("7 days left" in text for text in sent), sent  # the T-7 nudge, in Amina's chat
    assert not telegram_api.calls_to("getUpdates")  # a tick sends; it takes no messages


def test_a_new_connection_has_the_connect_timeout_on_top_of_the_pool_wait() -> None:
    # aiohttp's "connect" covers the pool wait and the new connection's whole setup: bounded by the
    # pool wait alone, every reconnect over a slow link failed after 1 s, whatever 5 s allowed.
    timeout = client_timeout(pool=1.0, connect=5.0, read=5.0)
    assert (timeout.connect, timeout.sock_connect, timeout.sock_read, timeout.total) == (6.0, 5.0, 5.0, None)
    assert client_timeout(pool=None, connect=5.0, read=None).connect is None  # no pool bound: TCP's alone
