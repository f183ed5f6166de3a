"""What the trends brief reads: plain rows across every operation (actions with their status history,
plans with their mission's kind, notices' outcomes by operation). Set-based reads, a handful of
queries whatever the number of operations; the counting is the brief's (handlers/trends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    Broadcast,
    BroadcastStatus,
    Mission,
    MissionKind,
    Operation,
    OutboxMessage,
    OutboxStatus,
    Person,
    Sharing,
    Status,
)


@dataclass(frozen=True, slots=True)
class OperationShared:
    id: int
    code: str
    name: str
    country: str
    sharing: Sharing


async def operations(session: AsyncSession) -> list[OperationShared]:
    rows = await session.execute(select(Operation.id, Operation.code, Operation.name, Operation.country,
                                        Operation.sharing).order_by(Operation.name, Operation.id))
    return [OperationShared(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class ActionHistory:
    """An action, its plan's operation and adoption date, and its statuses oldest first (the time
    each was reported). A correction is the newest update, so the last status is the one that stands."""

    id: int
    plan_id: int
    operation_id: int
    adopted_on: date
    topics: list[str]
    statuses: list[tuple[Status, datetime]]


async def action_histories(session: AsyncSession, adopted_since: date | None = None) -> list[ActionHistory]:
    """Every action (of plans adopted on or after ``adopted_since``) with its status history; notes
    are not read at all."""
    query = (select(Action.id, Action.plan_id, Mission.operation_id, ActionPlan.adopted_on, Action.topics)
             .join(ActionPlan, Action.plan_id == ActionPlan.id).join(Mission, ActionPlan.mission_id == Mission.id)
             .order_by(Action.id))
    updates = (select(ActionUpdate.action_id, ActionUpdate.status, ActionUpdate.created_at)
               .join(Action, ActionUpdate.action_id == Action.id).join(ActionPlan, Action.plan_id == ActionPlan.id)
               .order_by(ActionUpdate.action_id, ActionUpdate.id))
    if adopted_since is not None:
        query = query.where(ActionPlan.adopted_on >= adopted_since)
        updates = updates.where(ActionPlan.adopted_on >= adopted_since)
    history: dict[int, list[tuple[Status, datetime]]] = {}
    for action_id, status, created_at in await session.execute(updates):
        history.setdefault(action_id, []).append((status, created_at))
    return [ActionHistory(action_id, plan_id, operation_id, adopted_on, list(topics or []), history.get(action_id, []))
            for action_id, plan_id, operation_id, adopted_on, topics in await session.execute(query)]


async def plan_kinds(session: AsyncSession) -> dict[int, MissionKind]:
    """Each plan's mission type (P2P or OPR)."""
    rows = await session.execute(select(ActionPlan.id, Mission.kind).join(Mission, ActionPlan.mission_id == Mission.id))
    return {plan_id: kind for plan_id, kind in rows}


@dataclass(frozen=True, slots=True)
class OperationReach:
    """The messages of released notices to an operation's people, by outcome."""

    operation_id: int | None
    status: OutboxStatus
    count: int


async def notice_reach(session: AsyncSession, released_since: datetime | None = None) -> list[OperationReach]:
    """Outbox rows of released notices, by the recipient's operation (None: no operation, such as
    headquarters) and status."""
    query = (select(Person.operation_id, OutboxMessage.status, func.count(OutboxMessage.id))
             .join(Broadcast, OutboxMessage.broadcast_id == Broadcast.id)
             .join(Person, OutboxMessage.person_id == Person.id)
             .where(Broadcast.status.in_([BroadcastStatus.RELEASED, BroadcastStatus.CANCELLED]))
             .group_by(Person.operation_id, OutboxMessage.status))
    if released_since is not None:
        query = query.where(Broadcast.released_at >= released_since)
    return [OperationReach(operation_id, status, int(count)) for operation_id, status, count in
            await session.execute(query)]


async def opted_out_by_operation(session: AsyncSession) -> dict[int | None, int]:
    """People who turned notices off, by operation: notices skip them."""
    rows = await session.execute(select(Person.operation_id, func.count(Person.id))
                                 .where(Person.notices.is_(False)).group_by(Person.operation_id))
    return {operation_id: int(count) for operation_id, count in rows}


async def released_count(session: AsyncSession, released_since: datetime | None = None) -> int:
    query = select(func.count(Broadcast.id)).where(Broadcast.released_at.is_not(None))
    if released_since is not None:
        query = query.where(Broadcast.released_at >= released_since)
    return int((await session.execute(query)).scalar_one())
