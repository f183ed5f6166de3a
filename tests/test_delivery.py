"""Delivery outcomes: sent once, rate limits, backoff, unreachable chats, routing between platforms,
and a crash mid-send that leaves a message in doubt rather than sending it twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from handlers.delivery import Deliverer, DeliveryError, RateLimits, Recipient, in_doubt
from handlers.messages import Reply, reply_to_json, text_reply
from storage import outbox
from storage import repositories as repo
from storage.database import Database
from storage.models import ChatIdentity, OutboxMessage, OutboxStatus
from tests.conftest import EXAMPLES, database_url, fresh_database

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
HC = "amina.hc@sahelia.invalid"


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    from handlers.secretariat.imports import import_file

    database = await fresh_database(database_url(backend, tmp_path))
    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        await repo.link_identity(session, person, "telegram", "1001", "1001")
        await outbox.enqueue(session, dedupe_key="test:1", kind="nudge", person_id=person.id,
                             payload=reply_to_json(text_reply("hello")), due_at=NOW, now=NOW)
    yield database
    await database.dispose()


class Killed(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the bot catches it."""


@dataclass
class Scripted:
    outcomes: list[BaseException | None] = field(default_factory=list)
    platform: str = "telegram"
    limits: RateLimits = field(default_factory=RateLimits)
    delivered: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.delivered.append((recipient.chat_id, reply.plain_text))


def deliverer(database: Database, *messengers: Scripted, at: datetime = NOW) -> Deliverer:
    return Deliverer(database, list(messengers), now=lambda: at)


async def row(database: Database) -> OutboxMessage:
    async with database.transaction() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


async def identity(database: Database, platform: str = "telegram") -> ChatIdentity:
    async with database.transaction() as session:
        return (await session.execute(select(ChatIdentity).where(ChatIdentity.platform == platform))).scalar_one()


async def test_sent_once_and_recorded_with_its_chat(database: Database) -> None:
    messenger = Scripted()
    assert (await deliverer(database, messenger).deliver()).sent == 1
    assert (await deliverer(database, messenger, at=NOW + timedelta(minutes=1)).deliver()).sent == 0
    assert messenger.delivered == [("1001", "hello")]
    sent = await row(database)
    assert sent.status is OutboxStatus.SENT
    assert sent.delivered_to == "telegram:1001"


async def test_a_short_rate_limit_is_waited_out_in_the_same_pass(database: Database) -> None:
    messenger = Scripted([DeliveryError("429 Too Many Requests", retry_after=0.05)])
    report = await deliverer(database, messenger).deliver()
    assert (report.sent, report.rate_limited) == (1, 1)
    assert messenger.delivered == [("1001", "hello")]


async def test_a_long_rate_limit_goes_back_to_the_outbox_until_its_time(database: Database) -> None:
    messenger = Scripted([DeliveryError("429 Too Many Requests", retry_after=600)])
    assert (await deliverer(database, messenger).deliver()).retried == 1
    waiting = await row(database)
    assert waiting.status is OutboxStatus.PENDING
    assert waiting.due_at == NOW + timedelta(seconds=600)
    assert (await deliverer(database, messenger, at=NOW + timedelta(seconds=10)).deliver()).sent == 0
    assert (await deliverer(database, messenger, at=NOW + timedelta(seconds=601)).deliver()).sent == 1
    assert messenger.delivered == [("1001", "hello")]


async def test_server_errors_back_off_then_fail_for_good_with_the_last_reason(database: Database) -> None:
    messenger = Scripted([DeliveryError(f"502 Bad Gateway ({n})") for n in range(20)])
    moment = NOW
    waits = []
    for attempt in range(1, 9):
        await deliverer(database, messenger, at=moment).deliver()
        current = await row(database)
        if attempt < 8:
            assert current.status is OutboxStatus.PENDING
            waits.append((current.due_at - moment).total_seconds())
            moment = current.due_at
    assert waits == [30, 60, 120, 240, 480, 960, 1920]
    failed = await row(database)
    assert failed.status is OutboxStatus.FAILED
    assert failed.attempts == 8
    assert "502" in (failed.last_error or "")
    assert messenger.delivered == []


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert [outbox.backoff(attempts).total_seconds() for attempts in range(0, 11)] == [
        30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]


async def test_a_blocked_bot_deactivates_the_chat_and_fails_with_its_reason(database: Database) -> None:
    messenger = Scripted([DeliveryError("Forbidden: bot was blocked by the user", unreachable=True)])
    report = await deliverer(database, messenger).deliver()
    assert (report.failed, report.deactivated) == (1, 1)
    failed = await row(database)
    assert failed.status is OutboxStatus.FAILED
    assert "blocked" in (failed.last_error or "")
    chat = await identity(database)
    assert not chat.active
    assert "blocked" in (chat.inactive_reason or "")


async def test_messages_follow_the_person_to_the_platform_they_last_used(database: Database) -> None:
    async with database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        slack = await repo.link_identity(session, person, "slack", "U1", "D1")
        slack.last_seen_at = NOW
    telegram, slack_messenger = Scripted(), Scripted(platform="slack")
    assert (await deliverer(database, telegram, slack_messenger).deliver()).sent == 1
    assert slack_messenger.delivered == [("D1", "hello")]
    assert telegram.delivered == []


async def test_a_platform_not_running_here_keeps_the_message_for_later(database: Database) -> None:
    slack_only = Scripted(platform="slack")
    report = await deliverer(database, slack_only).deliver()
    assert report.retried == 1
    waiting = await row(database)
    assert waiting.status is OutboxStatus.PENDING
    assert "telegram" in (waiting.last_error or "")


async def test_a_person_with_no_chat_at_all_fails_with_that_reason(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(delete(ChatIdentity))
    report = await deliverer(database, Scripted()).deliver()
    assert report.failed == 1
    assert (await row(database)).last_error == "no linked chat"


async def test_a_crash_mid_send_leaves_the_message_in_doubt_not_resent(database: Database) -> None:
    with pytest.raises(Killed):
        await deliverer(database, Scripted([Killed()])).deliver()
    messenger = Scripted()
    assert (await deliverer(database, messenger, at=NOW + timedelta(minutes=20)).deliver()).sent == 0
    assert messenger.delivered == []
    assert await in_doubt(database, NOW + timedelta(minutes=20)) == [(await row(database)).id]


async def test_one_chat_gets_its_messages_in_order_across_chunks(database: Database) -> None:
    async with database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        # Of a kind that is not spaced (one voice holds a person's second nudge for an hour): this
        # is about the order of one chat's messages across chunks, not about what the person is sent.
        for number in range(2, 8):
            await outbox.enqueue(session, dedupe_key=f"test:{number}", kind="escalation", person_id=person.id,
                                 payload=reply_to_json(text_reply(f"hello {number}")),
                                 due_at=NOW + timedelta(seconds=number), now=NOW)
    messenger = Scripted()
    late = NOW + timedelta(minutes=1)
    report = await Deliverer(database, [messenger], now=lambda: late, chunk=3).deliver()
    assert report.sent == 7
    assert [text for _chat, text in messenger.delivered] == ["hello", *(f"hello {n}" for n in range(2, 8))]


async def test_live_replies_sent_together_are_recorded_in_one_transaction(tmp_path: Path) -> None:
    """Five live replies whose records queue while the write lock is busy (SQLite's one writer):
    recorded together, not in a transaction each, and each recorded sent."""
    import asyncio

    from sqlalchemy import event, text

    database = await fresh_database(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    try:
        async with database.transaction() as session:
            claimed = [await outbox.enqueue_claimed_reply(
                session, dedupe_key=f"reply:group:{number}", person_id=None, platform="telegram",
                chat_id=str(2000 + number), thread=None, payload=reply_to_json(text_reply(f"answer {number}")),
                now=NOW) for number in range(5)]
        begins: list[object] = []
        event.listen(database.engine.sync_engine, "begin", begins.append)
        all_sent = asyncio.Event()

        @dataclass
        class Counting(Scripted):
            async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
                await super().send(recipient, reply, plain=plain)
                if len(self.delivered) == len(claimed):
                    all_sent.set()

        messenger = Counting()
        sender = deliverer(database, messenger)
        holding, release = asyncio.Event(), asyncio.Event()

        async def live_message_in_hand() -> None:
            async with database.transaction() as session:
                await session.execute(text("SELECT 1"))
                holding.set()
                await release.wait()

        holder = asyncio.create_task(live_message_in_hand())
        await holding.wait()
        before = len(begins)
        sends = [asyncio.create_task(sender.deliver_claimed([row])) for row in claimed if row is not None]
        await asyncio.wait_for(all_sent.wait(), 10)  # every reply sent, its record waiting for the lock
        release.set()
        sent = await asyncio.wait_for(asyncio.gather(*sends), 10)
        await holder
        # One, or two when the first record began waiting before the others queued; five without grouping.
        assert len(begins) - before <= 2
        assert [ids for ids in sent] == [{row.id} for row in claimed if row is not None]
        async with database.transaction() as session:
            rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
        assert [(row.status, row.delivered_to) for row in rows] == [
            (OutboxStatus.SENT, f"telegram:{2000 + number}") for number in range(5)]
    finally:
        await database.dispose()


async def test_a_reply_waiting_for_its_chats_pace_holds_no_connection(tmp_path: Path) -> None:
    """A person who sent four messages at once gets the fourth reply about a second later (the
    chat's pace): meanwhile another person's reply goes out, though one send at a time is allowed."""
    import asyncio

    database = await fresh_database(f"sqlite:///{tmp_path / 'pace.sqlite3'}")
    try:
        async with database.transaction() as session:
            claimed = [await outbox.enqueue_claimed_reply(
                session, dedupe_key=f"reply:pace:{number}", person_id=None, platform="telegram",
                chat_id="3000" if number < 4 else "3001", thread=None,
                payload=reply_to_json(text_reply(f"answer {number}")), now=NOW) for number in range(5)]
        three_sent = asyncio.Event()

        @dataclass
        class Watching(Scripted):
            async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
                await super().send(recipient, reply, plain=plain)
                if len(self.delivered) == 3:
                    three_sent.set()

        messenger = Watching(limits=RateLimits(per_chat_per_second=1, concurrent=1))
        sender = deliverer(database, messenger)
        fast_typist = asyncio.create_task(sender.deliver_claimed([row for row in claimed[:4] if row is not None]))
        await asyncio.wait_for(three_sent.wait(), 10)
        assert claimed[4] is not None
        await asyncio.wait_for(sender.deliver_claimed([claimed[4]]), 10)
        assert not fast_typist.done()
        assert messenger.delivered[3] == ("3001", "answer 4")
        await asyncio.wait_for(fast_typist, 10)
        assert messenger.delivered[4] == ("3000", "answer 3")
    finally:
        await database.dispose()
