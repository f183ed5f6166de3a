"""Delivering the outbox through whatever messenger the bot runs with.

A row is claimed (pending -> sending) in one short transaction, sent, then recorded in another.
A crash between sending and recording leaves the row in "sending": it is not sent again
(at most once), and ``in_doubt`` lists such rows for the secretariat to check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from handlers.messages import Reply, reply_from_json
from storage import outbox
from storage.database import Database
from storage.models import OutboxMessage, OutboxStatus, Person

MAX_ATTEMPTS = 8


class DeliveryError(Exception):
    """A send that did not happen. ``retry_after`` (seconds) for rate limits; ``permanent`` when
    retrying cannot help (the person blocked the bot)."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent


class Messenger(Protocol):
    async def send(self, person: Person, reply: Reply) -> None:
        """Sends one reply to one person, or raises DeliveryError."""
        ...


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


async def deliver(database: Database, messenger: Messenger, now: datetime, limit: int = 100) -> DeliveryReport:
    report = DeliveryReport()
    async with database.transaction() as session:
        claimed = await outbox.claim(session, now, limit)
        jobs = [(row.id, row.attempts, row.person_id, row.payload) for row in claimed]
        people = {person.id: person for person in (await session.execute(
            select(Person).where(Person.id.in_({job[2] for job in jobs})).options(selectinload(Person.identities))
        )).scalars()}
    for message_id, attempts, person_id, payload in jobs:
        try:
            await messenger.send(people[person_id], reply_from_json(payload))
        except DeliveryError as error:
            async with database.transaction() as session:
                if error.permanent or attempts >= MAX_ATTEMPTS:
                    await outbox.mark_failed(session, message_id, str(error))
                    report.failed += 1
                else:
                    wait = timedelta(seconds=error.retry_after) if error.retry_after else outbox.backoff(attempts)
                    await outbox.mark_retry(session, message_id, str(error), now + wait)
                    report.retried += 1
            continue
        async with database.transaction() as session:
            await outbox.mark_sent(session, message_id, now)
        report.sent += 1
    return report


async def in_doubt(database: Database, now: datetime, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Rows claimed but never recorded: the process died between sending and recording."""
    async with database.transaction() as session:
        found = await session.execute(select(OutboxMessage.id).where(
            OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.due_at <= now - older_than))
        return list(found.scalars())
