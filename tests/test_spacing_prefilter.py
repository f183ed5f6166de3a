"""The reconcile pass spaces only the people whose messages are crowded (issue 18).

``waiting_for_spacing(..., crowded_within=GAP)`` first reads only the due times, and the full rows
(joined with the person and the operation) only for people with two pending messages less than a
gap apart, or the first less than a gap after their latest one. Spacing moves nobody else's
messages, so the moves must be exactly those of the full read: the expected moves below were
worked out by hand from ``spacing.space`` over every pending row (the path before the pre-filter),
and both paths, and a whole reconcile pass, must give them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from handlers.nudges import spacing
from handlers.nudges.deadlines import LadderSettings
from handlers.nudges.reconcile import SPACING_LOOKAHEAD, reconcile
from storage import outbox
from storage.database import Database
from storage.models import Broadcast, BroadcastStatus, Operation, OutboxMessage, OutboxStatus, Person, Role
from tests.conftest import database_url, fresh_database


def at(hour: int, minute: int = 0, day: int = 8) -> datetime:
    """Monday 8 June 2026 (or ``day``) at this time, UTC. Niamey is UTC+1: 09:00 UTC is 10:00 there."""
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


NOW = at(9)
RIGHT_AWAY, LOCAL_HOURS = 1, 2
"""The two broadcasts: one sent "right away" (not spaced), one in local hours (spaced)."""

PENDING, SENT, SENDING = OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.SENDING
# (row id, person, kind, status, due at, sent at, broadcast)
ROWS: list[tuple[int, int, str, OutboxStatus, datetime, datetime | None, int | None]] = [
    # 1: two hours apart: nothing to move.
    (11, 1, "nudge", PENDING, at(9, 10), None, None),
    (12, 1, "checkin", PENDING, at(11, 10), None, None),
    # 2: 30 minutes apart: the notice goes an hour after the nudge.
    (21, 2, "nudge", PENDING, at(9, 10), None, None),
    (22, 2, "broadcast", PENDING, at(9, 40), None, None),
    # 3: due 35 minutes after one sent: an hour after it instead.
    (31, 3, "nudge", SENT, at(8, 0), at(8, 30), None),
    (32, 3, "checkin", PENDING, at(9, 5), None, None),
    # 4: the last one sent three hours ago: nothing to move.
    (41, 4, "nudge", SENT, at(6, 0), at(6, 0), None),
    (42, 4, "checkin", PENDING, at(9, 5), None, None),
    # 5: exactly an hour after the one sent, and exactly an hour apart: nothing to move.
    (53, 5, "reminder", SENT, at(8, 0), at(8, 10), None),
    (51, 5, "nudge", PENDING, at(9, 10), None, None),
    (52, 5, "checkin", PENDING, at(10, 10), None, None),
    # 6: the nudge goes first though due later; the check-in an hour after it.
    (61, 6, "checkin", PENDING, at(9, 0), None, None),
    (62, 6, "nudge", PENDING, at(9, 30), None, None),
    # 7: crowded, but nothing due within the look-ahead: left to a later pass.
    (71, 7, "nudge", PENDING, at(13, 0), None, None),
    (72, 7, "checkin", PENDING, at(13, 30), None, None),
    # 8: in Tokyo (their own zone): an hour after the last one is 18:00 there, so the next morning.
    (81, 8, "nudge", SENT, at(7, 30), at(8, 0), None),
    (82, 8, "checkin", PENDING, at(8, 50), None, None),
    # 9: a notice sent "right away" keeps its time, even 10 minutes after a nudge.
    (91, 9, "nudge", PENDING, at(9, 10), None, None),
    (92, 9, "broadcast", PENDING, at(9, 20), None, RIGHT_AWAY),
    # 10: a notice in local hours is spaced.
    (101, 10, "nudge", PENDING, at(9, 10), None, None),
    (102, 10, "broadcast", PENDING, at(9, 30), None, LOCAL_HOURS),
    # 11: one claimed (being sent, or in doubt) counts from when it was due.
    (111, 11, "checkin", SENDING, at(8, 40), None, None),
    (112, 11, "nudge", PENDING, at(9, 15), None, None),
    # 12: escalations are not spaced.
    (121, 12, "escalation", PENDING, at(9, 0), None, None),
    (122, 12, "nudge", PENDING, at(9, 10), None, None),
    # 13: one due soon, and two later, 20 minutes apart: the later pair is spaced too.
    (131, 13, "nudge", PENDING, at(9, 30), None, None),
    (132, 13, "checkin", PENDING, at(12, 0), None, None),
    (133, 13, "reminder", PENDING, at(12, 20), None, None),
]

EXPECTED = [
    (22, at(10, 10)),
    (32, at(9, 30)),
    (61, at(10, 30)),
    (82, at(0, 0, day=9)),
    (102, at(10, 10)),
    (112, at(9, 40)),
    (133, at(13, 0)),
]
"""The moves of the full read (every pending row of the people due within the look-ahead)."""

CROWDED = {2, 3, 6, 8, 10, 11, 13}


async def populate(database: Database) -> None:
    async with database.transaction() as session:
        await session.execute(insert(Operation), [
            {"id": 1, "code": "niger-valley", "name": "Niger valley", "country": "Niger valley (fictional)",
             "timezone": "Africa/Niamey", "working_days": [1, 2, 3, 4, 5]}])
        await session.execute(insert(Person), [
            {"id": person, "name": f"Person {person}", "email": f"p{person}@valley.invalid", "role": Role.HC,
             "language": "en", "operation_id": 1, "timezone": "Asia/Tokyo" if person == 8 else None}
            for person in range(1, 14)])
        await session.execute(insert(Broadcast), [
            {"id": broadcast, "created_at": at(7), "status": BroadcastStatus.RELEASED, "released_at": at(7),
             "text_en": "A notice", "local_hours": broadcast == LOCAL_HOURS, "audience": {}, "skipped": {}}
            for broadcast in (RIGHT_AWAY, LOCAL_HOURS)])
        rows: list[dict[str, Any]] = [
            {"id": row_id, "dedupe_key": f"test:{row_id}", "kind": kind, "person_id": person, "payload": {},
             "due_at": due_at, "status": status, "attempts": 0 if status is PENDING else 1, "created_at": at(6),
             "sent_at": sent_at, "broadcast_id": broadcast}
            for row_id, person, kind, status, due_at, sent_at, broadcast in ROWS]
        await session.execute(insert(OutboxMessage), rows)


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    found = await fresh_database(database_url(backend, tmp_path))
    await populate(found)
    yield found
    await found.dispose()


async def moves_of(database: Database, crowded_within: timedelta | None
                   ) -> tuple[list[tuple[int, datetime]], set[int], dict[int, datetime]]:
    calls = 0

    async def between() -> None:
        nonlocal calls
        calls += 1

    async with database.transaction() as session:
        waiting, last = await outbox.waiting_for_spacing(session, spacing.KINDS, NOW + SPACING_LOOKAHEAD,
                                                         between=between, crowded_within=crowded_within)
    assert calls >= 1
    for moment in [message.due_at for message in waiting] + list(last.values()):
        assert moment.tzinfo is not None
    return sorted(spacing.space(waiting, last, LadderSettings())), {m.person_id for m in waiting}, last


async def test_the_prefilter_reads_only_the_crowded_and_moves_the_same(database: Database) -> None:
    full, everyone, last_full = await moves_of(database, None)
    filtered, read, last = await moves_of(database, spacing.GAP)
    assert full == EXPECTED
    assert filtered == EXPECTED
    assert everyone == set(range(1, 14)) - {7}
    assert read == CROWDED
    assert last == last_full == {3: at(8, 30), 4: at(6, 0), 5: at(8, 10), 8: at(8, 0), 11: at(8, 40)}


async def test_a_reconcile_pass_moves_exactly_those(database: Database) -> None:
    report = await reconcile_once(database)
    assert report == len(EXPECTED)
    moved = dict(EXPECTED)
    async with database.transaction() as session:
        due = {row_id: due_at for row_id, due_at in await session.execute(
            select(OutboxMessage.id, OutboxMessage.due_at))}
    assert due == {row_id: moved.get(row_id, due_at) for row_id, _, _, _, due_at, _, _ in ROWS}
    # Spaced once, nothing is left to move.
    assert await reconcile_once(database) == 0


async def reconcile_once(database: Database) -> int:
    async with database.transaction() as session:
        return (await reconcile(session, NOW)).spaced


def test_crowded_counts_from_the_latest_and_between_neighbours() -> None:
    gap = spacing.GAP
    due_times: list[tuple[int | None, datetime]] = [
        (1, at(10)), (1, at(11)), (2, at(10)), (2, at(10, 59)), (3, at(9, 30)), (4, at(10)), (4, at(10)),
        (5, at(8)), (None, at(10)), (6, at(12)), (6, at(10))]
    last = {3: at(8, 31), 5: at(8, 30), 6: at(9)}
    # 3: less than an hour after its latest; 5: due before its latest (a retry); 4: two at once;
    # 6: out of order in the rows, an hour after its latest and two hours apart.
    assert outbox._crowded(due_times, last, gap) == [2, 3, 4, 5]


async def test_a_move_applies_only_to_a_row_still_as_it_was_read(database: Database) -> None:
    """Spacing reads in a snapshot and writes later: a message claimed, failed and put back for a
    retry in between has a new due time, which the stale spacing time must not overwrite."""
    retry_at = at(9, 50)
    async with database.transaction() as session:
        # Row 22 read at 09:40 and to be moved to 10:10; row 32 read at 09:05, to go to 09:30.
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == 22)
                              .values(due_at=retry_at, attempts=1))
    async with database.transaction() as session:
        await outbox.move_due(session, [(22, at(9, 40), at(10, 10)), (32, at(9, 5), at(9, 30))])
    async with database.transaction() as session:
        due = {row_id: due_at for row_id, due_at in await session.execute(
            select(OutboxMessage.id, OutboxMessage.due_at).where(OutboxMessage.id.in_([22, 32])))}
    assert due == {22: retry_at, 32: at(9, 30)}
