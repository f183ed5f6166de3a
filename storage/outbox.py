"""The outbox: proactive messages written by the reconcile job and delivered by the adapters.

Writes are idempotent by ``dedupe_key``; claims are short transactions that move rows from pending
to sending, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL so several replicas never claim the same
row (SQLite runs one replica, and its writes are serialised anyway).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, case, exists, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.chunked import READ_CHUNK, among, unnested
from storage.models import Broadcast, ChatIdentity, Operation, OutboxMessage, OutboxStatus, Person
from storage.upsert import insert_or_ignore


async def _insert(session: AsyncSession, values: dict[str, Any]) -> int | None:
    inserted = await insert_or_ignore(session, OutboxMessage, {**values, "status": OutboxStatus.PENDING, "attempts": 0},
                                      conflict=["dedupe_key"], returning=[OutboxMessage.id])
    return int(inserted[0].id) if inserted else None


async def enqueue(session: AsyncSession, *, dedupe_key: str, kind: str, person_id: int, payload: dict[str, Any],
                  due_at: datetime, now: datetime) -> bool:
    """Queues a proactive message for a person (their chat is chosen when it is sent) unless one
    with the same key exists; returns whether it was new."""
    return await _insert(session, {"dedupe_key": dedupe_key, "kind": kind, "person_id": person_id,
                                   "payload": payload, "due_at": due_at, "created_at": now}) is not None


async def enqueue_reply(session: AsyncSession, *, dedupe_key: str, person_id: int | None, platform: str, chat_id: str,
                        thread: str | None, payload: dict[str, Any], now: datetime) -> int | None:
    """Queues a reply to a live message, for the chat it came from (the person may not be
    registered); returns the row's id, or None when this reply was queued before."""
    return await _insert(session, {"dedupe_key": dedupe_key, "kind": "reply", "person_id": person_id,
                                   "platform": platform, "chat_id": chat_id, "thread": thread,
                                   "payload": payload, "due_at": now, "created_at": now})


async def enqueue_claimed_reply(session: AsyncSession, *, dedupe_key: str, person_id: int | None, platform: str,
                                chat_id: str, thread: str | None, payload: dict[str, Any], now: datetime
                                ) -> Claimed | None:
    """:func:`enqueue_reply` for a reply sent as soon as this transaction commits: written already
    claimed (sending, first attempt), so that the sender needs no transaction of its own to claim
    it and no periodic pass can take it first. A crash between the commit and the send leaves it
    in doubt, as a crash during any send does; None when this reply was queued before."""
    inserted = await insert_or_ignore(session, OutboxMessage, {
        "dedupe_key": dedupe_key, "kind": "reply", "person_id": person_id, "platform": platform,
        "chat_id": chat_id, "thread": thread, "payload": payload, "due_at": now, "created_at": now,
        "status": OutboxStatus.SENDING, "attempts": 1}, conflict=["dedupe_key"], returning=[OutboxMessage.id])
    if not inserted:
        return None
    return Claimed(int(inserted[0].id), 1, person_id, payload, platform, chat_id, thread)


async def set_payload(session: AsyncSession, dedupe_key: str, payload: dict[str, Any]) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key).values(payload=payload))


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A proactive message to queue, for :func:`enqueue_many`."""

    dedupe_key: str
    kind: str
    person_id: int
    payload: dict[str, Any]
    due_at: datetime


async def enqueue_many(session: AsyncSession, messages: Sequence[NewMessage], now: datetime) -> set[str]:
    """:func:`enqueue` for many messages in one statement; returns the keys that were new (the
    others were queued before, by an earlier pass or another replica)."""
    inserted = await insert_or_ignore(session, OutboxMessage, [
        {"dedupe_key": message.dedupe_key, "kind": message.kind, "person_id": message.person_id,
         "payload": message.payload, "due_at": message.due_at, "created_at": now,
         "status": OutboxStatus.PENDING, "attempts": 0} for message in messages],
        conflict=["dedupe_key"], returning=[OutboxMessage.dedupe_key])
    return {row.dedupe_key for row in inserted}


_TABLE = cast(Table, OutboxMessage.__table__)


def _postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def set_payloads(session: AsyncSession, payloads: Mapping[str, dict[str, Any]]) -> None:
    """:func:`set_payload` for many keys: one executemany."""
    # (An UPDATE ... FROM unnest of two arrays was slower here on PostgreSQL: 1.1 s a first pass
    # against 0.7 s for the executemany, the join planned from the pass's own far-off estimates.)
    if payloads:
        await session.execute(update(_TABLE).where(_TABLE.c.dedupe_key == bindparam("key"))
                              .values(payload=bindparam("new_payload")),
                              [{"key": key, "new_payload": payload} for key, payload in payloads.items()])


@dataclass(frozen=True, slots=True)
class Claimed:
    """An outbox row this caller now owns (status sending)."""

    id: int
    attempts: int
    person_id: int | None
    payload: dict[str, Any]
    platform: str | None = None
    chat_id: str | None = None
    thread: str | None = None


_CLAIMED = (OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.person_id, OutboxMessage.payload,
            OutboxMessage.due_at, OutboxMessage.platform, OutboxMessage.chat_id, OutboxMessage.thread)


async def _claim_where(session: AsyncSession, due: Select[Any]) -> list[Claimed]:
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (update(OutboxMessage).where(OutboxMessage.id.in_(due.scalar_subquery()))
                 .values(status=OutboxStatus.SENDING, attempts=OutboxMessage.attempts + 1)
                 .returning(*_CLAIMED)
                 .execution_options(synchronize_session=False))
    # RETURNING comes back in no promised order: sort as the subquery chose.
    rows = sorted((await session.execute(statement)).all(), key=lambda row: (row.due_at, row.id))
    return [Claimed(row.id, row.attempts, row.person_id, row.payload, row.platform, row.chat_id, row.thread)
            for row in rows]


@dataclass(frozen=True, slots=True)
class OneVoice:
    """The spacing rule as the claim applies it between two reconcile passes: per person, a
    proactive message of one of ``order``'s kinds goes out at least ``gap`` after the previous one,
    and of two due at once, the one first in ``order`` (then the older) goes first."""

    order: Mapping[str, int]
    gap: timedelta


def _spaced(message: Any) -> ColumnElement[bool]:
    """Whether ``message`` (the outbox table or an alias of it) is spaced: a proactive kind's row
    for a person, unless it belongs to a broadcast sent "right away", which keeps its time."""
    in_local_hours = exists().where(Broadcast.id == message.broadcast_id, Broadcast.local_hours.is_(True))
    return and_(message.person_id.is_not(None), or_(message.broadcast_id.is_(None), in_local_hours))


# The outbox again, inside the claim's look-ups. Core aliases made once: an ORM alias costs
# milliseconds to build, and the claim is built every few seconds.
_RECENT = OutboxMessage.__table__.alias("recent")
_OTHER = OutboxMessage.__table__.alias("other")


def _held_for_one_voice(now: datetime, rule: OneVoice) -> ColumnElement[bool]:
    """A spaced row that must wait: its person had a spaced message lately (sent, or claimed and
    perhaps in doubt), or another of theirs due now goes before it. The next reconcile pass moves
    it to its proper time; until then the claim leaves it pending. Both look-ups go through
    ``ix_outbox_person_kind_status``: a person's own few proactive rows, never a scan."""
    kinds = list(rule.order)
    recent, other = _RECENT.c, _OTHER.c

    def rank(message: Any) -> ColumnElement[int]:
        return case(dict(rule.order), value=message.kind, else_=len(rule.order))

    spoke_lately = exists().where(
        # "Another row": besides saying so, it keeps PostgreSQL from turning the look-up into a hash
        # of every row sent lately (a scan of the whole outbox each claim), which it picks when it
        # expects many rows to test, not the chunk's few it stops at.
        recent.person_id == OutboxMessage.person_id, recent.id != OutboxMessage.id, recent.kind.in_(kinds),
        recent.status.in_([OutboxStatus.SENT, OutboxStatus.SENDING]),
        # The moment spacing counts from (waiting_for_spacing): when it was sent, or, while it is
        # being sent (or in doubt), when it was due.
        func.coalesce(recent.sent_at, recent.due_at) > now - rule.gap)
    goes_first = exists().where(
        other.person_id == OutboxMessage.person_id, other.kind.in_(kinds), other.status == OutboxStatus.PENDING,
        other.due_at <= now, _spaced(other),
        tuple_(rank(other), other.due_at, other.id) < tuple_(rank(OutboxMessage), OutboxMessage.due_at,
                                                             OutboxMessage.id))
    return and_(OutboxMessage.kind.in_(kinds), _spaced(OutboxMessage), or_(spoke_lately, goes_first))


async def claim(session: AsyncSession, now: datetime, limit: int = 100, *,
                one_voice: OneVoice | None = None) -> list[Claimed]:
    """Pending rows whose time has come, marked as sending by this caller, oldest first; with
    ``one_voice``, none that would make a person's second proactive message within its gap.

    One UPDATE ... RETURNING over a locked subquery: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets
    replicas claim side by side without ever sharing a row; SQLite has one writer at a time anyway.
    """
    due = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.due_at <= now)
    if one_voice is not None:
        due = due.where(~_held_for_one_voice(now, one_voice))
    return await _claim_where(session, due.order_by(OutboxMessage.due_at, OutboxMessage.id).limit(limit))


async def mark_sent_many(session: AsyncSession, sent: list[tuple[int, str]], now: datetime) -> None:
    """Records a chunk of sends in one statement (an executemany by primary key)."""
    if sent:
        # On the table, not the model (the ORM's bulk update costs more than the statement), and
        # built once: every live reply takes it.
        await session.execute(_MARK_SENT, [{"row_id": message_id, "to": delivered_to[:140], "now": now}
                                           for message_id, delivered_to in sent])


_MARK_SENT = update(_TABLE).where(_TABLE.c.id == bindparam("row_id")).values(
    status=OutboxStatus.SENT, sent_at=bindparam("now"), last_error=None, delivered_to=bindparam("to"))


async def mark_retry(session: AsyncSession, message_id: int, error: str, retry_at: datetime) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.PENDING, due_at=retry_at, last_error=error[:1000]))


async def mark_in_doubt(session: AsyncSession, message_id: int, error: str) -> None:
    """Stays "sending" (so it is never claimed again), with why: the platform may have it."""
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.SENDING, last_error=f"in doubt: {error}"[:1000]))


async def mark_failed(session: AsyncSession, message_id: int, error: str) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                          .values(status=OutboxStatus.FAILED, last_error=error[:1000]))


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    name: str
    email: str
    language: str


@dataclass(frozen=True, slots=True)
class ChatRow:
    id: int
    platform: str
    chat_id: str
    active: bool
    last_seen_at: datetime | None


async def recipients(session: AsyncSession, person_ids: set[int]
                     ) -> tuple[dict[int, PersonRow], dict[int, list[ChatRow]]]:
    """The people a chunk is for, and every chat of theirs. Plain rows, not ORM objects: this runs
    once a chunk, thousands of times a broadcast."""
    if not person_ids:
        return {}, {}
    people = {row.id: PersonRow(row.id, row.name, row.email, row.language) for row in await session.execute(
        select(Person.id, Person.name, Person.email, Person.language).where(Person.id.in_(person_ids)))}
    chats: dict[int, list[ChatRow]] = {}
    for chat in await session.execute(
            select(ChatIdentity.id, ChatIdentity.person_id, ChatIdentity.platform, ChatIdentity.chat_id,
                   ChatIdentity.active, ChatIdentity.last_seen_at).where(ChatIdentity.person_id.in_(people))):
        chats.setdefault(chat.person_id, []).append(
            ChatRow(chat.id, chat.platform, chat.chat_id, chat.active, chat.last_seen_at))
    return people, chats


async def in_doubt(session: AsyncSession, before: datetime) -> list[int]:
    """Rows claimed before ``before`` and never recorded: the process died between sending and recording."""
    found = await session.execute(select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.due_at <= before))
    return list(found.scalars())


async def existing_keys(session: AsyncSession, keys: list[str], *,
                        between: Callable[[], Awaitable[None]] | None = None) -> set[str]:
    """Which of these dedupe keys are queued already (in chunks: databases cap bound parameters;
    ``between`` awaited after each)."""
    found: set[str] = set()
    for start in range(0, len(keys), 2000):
        chunk = keys[start:start + 2000]
        found.update((await session.execute(
            select(OutboxMessage.dedupe_key).where(among(session, OutboxMessage.dedupe_key, chunk)))).scalars())
        if between is not None:
            await between()
    return found


@dataclass(frozen=True, slots=True)
class QueuedNudge:
    """A deadline nudge already queued for a plan (not failed): its ladder step and when it goes out."""

    plan_id: int
    step_key: str
    due_at: datetime


async def queued_nudges(session: AsyncSession, plan_ids: set[int]) -> dict[int, list[QueuedNudge]]:
    """Per plan, its nudges queued so far (pending, sending or sent), oldest first. Prefix lookups on
    the unique dedupe keys, for the few plans that have a new nudge due."""
    found: dict[int, list[QueuedNudge]] = {plan_id: [] for plan_id in plan_ids}
    ordered = sorted(plan_ids)
    for start in range(0, len(ordered), 200):
        chunk = ordered[start:start + 200]
        rows = await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.due_at)
            .where(OutboxMessage.kind == "nudge", OutboxMessage.status != OutboxStatus.FAILED,
                   or_(*(OutboxMessage.dedupe_key.like(f"nudge:{plan_id}:%") for plan_id in chunk)))
            .order_by(OutboxMessage.due_at, OutboxMessage.id))
        for dedupe_key, due_at in rows:
            _, plan_id, step_key = dedupe_key.split(":", 2)
            found[int(plan_id)].append(QueuedNudge(int(plan_id), step_key, due_at))
    return found


async def escalation_statuses(session: AsyncSession, plan_id: int) -> dict[str, list[OutboxStatus]]:
    """Per ladder step told to the secretariat (``escalate-14``, ``stopped-6``), the status of each
    member's message: the rows ``escalate:PLAN:STEP:PERSON``, a prefix of the unique dedupe keys."""
    found: dict[str, list[OutboxStatus]] = {}
    rows = await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status)
                                 .where(OutboxMessage.dedupe_key.like(f"escalate:{plan_id}:%"))
                                 .order_by(OutboxMessage.id))
    for dedupe_key, status in rows:
        step_key = dedupe_key.split(":")[2]
        found.setdefault(step_key, []).append(status)
    return found


_SPACING_CHUNK = 500


@dataclass(frozen=True, slots=True)
class WaitingMessage:
    """A proactive message not yet sent, with the hours of the person it is for."""

    id: int
    person_id: int
    kind: str
    due_at: datetime
    timezone: str
    working_days: list[int]


async def waiting_for_spacing(session: AsyncSession, kinds: list[str], due_before: datetime, *,
                              between: Callable[[], Awaitable[None]] | None = None,
                              crowded_within: timedelta | None = None,
                              ) -> tuple[list[WaitingMessage], dict[int, datetime]]:
    """Every pending message of ``kinds`` for the people who have one due before ``due_before``
    (a broadcast sent "right away", outside local hours, is left out: it keeps its time), and, per
    such person, when the latest message of ``kinds`` went out to them (sent, or claimed).

    With ``crowded_within`` (the spacing's gap), only the messages of the people who could need one
    moved: two of their pending messages due less than that apart, or the first less than that
    after their latest. Spacing leaves everyone else as they are (each of their messages already
    goes out a gap after the one before), and in a steady pass that is nearly everybody: their due
    times alone, read without the joins, tell them apart.

    Read a few hundred people at a time, ``between`` awaited after each (a first pass has some
    17,000 rows to space: read at once, turning them into rows held the event loop)."""
    # The same rows the claim holds back (_held_for_one_voice): what one spaces, the other keeps.
    spaced = _spaced(OutboxMessage)
    pending = and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.kind.in_(kinds), spaced)
    # Every pending message's person and due time in one statement, fetched a thousand at a time:
    # a statement per few hundred people each went over all the pending rows on PostgreSQL (whose
    # estimate of a table filled by the pass itself is far off), 0.14 s of a steady pass.
    due_times: dict[int, list[datetime]] = {}
    soon: set[int] = set()
    found = await session.stream(select(OutboxMessage.person_id, OutboxMessage.due_at).where(pending)
                                 .execution_options(yield_per=READ_CHUNK))
    async for page in found.partitions(READ_CHUNK):
        for person_id, due_at in page:
            if person_id is not None:
                due_times.setdefault(person_id, []).append(due_at)
                if due_at < due_before:
                    soon.add(person_id)
        if between is not None:
            await between()
    people = sorted(soon)
    last: dict[int, datetime] = {}
    moment = func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at)
    crowded: list[int] = []
    for start in range(0, len(people), _SPACING_CHUNK):
        chunk = people[start:start + _SPACING_CHUNK]
        for person_id, latest in await session.execute(
                select(OutboxMessage.person_id, func.max(moment))
                .where(among(session, OutboxMessage.person_id, chunk), OutboxMessage.kind.in_(kinds),
                       OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.SENDING]))
                .group_by(OutboxMessage.person_id)):
            if person_id is not None and latest is not None:
                last[person_id] = latest
        if crowded_within is not None:
            crowded += _crowded(((person_id, due_at) for person_id in chunk for due_at in due_times[person_id]),
                                last, crowded_within)
        if between is not None:
            await between()
    waiting: list[WaitingMessage] = []
    chosen = people if crowded_within is None else crowded
    for start in range(0, len(chosen), _SPACING_CHUNK):
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.person_id, OutboxMessage.kind, OutboxMessage.due_at,
                   func.coalesce(Person.timezone, Operation.timezone), Operation.working_days)
            .join(Person, OutboxMessage.person_id == Person.id)
            .outerjoin(Operation, Person.operation_id == Operation.id)
            .where(pending, among(session, OutboxMessage.person_id, chosen[start:start + _SPACING_CHUNK]))
            .order_by(OutboxMessage.due_at, OutboxMessage.id))
        waiting += [WaitingMessage(row[0], row[1], row[2], row[3], row[4] or "UTC", list(row[5] or [1, 2, 3, 4, 5]))
                    for row in rows if row[1] is not None]
        if between is not None:
            await between()
    return waiting, last


def _crowded(due_times: Iterable[tuple[int | None, datetime]], last: Mapping[int, datetime],
             gap: timedelta) -> list[int]:
    """The people, in order, with two pending messages due less than ``gap`` apart, or the first
    less than ``gap`` after their latest one (``last``): the only ones spacing could move a message
    of. (Its rule, handlers.nudges.spacing.space: a message that is due a gap after the previous
    one, and the previous one kept its time, keeps its own.)"""
    by_person: dict[int, list[datetime]] = {}
    for person_id, due_at in due_times:
        if person_id is not None:
            by_person.setdefault(person_id, []).append(due_at)
    crowded = []
    for person_id in sorted(by_person):
        times = sorted(by_person[person_id])
        previous = last.get(person_id)
        if previous is not None:
            times.insert(0, previous)
        if any(later - earlier < gap for earlier, later in pairwise(times)):
            crowded.append(person_id)
    return crowded


async def move_due(session: AsyncSession, moves: list[tuple[int, datetime, datetime]]) -> None:
    """New due times for pending messages, in one statement (an executemany on SQLite): each move
    is (row id, the due time it was read with, the new one). A row claimed meanwhile keeps its own,
    and so does one whose due time changed since it was read: a message claimed, failed and put back
    for a retry between spacing's read and this write keeps its retry time, not the stale spacing."""
    if moves and _postgresql(session) and len({message_id for message_id, _, _ in moves}) == len(moves):
        # One statement over three arrays (each message moved once, as an executemany would).
        given = unnested(message_id=([message_id for message_id, _, _ in moves], _TABLE.c.id.type),
                         read_due=([read for _, read, _ in moves], _TABLE.c.due_at.type),
                         new_due=([due_at for _, _, due_at in moves], _TABLE.c.due_at.type))
        await session.execute(update(_TABLE).where(_TABLE.c.id == given.c.message_id,
                                                   _TABLE.c.status == OutboxStatus.PENDING,
                                                   _TABLE.c.due_at == given.c.read_due)
                              .values(due_at=given.c.new_due))
    elif moves:
        await session.execute(update(_TABLE).where(_TABLE.c.id == bindparam("message_id"),
                                                   _TABLE.c.status == OutboxStatus.PENDING,
                                                   _TABLE.c.due_at == bindparam("read_due"))
                              .values(due_at=bindparam("new_due")),
                              [{"message_id": message_id, "read_due": read, "new_due": due_at}
                               for message_id, read, due_at in moves])
