"""Check-in sessions: the state of each person's check-in conversation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.chunked import among
from storage.models import Action, ActionUpdate, CheckinSession, CheckinStep, Person, Status
from storage.repositories import OPEN_CHECKIN_STEPS

# A paused check-in is open, but nobody is waiting on an answer to remind about.
AWAITING_ANSWER = (CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE)


async def start(session: AsyncSession, person_id: int, plan_id: int, action_ids: Sequence[int],
                now: datetime) -> CheckinSession:
    """A new check-in at its first action."""
    checkin = CheckinSession(person_id=person_id, plan_id=plan_id, step=CheckinStep.ASK_STATUS,
                             action_ids=list(action_ids), position=0, started_at=now, updated_at=now)
    session.add(checkin)
    await session.flush()
    return checkin


async def people_in_checkin(session: AsyncSession) -> set[int]:
    """Everyone with an open check-in (paused ones included)."""
    return set((await session.execute(select(CheckinSession.person_id).where(
        CheckinSession.step.in_(OPEN_CHECKIN_STEPS)))).scalars())


async def expire_started_before(session: AsyncSession, before: datetime) -> int:
    """Closes open check-ins started before ``before``; returns how many."""
    expired = await session.execute(
        update(CheckinSession).where(CheckinSession.step.in_(OPEN_CHECKIN_STEPS), CheckinSession.started_at <= before)
        .values(step=CheckinStep.EXPIRED).returning(CheckinSession.id))
    return len(expired.all())


async def awaiting_reminder(session: AsyncSession, idle_since: datetime) -> list[CheckinSession]:
    """Check-ins waiting on an answer since ``idle_since`` or longer, never reminded."""
    waiting = await session.execute(select(CheckinSession).where(
        CheckinSession.step.in_(AWAITING_ANSWER), CheckinSession.reminded_at.is_(None),
        CheckinSession.updated_at <= idle_since))
    return list(waiting.scalars())


async def in_checkin_among(session: AsyncSession, person_ids: Iterable[int]) -> set[int]:
    """Which of these people have an open check-in (paused ones included), in one query."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return set()
    return set((await session.execute(select(CheckinSession.person_id).where(
        among(session, CheckinSession.person_id, wanted), CheckinSession.step.in_(OPEN_CHECKIN_STEPS)))).scalars())


@dataclass(frozen=True, slots=True)
class ActionState:
    """An action as a check-in chooses it: who owns it and its latest status."""

    id: int
    owner_id: int | None
    status: Status | None


async def actions_of_plans(session: AsyncSession, plan_ids: Iterable[int]) -> dict[int, list[ActionState]]:
    """Per plan, its actions in number order with their latest status: one query for many plans
    (the latest update is the one with the highest id, as ``Action.updates`` is ordered)."""
    wanted = sorted(set(plan_ids))
    found: dict[int, list[ActionState]] = {plan_id: [] for plan_id in wanted}
    if not wanted:
        return found
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
              .where(ActionUpdate.action_id.in_(select(Action.id).where(among(session, Action.plan_id, wanted))))
              .group_by(ActionUpdate.action_id).subquery())
    rows = await session.execute(
        select(Action.plan_id, Action.id, Action.owner_id, ActionUpdate.status)
        .select_from(Action).outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(ActionUpdate, ActionUpdate.id == latest.c.last_id)
        .where(among(session, Action.plan_id, wanted)).order_by(Action.plan_id, Action.number, Action.id))
    for plan_id, action_id, owner_id, status in rows:
        found[plan_id].append(ActionState(action_id, owner_id, status))
    return found


async def start_many(session: AsyncSession, starts: Sequence[tuple[int, int, list[int]]],
                     now: datetime) -> dict[int, int]:
    """New check-ins, each at its first action, in one statement: ``starts`` holds (person, plan,
    action ids) with each person once; returns each person's new check-in id."""
    if not starts:
        return {}
    values: list[dict[str, Any]] = [
        {"person_id": person_id, "plan_id": plan_id, "step": CheckinStep.ASK_STATUS, "action_ids": action_ids,
         "position": 0, "answered": 0, "skipped": 0, "started_at": now, "updated_at": now}
        for person_id, plan_id, action_ids in starts]
    # A Core insert with RETURNING in no particular order: rows come back keyed by their person.
    # ``sort_by_parameter_order`` made SQLite (no sentinel for it) run one INSERT a row: 10,000
    # statements and 1.8 s of a first pass. The rows still go in in the order given, so the ids do too.
    table = _CHECKINS
    rows = await session.execute(insert(table).returning(table.c.id, table.c.person_id), values)
    return {person_id: checkin_id for checkin_id, person_id in rows}


_CHECKINS = cast(Table, CheckinSession.__table__)


async def people_by_ids(session: AsyncSession, person_ids: Iterable[int]) -> dict[int, Person]:
    """These people, in one query (a batch of check-ins greets each by name)."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    return {person.id: person for person in (await session.execute(
        select(Person).where(among(session, Person.id, wanted)))).scalars()}
