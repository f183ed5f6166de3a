"""Helpers for the fault-injection suite (tests/test_faults.py): real `hcbot run` processes against
the stub Bot API in the test's own event loop, and what the database says afterwards.

The stub runs in the test's event loop; the bot runs in a subprocess started with ``Popen`` (which
does not block), and every wait is an ``asyncio.sleep`` poll, so the stub keeps answering while a
test waits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

from handlers.messages import reply_to_json, text_reply
from handlers.nudges.reconcile import reconcile
from storage.database import Database
from storage.models import (
    ChatIdentity,
    CheckinSession,
    CheckinStep,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from storage.repositories import OPEN_CHECKIN_STEPS
from tests.stubs.telegram_api import TOKEN, TelegramApiStub

CHUNK = 30  # the deliverer's chunk: the most one kill can leave in doubt


def bot_env(url: str, stub: TelegramApiStub | str, **settings: str) -> dict[str, str]:
    """The environment of an `hcbot run` on Telegram through the stub, without the console."""
    base_url = stub if isinstance(stub, str) else stub.base_url
    env = {**os.environ, "HCBOT_DATABASE_URL": url, "HCBOT_TELEGRAM_TOKEN": TOKEN,
           "HCBOT_TELEGRAM_API_URL": base_url, "HCBOT_CONSOLE": "false", "HCBOT_LOG_LEVEL": "WARNING",
           "PTB_TIMEDELTA": "true"}
    env.update({f"HCBOT_{name.upper()}": value for name, value in settings.items()})
    return env


class BotRun:
    """One `hcbot run` subprocess; its standard error goes to a file (read it when a test fails)."""

    def __init__(self, env: Mapping[str, str], folder: Path, name: str = "bot") -> None:
        self.log = folder / f"{name}-stderr.log"
        # Its PostgreSQL sessions carry its name (libpq reads PGAPPNAME): see server_let_go.
        self.application_name = f"hcbot-test-{name}-{os.getpid()}"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"],
                                            env={**env, "PGAPPNAME": self.application_name}, cwd=folder,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        self.started_at = time.monotonic()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def kill9(self) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    async def terminate(self, timeout: float = 15.0) -> tuple[int, float]:
        """SIGTERM, then waits for the exit; returns the exit code and how long the exit took."""
        asked = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        while self.process.poll() is None:
            if time.monotonic() - asked > timeout:
                self.kill9()
                raise AssertionError(f"no exit {timeout} s after SIGTERM: {self.stderr()}")
            await asyncio.sleep(0.02)
        return self.process.returncode, time.monotonic() - asked

    def stop_quietly(self) -> None:
        """For a test's cleanup: whatever happened, the process does not outlive the test."""
        if self.alive:
            self.kill9()


async def server_let_go(database: Database, bot: BotRun) -> bool:
    """Whether the database server holds no session of ``bot`` any more (always, on SQLite).

    A process killed by SIGKILL writes nothing more, but a COMMIT it had already sent to
    PostgreSQL is still carried out by the server: read at once after the kill, a reply can look
    claimed and then turn out recorded as sent a moment later. Its sessions end once the server
    has finished what it was given and found the connection closed."""
    if database.dialect != "postgresql":
        return True
    async with database.transaction() as session:
        left = await session.execute(select(func.count()).select_from(text("pg_stat_activity"))
                                     .where(text("application_name = :name")), {"name": bot.application_name})
        return left.scalar_one() == 0


async def until(condition: Callable[[], Awaitable[bool] | bool], timeout: float, what: str | Callable[[], str],
                every: float = 0.02, bots: tuple[BotRun, ...] = ()) -> None:
    """Polls ``condition`` until it holds; fails after ``timeout`` seconds, or at once when one of
    ``bots`` exited. ``what`` says what was awaited (a function: read when the wait fails)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        for bot in bots:
            assert bot.alive, f"the bot exited ({bot.process.returncode}) waiting for {_say(what)}: {bot.stderr()}"
        assert loop.time() < deadline, f"timed out after {timeout} s waiting for {_say(what)}"
        await asyncio.sleep(every)


def _say(what: str | Callable[[], str]) -> str:
    return what if isinstance(what, str) else what()


async def polled(stub: TelegramApiStub, after: int) -> bool:
    """Whether a getUpdates arrived after the first ``after`` calls (a bot is up and polling)."""
    return len(stub.calls_to("getUpdates", ok_only=False)) > after


async def quiet_schedule(database: Database) -> None:
    """What the scheduler would queue by itself today (nudges for the example plans, a check-in
    for the HC) is queued now and marked failed, and check-ins it opened are closed: the bots under
    test then send only what a test asks for."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await reconcile(session, now)
    async with database.transaction() as session:
        await session.execute(update(OutboxMessage).values(status=OutboxStatus.FAILED, last_error="test setup"))
        await session.execute(update(CheckinSession).where(CheckinSession.step.in_(OPEN_CHECKIN_STEPS))
                              .values(step=CheckinStep.EXPIRED))


async def link_chat(database: Database, email: str, chat_id: int) -> None:
    async with database.transaction() as session:
        person_id = (await session.execute(select(Person.id).where(Person.email == email))).scalar_one()
        await session.execute(insert(ChatIdentity).values(
            person_id=person_id, platform="telegram", external_user_id=str(chat_id), chat_id=str(chat_id),
            active=True))


async def seed_members(database: Database, count: int, first_chat: int) -> list[int]:
    """``count`` people, each with a Telegram chat ``first_chat + n``; returns their ids in order."""
    async with database.transaction() as session:
        await session.execute(insert(Person), [
            {"name": f"Member {n}", "email": f"member{n}@faults.invalid", "role": Role.HCT_MEMBER, "language": "en",
             "notices": True} for n in range(count)])
    async with database.transaction() as session:
        people = list((await session.execute(select(Person.id).where(Person.email.like("%@faults.invalid"))
                                             .order_by(Person.id))).scalars())
        await session.execute(insert(ChatIdentity), [
            {"person_id": person_id, "platform": "telegram", "external_user_id": str(first_chat + n),
             "chat_id": str(first_chat + n), "active": True} for n, person_id in enumerate(people)])
    return people


async def queue_messages(database: Database, people: list[int], tag: str = "fault") -> None:
    """One due outbox row per person ("fault n"), as the reconcile pass would write them."""
    now = datetime.now(UTC)
    async with database.transaction() as session:
        await session.execute(insert(OutboxMessage), [
            {"dedupe_key": f"{tag}:{n}", "kind": "nudge", "person_id": person_id, "status": OutboxStatus.PENDING,
             "attempts": 0, "payload": reply_to_json(text_reply(f"{tag} message {n}")), "due_at": now,
             "created_at": now} for n, person_id in enumerate(people)])


async def statuses(database: Database, kind: str | None = None) -> Counter[str]:
    """How many outbox rows are in each status (of one kind, or all)."""
    statement = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if kind is not None:
        statement = statement.where(OutboxMessage.kind == kind)
    async with database.transaction() as session:
        return Counter({status.value: int(count) for status, count in (await session.execute(statement)).all()})


async def rows_by_chat(database: Database) -> dict[str, tuple[OutboxStatus, str | None]]:
    """Each proactive row's status and last error, by the chat of its person."""
    async with database.transaction() as session:
        found = await session.execute(
            select(ChatIdentity.chat_id, OutboxMessage.status, OutboxMessage.last_error)
            .join(ChatIdentity, ChatIdentity.person_id == OutboxMessage.person_id)
            .where(OutboxMessage.kind != "reply"))
        return {chat: (status, error) for chat, status, error in found.all()}


def per_chat(stub: TelegramApiStub) -> Counter[str]:
    """How many messages each chat received (the stub took them: 200 answered or answer lost)."""
    return Counter(str(call.params["chat_id"]) for call in stub.calls_to("sendMessage"))


def hcbot(env: Mapping[str, str], folder: Path, *arguments: str,
          timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *arguments], env=dict(env), cwd=folder,
                          capture_output=True, text=True, timeout=timeout, check=False)
