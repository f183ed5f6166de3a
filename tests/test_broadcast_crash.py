"""A 5,000-recipient broadcast, the process killed with SIGKILL half-way, then started again: every
recipient ends up with at most one message, and everyone but the few rows in doubt with exactly one.

The bot is the real `hcbot run` in a subprocess, on Telegram through python-telegram-bot, pointed
at the stub Bot API in this process. The only messages that can be in doubt are the ones the killed
process had claimed for sending and not yet recorded (at most one chunk); they are not resent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

from handlers.broadcasts import sending
from handlers.delivery import Deliverer
from storage.database import Database
from storage.models import ChatIdentity, OutboxMessage, OutboxStatus, Person, Role
from tests.conftest import database_url, fresh_database
from tests.stubs.telegram_api import TOKEN, TelegramApiStub

RECIPIENTS = 5000
FIRST_CHAT = 500_000
CHUNK = 30  # the deliverer's default: the most a kill can leave in doubt


async def seed(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await session.execute(insert(Person), [
            {"name": f"Member {n}", "email": f"member{n}@crash.invalid", "role": Role.HCT_MEMBER, "language": "en",
             "notices": True} for n in range(RECIPIENTS)])
    async with database.transaction() as session:
        people = (await session.execute(select(Person.id).order_by(Person.id))).scalars().all()
        await session.execute(insert(ChatIdentity), [
            {"person_id": person_id, "platform": "telegram", "external_user_id": str(FIRST_CHAT + n),
             "chat_id": str(FIRST_CHAT + n), "active": True} for n, person_id in enumerate(people)])
        await sending.schedule(session, sending.parse_notice("Webinar on PSEA networks, Thursday."), {},
                                  now, now, None, local_hours=False)


def start_bot(url: str, stub: TelegramApiStub, folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HCBOT_DATABASE_URL": url, "HCBOT_TELEGRAM_TOKEN": TOKEN,
           "HCBOT_TELEGRAM_API_URL": stub.base_url, "HCBOT_TELEGRAM_MESSAGES_PER_SECOND": "0",
           "HCBOT_CONSOLE": "false", "HCBOT_LOG_LEVEL": "WARNING"}
    with (folder / "bot-stderr.log").open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=folder,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)


async def until(condition: object, timeout: float, what: str) -> None:
    assert callable(condition)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_sigkill_mid_broadcast_then_restart_sends_each_message_at_most_once(
        backend: str, tmp_path: Path, telegram_api: TelegramApiStub) -> None:
    stub = telegram_api
    url = database_url(backend, tmp_path)
    database = await fresh_database(url)
    await seed(database)

    def delivered() -> int:
        return len(stub.calls_to("sendMessage"))

    first = start_bot(url, stub, tmp_path)
    try:
        await until(lambda: delivered() >= RECIPIENTS // 3 or first.poll() is not None, 60, "a third sent")
        assert first.poll() is None, (tmp_path / "bot-stderr.log").read_text(errors="replace")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = delivered()
    assert killed_at < RECIPIENTS, "the kill came too late to test anything"

    async def count(status: OutboxStatus) -> int:
        async with database.transaction() as session:
            return int((await session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == status))).scalar_one())
    left_in_doubt = await count(OutboxStatus.SENDING)
    assert left_in_doubt <= CHUNK

    second = start_bot(url, stub, tmp_path)
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 90
        # Done when nothing waits and nothing is in flight but what the killed process left.
        while await count(OutboxStatus.PENDING) or await count(OutboxStatus.SENDING) > left_in_doubt:
            assert second.poll() is None, "the restarted bot exited before it finished"
            assert loop.time() < deadline, "the restarted bot did not finish"
            await asyncio.sleep(0.1)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
    finally:
        if second.poll() is None:
            second.kill()

    per_chat = Counter(str(call.params["chat_id"]) for call in stub.calls_to("sendMessage"))
    assert max(per_chat.values()) == 1, "a recipient got the notice twice"
    async with database.transaction() as session:
        rows = (await session.execute(select(OutboxMessage.status, OutboxMessage.delivered_to, ChatIdentity.chat_id)
                                      .join(ChatIdentity, ChatIdentity.person_id == OutboxMessage.person_id))).all()
    assert len(rows) == RECIPIENTS
    in_doubt = {chat for status, _to, chat in rows if status is OutboxStatus.SENDING}
    sent = {chat for status, _to, chat in rows if status is OutboxStatus.SENT}
    assert len(sent) + len(in_doubt) == RECIPIENTS  # nothing pending, nothing failed
    assert len(in_doubt) == left_in_doubt  # the restart resent none of them
    assert all(per_chat[chat] == 1 for chat in sent)  # recorded as sent: delivered exactly once
    missing = {str(FIRST_CHAT + n) for n in range(RECIPIENTS)} - set(per_chat)
    assert missing <= in_doubt  # the only recipients who may lack it are the ones reported in doubt
    listed = (await Deliverer(database, [], now=lambda: datetime.now(UTC)).deliver())
    assert listed.sent == 0  # and nothing is left to send by any later pass
    await database.dispose()
