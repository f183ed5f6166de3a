"""Delivery outcomes: sent once, retried after a rate limit, failed for good, in doubt after a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from handlers.delivery import DeliveryError, deliver, in_doubt
from handlers.messages import Reply, reply_to_json, text_reply
from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Person
from tests.conftest import EXAMPLES, database_url, fresh_database

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    from handlers.imports import import_file

    database = await fresh_database(database_url(backend, tmp_path))
    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        await outbox.enqueue(session, dedupe_key="test:1", kind="nudge", person_id=1,
                             payload=reply_to_json(text_reply("hello")), due_at=NOW, now=NOW)
    yield database
    await database.dispose()


class Scripted:
    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.delivered: list[str] = []

    async def send(self, person: Person, reply: Reply) -> None:
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.delivered.append(reply.plain_text)


async def row(database: Database) -> OutboxMessage:
    async with database.transaction() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


async def test_sent_once(database: Database) -> None:
    messenger = Scripted()
    assert (await deliver(database, messenger, NOW)).sent == 1
    assert (await deliver(database, messenger, NOW + timedelta(minutes=1))).sent == 0
    assert messenger.delivered == ["hello"] and (await row(database)).status is OutboxStatus.SENT


async def test_rate_limited_then_sent(database: Database) -> None:
    messenger = Scripted(DeliveryError("429 Too Many Requests", retry_after=30))
    assert (await deliver(database, messenger, NOW)).retried == 1
    waiting = await row(database)
    assert waiting.status is OutboxStatus.PENDING and waiting.due_at == NOW + timedelta(seconds=30)
    assert (await deliver(database, messenger, NOW + timedelta(seconds=10))).sent == 0  # not before retry-after
    assert (await deliver(database, messenger, NOW + timedelta(seconds=31))).sent == 1
    assert messenger.delivered == ["hello"]


async def test_blocked_fails_for_good_with_its_reason(database: Database) -> None:
    messenger = Scripted(DeliveryError("403 Forbidden: bot was blocked by the user", permanent=True))
    assert (await deliver(database, messenger, NOW)).failed == 1
    failed = await row(database)
    assert failed.status is OutboxStatus.FAILED and "blocked" in (failed.last_error or "")
    assert (await deliver(database, messenger, NOW + timedelta(hours=1))).sent == 0


async def test_a_crash_mid_send_leaves_the_message_in_doubt_not_resent(database: Database) -> None:
    with pytest.raises(RuntimeError):
        await deliver(database, Scripted(RuntimeError("process killed")), NOW)
    messenger = Scripted()
    assert (await deliver(database, messenger, NOW + timedelta(minutes=20))).sent == 0
    assert messenger.delivered == []
    assert await in_doubt(database, NOW + timedelta(minutes=20)) == [(await row(database)).id]
