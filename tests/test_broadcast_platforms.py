"""A broadcast through the real python-telegram-bot and slack-sdk against the stub platforms, with
429s and unreachable chats injected: each reachable person gets exactly one message, the blocked
ones are marked inactive and reported with the platform's reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from telegram import Bot

from bot.slack.messenger import SlackMessenger, web_client
from bot.telegram.messenger import TelegramMessenger
from handlers.broadcasts import sending
from handlers.delivery import Deliverer
from storage.database import Database
from storage.models import Broadcast, ChatIdentity, Person, Role
from tests.conftest import database_url, fresh_database
from tests.stubs.slack_api import BOT_TOKEN, SlackApiStub
from tests.stubs.telegram_api import TOKEN, TelegramApiStub

NOW = datetime(2026, 11, 23, 14, tzinfo=UTC)
PEOPLE = 24


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(backend, tmp_path))
    async with database.transaction() as session:
        await session.execute(insert(Person), [
            {"name": f"Member {n}", "email": f"m{n}@b.invalid", "role": Role.HCT_MEMBER,
             "language": "fr" if n % 4 == 0 else "en", "notices": True} for n in range(PEOPLE)])
        ids = (await session.execute(select(Person.id).order_by(Person.id))).scalars().all()
        await session.execute(insert(ChatIdentity), [
            {"person_id": person_id, "platform": "telegram" if n % 2 else "slack", "external_user_id": f"u{n}",
             "chat_id": str(9000 + n) if n % 2 else f"D{9000 + n}", "active": True}
            for n, person_id in enumerate(ids)])
        await sending.schedule(session, sending.parse_notice("Webinar on cash coordination.\n---fr---\n"
                                                                   "Webinaire sur la coordination du cash."),
                                  {}, NOW, NOW, None)
    yield database
    await database.dispose()


async def test_a_broadcast_with_rate_limits_and_blocked_chats_reaches_everyone_else_once(
        database: Database, telegram_api: TelegramApiStub, slack_api: SlackApiStub) -> None:
    telegram_api.fail_next("sendMessage", 429, retry_after=1, after=3)
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1)
    telegram_api.fail_for_chat(9001, 403)
    slack_api.error_for_channel("D9002", "account_inactive")
    async with Bot(TOKEN, base_url=telegram_api.base_url) as bot:
        slack = SlackMessenger(web_client(BOT_TOKEN, slack_api.api_url, retries=False))
        report = await Deliverer(database, [TelegramMessenger(bot), slack], now=lambda: NOW).deliver()
    assert (report.sent, report.failed, report.deactivated, report.rate_limited) == (PEOPLE - 2, 2, 2, 2)

    per_chat = Counter(str(call.params["chat_id"]) for call in telegram_api.calls_to("sendMessage"))
    per_chat.update(str(call.args["channel"]) for call in slack_api.posts())
    assert set(per_chat.values()) == {1}
    assert len(per_chat) == PEOPLE - 2
    assert "9001" not in per_chat
    assert "D9002" not in per_chat
    french = [call.args["channel"] for call in slack_api.posts() if "Webinaire" in str(call.args["text"])]
    assert sorted(french) == [f"D{9000 + n}" for n in range(0, PEOPLE, 4)]  # the French speakers, in French
    async with database.transaction() as session:
        broadcast = (await session.execute(select(Broadcast))).scalar_one()
        result = await sending.report(session, broadcast, NOW)
        inactive = (await session.execute(select(ChatIdentity.chat_id).where(
            ChatIdentity.active.is_(False)))).scalars().all()
    assert (result.sent, result.failed, result.pending) == (PEOPLE - 2, 2, 0)
    assert result.failures == {"Forbidden: bot was blocked by the user": 1, "slack: account_inactive": 1}
    assert sorted(inactive) == ["9001", "D9002"]


async def test_a_webinar_notice_with_its_calendar_file_and_remind_button_fits_both_platforms(
        database: Database, telegram_api: TelegramApiStub, slack_api: SlackApiStub) -> None:
    """The webinar's notice is a text, an .ics file and a "Remind me" button: the stubs refuse what
    the platforms refuse (callback data over 64 bytes, bad blocks), so each one arriving whole is the
    proof that the real APIs take it."""
    notice = sending.parse_notice("---\nwebinar:\n  title: PSEA networks\n  start: 2026-12-03 14:00\n"
                                  "  timezone: Europe/Zurich\n  link: https://example.org/psea\n---\nJoin us.\n")
    async with database.transaction() as session:
        for broadcast in (await session.execute(select(Broadcast))).scalars():
            await sending.cancel(session, broadcast, NOW)  # the fixture's plain notice: not this test's
        webinar = await sending.schedule(session, notice, {}, NOW, NOW, None, local_hours=False)
    async with Bot(TOKEN, base_url=telegram_api.base_url) as bot:
        slack = SlackMessenger(web_client(BOT_TOKEN, slack_api.api_url, retries=False))
        report = await Deliverer(database, [TelegramMessenger(bot), slack], now=lambda: NOW).deliver()
    assert (report.sent, report.failed) == (PEOPLE, 0)
    remind = f"bc:{webinar.id}:remind"
    telegram_buttons = [button["callback_data"] for call in telegram_api.calls
                        for row in (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
                        for button in row]
    assert telegram_buttons == [remind] * (PEOPLE // 2)
    assert len(telegram_api.calls_to("sendDocument")) == PEOPLE // 2
    slack_values = [element.get("value") for call in slack_api.posts() for block in call.args.get("blocks") or []
                    if block.get("type") == "actions" for element in block["elements"]]
    assert slack_values == [remind] * (PEOPLE // 2)
    assert len(slack_api.calls_to("files.completeUploadExternal", ok_only=True)) == PEOPLE // 2
