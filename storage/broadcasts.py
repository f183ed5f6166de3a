"""Broadcasts (drafts, schedule, release), their audience, their outbox rows, and topic follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Broadcast,
    BroadcastStatus,
    BroadcastStep,
    Operation,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    TopicFollow,
    WebinarReminder,
)
from storage.upsert import insert_or_ignore


async def open_draft(session: AsyncSession, person_id: int) -> Broadcast | None:
    """The draft this person is composing, locked for this transaction."""
    found = await session.execute(select(Broadcast).where(
        Broadcast.created_by_id == person_id, Broadcast.status == BroadcastStatus.DRAFT)
        .order_by(Broadcast.id.desc()).with_for_update())
    return found.scalars().first()


async def new_draft(session: AsyncSession, person_id: int, now: datetime) -> Broadcast:
    draft = Broadcast(created_by_id=person_id, created_at=now, status=BroadcastStatus.DRAFT,
                      step=BroadcastStep.TEXT, audience={}, targeted=0, skipped={})
    session.add(draft)
    await session.flush()
    return draft


async def add_scheduled(session: AsyncSession, *, created_by_id: int | None, now: datetime, text_en: str,
                        text_fr: str | None, webinar: dict[str, Any] | None, audience: dict[str, Any],
                        send_at: datetime, local_hours: bool) -> Broadcast:
    broadcast = Broadcast(created_by_id=created_by_id, created_at=now, status=BroadcastStatus.SCHEDULED,
                          text_en=text_en, text_fr=text_fr, webinar=webinar, audience=audience, send_at=send_at,
                          local_hours=local_hours, targeted=0, skipped={})
    session.add(broadcast)
    await session.flush()
    return broadcast


async def by_id(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def latest_beyond_draft(session: AsyncSession, broadcast_id: int | None = None) -> Broadcast | None:
    """The newest broadcast that is no longer a draft (or this one, if it is not a draft)."""
    query = select(Broadcast).where(Broadcast.status != BroadcastStatus.DRAFT)
    if broadcast_id is not None:
        query = query.where(Broadcast.id == broadcast_id)
    return (await session.execute(query.order_by(Broadcast.id.desc()).limit(1))).scalars().first()


async def newest_first(session: AsyncSession, limit: int | None = None) -> list[Broadcast]:
    return list((await session.execute(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))).scalars())


async def count(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count(Broadcast.id)))).scalar_one())


async def outcome_counts(session: AsyncSession, broadcast_ids: Sequence[int]) -> dict[int, dict[OutboxStatus, int]]:
    """For each broadcast, how many of its outbox rows are in each status; one grouped query."""
    counts: dict[int, dict[OutboxStatus, int]] = {number: {} for number in broadcast_ids}
    if broadcast_ids:
        rows = await session.execute(
            select(OutboxMessage.broadcast_id, OutboxMessage.status, func.count(OutboxMessage.id))
            .where(OutboxMessage.broadcast_id.in_(list(broadcast_ids)))
            .group_by(OutboxMessage.broadcast_id, OutboxMessage.status))
        for broadcast_id, status, found in rows:
            if broadcast_id is not None:
                counts[broadcast_id][status] = int(found)
    return counts


@dataclass(frozen=True, slots=True)
class KnownValues:
    """What an audience's free-text values can match: for "did you mean ...?"."""

    countries: list[str]
    operations: list[str]


async def known_audience_values(session: AsyncSession) -> KnownValues:
    operations = (await session.execute(select(Operation.code, Operation.country).order_by(Operation.code))).all()
    return KnownValues(sorted({country for _, country in operations if country}), [code for code, _ in operations])


async def due_for_release(session: AsyncSession, now: datetime) -> list[Broadcast]:
    """Scheduled broadcasts whose time has come, locked (another replica skips them)."""
    return list((await session.execute(select(Broadcast).where(
        Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now).order_by(Broadcast.id)
        .with_for_update(skip_locked=True))).scalars().all())


@dataclass(frozen=True, slots=True)
class AudienceMember:
    person_id: int
    language: str
    own_timezone: str | None
    notices: bool
    operation_timezone: str | None
    working_days: list[int] | None


async def audience_members(session: AsyncSession, *, roles: Sequence[Role] = (), languages: Sequence[str] = (),
                           operations: Sequence[str] = (), countries: Sequence[str] = (),
                           topics: Sequence[str] = ()) -> list[AudienceMember]:
    """Everyone matching every criterion given (any of the values of each), by person id; one query."""
    query = select(Person.id, Person.language, Person.timezone, Person.notices, Operation.timezone,
                   Operation.working_days).outerjoin(Operation, Person.operation_id == Operation.id)
    if roles:
        query = query.where(Person.role.in_(list(roles)))
    if languages:
        query = query.where(Person.language.in_(list(languages)))
    if operations:
        query = query.where(Operation.code.in_(list(operations)))
    if countries:
        query = query.where(func.lower(Operation.country).in_([country.lower() for country in countries]))
    if topics:
        query = query.where(Person.id.in_(select(TopicFollow.person_id).where(TopicFollow.topic.in_(list(topics)))))
    return [AudienceMember(*row) for row in (await session.execute(query.order_by(Person.id))).all()]


async def write_messages(session: AsyncSession, rows: list[dict[str, Any]], batch: int = 1000) -> int:
    """Outbox rows for a broadcast's recipients, each unless its dedupe key exists; returns how many
    were new."""
    written = 0
    for start in range(0, len(rows), batch):
        written += len(await insert_or_ignore(session, OutboxMessage, rows[start:start + batch],
                                              conflict=["dedupe_key"], returning=[OutboxMessage.id]))
    return written


async def withdraw_pending(session: AsyncSession, broadcast_id: int) -> int:
    """Deletes the broadcast's messages not yet claimed for sending; returns how many."""
    pending = (await session.execute(select(OutboxMessage).where(
        OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == OutboxStatus.PENDING)
        .with_for_update(skip_locked=True))).scalars().all()
    for row in pending:
        await session.delete(row)
    return len(pending)


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    status: OutboxStatus
    last_error: str | None
    sent_at: datetime | None
    due_at: datetime


async def message_outcomes(session: AsyncSession, broadcast_id: int) -> list[MessageOutcome]:
    """Where each of the broadcast's outbox rows stands."""
    return [MessageOutcome(*row) for row in await session.execute(select(
        OutboxMessage.status, OutboxMessage.last_error, OutboxMessage.sent_at, OutboxMessage.due_at)
        .where(OutboxMessage.broadcast_id == broadcast_id))]


async def follow(session: AsyncSession, person_id: int, topic: str, now: datetime) -> None:
    """Follows a topic; following it again changes nothing."""
    await insert_or_ignore(session, TopicFollow, {"person_id": person_id, "topic": topic, "created_at": now},
                           conflict=["person_id", "topic"], returning=[TopicFollow.person_id])


async def unfollow(session: AsyncSession, person_id: int, topic: str | None = None) -> None:
    """Stops following a topic, or every topic when ``topic`` is None."""
    statement = delete(TopicFollow).where(TopicFollow.person_id == person_id)
    if topic is not None:
        statement = statement.where(TopicFollow.topic == topic)
    await session.execute(statement)


async def followed_topics(session: AsyncSession, person_id: int) -> list[str]:
    found = await session.execute(select(TopicFollow.topic).where(TopicFollow.person_id == person_id))
    return list(found.scalars())


async def was_sent_to(session: AsyncSession, broadcast_id: int, person_id: int) -> bool:
    """Whether the broadcast was released to this person (their row exists, in whatever state)."""
    found = await session.execute(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == f"broadcast:{broadcast_id}:{person_id}"))
    return found.first() is not None


async def reminder_of(session: AsyncSession, broadcast_id: int, person_id: int) -> WebinarReminder | None:
    found = await session.execute(select(WebinarReminder).where(
        WebinarReminder.broadcast_id == broadcast_id, WebinarReminder.person_id == person_id))
    return found.scalars().first()


async def add_reminder(session: AsyncSession, *, broadcast_id: int, person_id: int, now: datetime,
                       remind_at: datetime, starts_at: datetime) -> bool:
    """Records "Remind me"; pressing it again (or on two replicas at once) changes nothing. Returns
    whether it was new."""
    inserted = await insert_or_ignore(session, WebinarReminder, {
        "broadcast_id": broadcast_id, "person_id": person_id, "created_at": now, "remind_at": remind_at,
        "starts_at": starts_at}, conflict=["broadcast_id", "person_id"], returning=[WebinarReminder.id])
    return bool(inserted)


@dataclass(frozen=True, slots=True)
class DueReminder:
    id: int
    broadcast_id: int
    person_id: int
    webinar: dict[str, Any]
    language: str
    timezone: str


async def reminders_due(session: AsyncSession, now: datetime) -> list[DueReminder]:
    """Reminders whose hour has come and whose webinar has not started, not yet queued, of notices
    still standing (a cancelled notice reminds nobody); locked, so another replica skips them."""
    rows = await session.execute(
        select(WebinarReminder.id, WebinarReminder.broadcast_id, WebinarReminder.person_id, Broadcast.webinar,
               Person.language, func.coalesce(Person.timezone, Operation.timezone))
        .join(Broadcast, Broadcast.id == WebinarReminder.broadcast_id)
        .join(Person, Person.id == WebinarReminder.person_id)
        .outerjoin(Operation, Operation.id == Person.operation_id)
        .where(WebinarReminder.remind_at <= now, WebinarReminder.starts_at > now, WebinarReminder.queued_at.is_(None),
               Broadcast.status == BroadcastStatus.RELEASED)
        .order_by(WebinarReminder.id).with_for_update(skip_locked=True, of=WebinarReminder))
    return [DueReminder(number, broadcast_id, person_id, webinar or {}, language, zone or "UTC")
            for number, broadcast_id, person_id, webinar, language, zone in rows]


async def mark_reminders_queued(session: AsyncSession, reminder_ids: Sequence[int], now: datetime) -> None:
    if reminder_ids:
        await session.execute(update(WebinarReminder).where(WebinarReminder.id.in_(list(reminder_ids)))
                              .values(queued_at=now))
