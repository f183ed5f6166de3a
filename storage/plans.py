"""Action plans as the scheduler reads them: plain rows for every open plan, its owners, its progress.

Set-based reads: a reconcile pass over 10,000 plans must not build 10,000 object graphs. The plan
graphs a conversation needs (plan, actions, updates) are in ``storage.repositories``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, ActionPlan, ActionUpdate, Mission, Operation, OutboxMessage, OutboxStatus, Status


@dataclass(frozen=True, slots=True)
class OpenPlan:
    """A plan whose update is not sent yet, and its operation, read as one row."""

    id: int
    code: str
    title: str
    adopted_on: date
    update_due_on: date | None
    checkin_every_weeks: int
    window_closes_months: int | None
    nudge_days_before: list[int] | None
    operation_id: int
    operation_name: str
    timezone: str
    working_days: frozenset[int]
    operation_paused_until: datetime | None


async def open_plans(session: AsyncSession) -> list[OpenPlan]:
    rows = await session.execute(
        select(ActionPlan.id, ActionPlan.code, ActionPlan.title, ActionPlan.adopted_on, ActionPlan.update_due_on,
               ActionPlan.checkin_every_weeks, ActionPlan.window_closes_months, ActionPlan.nudge_days_before,
               Operation.id, Operation.name, Operation.timezone, Operation.working_days, Operation.paused_until)
        .join(Mission, ActionPlan.mission_id == Mission.id).join(Operation, Mission.operation_id == Operation.id)
        .where(ActionPlan.submitted_at.is_(None)))
    return [OpenPlan(id=row[0], code=row[1], title=row[2], adopted_on=row[3], update_due_on=row[4],
                     checkin_every_weeks=row[5], window_closes_months=row[6], nudge_days_before=row[7],
                     operation_id=row[8], operation_name=row[9], timezone=row[10], working_days=frozenset(row[11]),
                     operation_paused_until=row[12]) for row in rows]


async def owners_by_plan(session: AsyncSession) -> dict[int, set[int]]:
    """Per plan, the registered people who own one of its actions."""
    owners: dict[int, set[int]] = {}
    for plan_id, owner_id in await session.execute(
            select(Action.plan_id, Action.owner_id).where(Action.owner_id.is_not(None)).distinct()):
        if owner_id is not None:
            owners.setdefault(plan_id, set()).add(owner_id)
    return owners


@dataclass(frozen=True, slots=True)
class LatestStatus:
    """An action and its latest update, if it has one."""

    plan_id: int
    status: Status | None
    reported_at: datetime | None


async def latest_statuses(session: AsyncSession, plan_ids: Sequence[int] | set[int]) -> list[LatestStatus]:
    """Every action of these plans with the status and time of its latest update."""
    if not plan_ids:
        return []
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
              .group_by(ActionUpdate.action_id).subquery())
    rows = await session.execute(
        select(Action.plan_id, ActionUpdate.status, ActionUpdate.created_at)
        .select_from(Action).outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(ActionUpdate, ActionUpdate.id == latest.c.last_id)
        .where(Action.plan_id.in_(plan_ids)))
    return [LatestStatus(plan_id, status, created_at) for plan_id, status, created_at in rows]


def nudge_key(plan_id: int, step_key: str) -> str:
    """The outbox dedupe key of a plan's deadline nudge: written by reconcile, read by the schedule view."""
    return f"nudge:{plan_id}:{step_key}"


async def nudge_statuses(session: AsyncSession, plan_id: int, step_keys: Sequence[str]) -> dict[str, OutboxStatus]:
    """Per step key, the status of this plan's nudge in the outbox, for the steps queued so far. An
    equality lookup on the unique dedupe keys (their index), not a scan of the outbox."""
    keys = {nudge_key(plan_id, step_key): step_key for step_key in step_keys}
    if not keys:
        return {}
    found = await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status)
                                  .where(OutboxMessage.dedupe_key.in_(list(keys))))
    return {keys[dedupe_key]: status for dedupe_key, status in found}



@dataclass(frozen=True, slots=True)
class Signatory:
    """Who signs a plan's update to the ERC: the operation's Humanitarian Coordinator."""

    name: str
    language: str


async def operation_hc(session: AsyncSession, operation_id: int) -> Signatory | None:
    """The operation's HC (the first registered, should there be two), or None."""
    from storage.models import Person, Role

    found = await session.execute(select(Person.name, Person.language)
                                  .where(Person.operation_id == operation_id, Person.role == Role.HC)
                                  .order_by(Person.id).limit(1))
    row = found.first()
    return Signatory(row[0], row[1]) if row else None
