"""The outbox: proactive messages written by the reconcile job and delivered by the adapters.

Writes are idempotent by ``dedupe_key``; claims are short transactions that move rows from pending
to sending, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several replicas never claim the same
row (SQLite runs one replica, and its writes are serialised anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def enqueue(session: AsyncSession, *, dedupe_key: str, kind: str, person_id: int, payload: dict[str, Any],
                  due_at: datetime, now: datetime) -> bool:
    """Queues a message unless one with the same key exists; returns whether it was new."""
    insert = postgresql_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(
        dedupe_key=dedupe_key, kind=kind, person_id=person_id, payload=payload, due_at=due_at,
        status=OutboxStatus.PENDING, attempts=0, created_at=now,
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.id)
    # RETURNING, not rowcount: drivers disagree on the rowcount of a skipped conflict.
    return (await session.execute(statement)).first() is not None


async def set_payload(session: AsyncSession, dedupe_key: str, payload: dict[str, Any]) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key).values(payload=payload))


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row this caller now owns (status sending)."""

    id: int
    attempts: int
    person_id: int
    payload: dict[str, Any]


async def claim(session: AsyncSession, now: datetime, limit: int = 100) -> list[Claimed]:
    """Pending rows whose time has come, marked as sending by this caller, oldest first.

    One UPDATE ... RETURNING over a locked subquery: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets
    replicas claim side by side without ever sharing a row; SQLite has one writer at a time anyway.
    """
    due = (select(OutboxMessage.id)
           .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now)
           .order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit))
    if _dialect(session) == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
                 .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)
                 .returning(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.person_id,
                            OutboxMessage.payload, OutboxMessage.due_at)
                 .execution_options(synchronize_session=False))
    # RETURNING comes back in no promised order: sort as the subquery chose.
    rows = sorted((await session.execute(statement)).all(), key=lambda row: (row.due_at, row.id))
    return [Claimed(row.id, row.attempts, row.person_id, row.payload) for row in rows]


async def mark_sent(session: AsyncSession, message_id: int, now: datetime, delivered_to: str | None = None) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.SENT, sent_at=now, last_error=None,
                                  delivered_to=delivered_to[:140] if delivered_to else None))


async def mark_sent_many(session: AsyncSession, sent: list[tuple[int, str]], now: datetime) -> None:
    """Records a chunk of sends in one statement (an executemany by primary key)."""
    if sent:
        await session.execute(update(OutboxMessage), [
            {"id": message_id, "status": OutboxStatus.SENT, "sent_at": now, "last_error": None,
             "delivered_to": delivered_to[:140]} for message_id, delivered_to in sent])


async def mark_retry(session: AsyncSession, message_id: int, error: str, retry_at: datetime) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.PENDING, due_at=retry_at, last_error=error[:1000]))


async def mark_failed(session: AsyncSession, message_id: int, error: str) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.FAILED, last_error=error[:1000]))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))
