"""Check-in sessions: the state of each person's check-in conversation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import CheckinSession, CheckinStep
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
