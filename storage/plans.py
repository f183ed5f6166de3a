"""Action plans as the scheduler reads them: plain rows for every open plan, its owners, its progress.

Set-based reads: a reconcile pass over 10,000 plans must not build 10,000 object graphs. The plan
graphs a conversation needs (plan, actions, updates) are in ``storage.repositories``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.chunked import READ_CHUNK, among, by_key
from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    Mission,
    Operation,
    OutboxMessage,
    OutboxStatus,
    PlanSubmission,
    Status,
    SubmissionQuestion,
)


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


async def open_plans(session: AsyncSession, *, between: Callable[[], Awaitable[None]] | None = None,
                     chunk: int = READ_CHUNK) -> list[OpenPlan]:
    """Every open plan, by id, fetched ``chunk`` plans at a time from one statement, ``between``
    awaited after each. Read from the tables (Core), not through the ORM's result machinery, which
    was most of the read's CPU (it runs every minute); the working days one shared set a pattern."""
    plan, mission, operation = _PLANS.c, _MISSIONS.c, _OPERATIONS.c
    query = (select(plan.id, plan.code, plan.title, plan.adopted_on, plan.update_due_on, plan.checkin_every_weeks,
                    plan.window_closes_months, plan.nudge_days_before, operation.id, operation.name,
                    operation.timezone, operation.working_days, operation.paused_until)
             .join_from(_PLANS, _MISSIONS, plan.mission_id == mission.id)
             .join(_OPERATIONS, mission.operation_id == operation.id)
             .where(plan.submitted_at.is_(None)))
    days: dict[tuple[int, ...], frozenset[int]] = {}
    return [OpenPlan(id=row[0], code=row[1], title=row[2], adopted_on=row[3], update_due_on=row[4],
                     checkin_every_weeks=row[5], window_closes_months=row[6], nudge_days_before=row[7],
                     operation_id=row[8], operation_name=row[9], timezone=row[10],
                     working_days=days.setdefault(tuple(row[11]), frozenset(row[11])),
                     operation_paused_until=row[12])
            async for rows in by_key(session, query, plan.id, between=between, chunk=chunk) for row in rows]


_PLANS = cast(Table, ActionPlan.__table__)
_MISSIONS = cast(Table, Mission.__table__)
_OPERATIONS = cast(Table, Operation.__table__)


async def owners_by_plan(session: AsyncSession, *, between: Callable[[], Awaitable[None]] | None = None,
                         chunk: int = READ_CHUNK) -> dict[int, set[int]]:
    """Per plan, the registered people who own one of its actions: one statement, its rows
    fetched and turned into sets ``chunk`` (plan, owner) pairs at a time, ``between`` awaited after
    each. (A keyset on the pair re-sorted the rest of the actions each statement, as no index holds
    them by plan and owner: ten statements, 0.2 s of SQLite's time a pass, for 10,000 plans.)"""
    owners: dict[int, set[int]] = {}
    query = (select(Action.plan_id, Action.owner_id).where(Action.owner_id.is_not(None)).distinct()
             .order_by(Action.plan_id, Action.owner_id).execution_options(yield_per=chunk))
    result = await session.stream(query)
    async for rows in result.partitions(chunk):
        for plan_id, owner_id in rows:
            if owner_id is not None:
                owners.setdefault(plan_id, set()).add(owner_id)
        if between is not None:
            await between()
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
        .where(among(session, Action.plan_id, plan_ids)))
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


# --- Every plan at a glance (the secretariat's /plans, `hcbot admin plans`, the App Home) ---------


@dataclass(frozen=True, slots=True)
class PlanGlance:
    """One plan as the secretariat's overview reads it: its operation, its HC, where its actions stand.

    ``counts`` maps each status's value to the actions whose latest update has it, and ``"none"``
    to the actions with no update at all; ``last_update_at`` is the latest update of any action."""

    id: int
    code: str
    title: str
    adopted_on: date
    update_due_on: date | None
    window_closes_months: int | None
    submitted_at: datetime | None
    operation_id: int
    operation_code: str
    operation_name: str
    country: str
    timezone: str
    hc_name: str | None
    hc_email: str | None
    counts: dict[str, int]
    last_update_at: datetime | None


async def plans_at_a_glance(session: AsyncSession, operation_id: int | None = None) -> list[PlanGlance]:
    """Every plan (or one operation's), each with its HC and its actions' latest statuses, in three
    set-based queries whatever the number of plans."""
    from storage.models import Person, Role

    query = (select(ActionPlan.id, ActionPlan.code, ActionPlan.title, ActionPlan.adopted_on, ActionPlan.update_due_on,
                    ActionPlan.window_closes_months, ActionPlan.submitted_at, Operation.id, Operation.code,
                    Operation.name, Operation.country, Operation.timezone)
             .join(Mission, ActionPlan.mission_id == Mission.id).join(Operation, Mission.operation_id == Operation.id)
             .order_by(ActionPlan.id))
    hcs_query = select(Person.operation_id, Person.name, Person.email).where(Person.role == Role.HC).order_by(Person.id)
    if operation_id is not None:
        query = query.where(Operation.id == operation_id)
        hcs_query = hcs_query.where(Person.operation_id == operation_id)
    rows = (await session.execute(query)).all()
    # The first HC registered for an operation, as the report's signatory (should there be two).
    hcs: dict[int, tuple[str, str]] = {}
    for hc_operation, name, email in await session.execute(hcs_query):
        if hc_operation is not None:
            hcs.setdefault(hc_operation, (name, email))
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
              .group_by(ActionUpdate.action_id).subquery())
    statuses = (select(Action.plan_id, ActionUpdate.status, ActionUpdate.created_at)
                .select_from(Action).outerjoin(latest, latest.c.action_id == Action.id)
                .outerjoin(ActionUpdate, ActionUpdate.id == latest.c.last_id))
    if operation_id is not None:
        statuses = statuses.where(Action.plan_id.in_([row[0] for row in rows]))
    counts: dict[int, dict[str, int]] = {}
    last_update: dict[int, datetime] = {}
    for plan_id, status, created_at in await session.execute(statuses):
        per_plan = counts.setdefault(plan_id, {})
        key = status.value if status is not None else "none"
        per_plan[key] = per_plan.get(key, 0) + 1
        if created_at is not None and (plan_id not in last_update or created_at > last_update[plan_id]):
            last_update[plan_id] = created_at
    return [PlanGlance(id=row[0], code=row[1], title=row[2], adopted_on=row[3], update_due_on=row[4],
                       window_closes_months=row[5], submitted_at=row[6], operation_id=row[7], operation_code=row[8],
                       operation_name=row[9], country=row[10], timezone=row[11],
                       hc_name=hcs[row[7]][0] if row[7] in hcs else None,
                       hc_email=hcs[row[7]][1] if row[7] in hcs else None,
                       counts=counts.get(row[0], {}), last_update_at=last_update.get(row[0])) for row in rows]


async def operations_named(session: AsyncSession) -> list[tuple[int, str, str, str]]:
    """Every operation as (id, code, name, country): what ``/plans OPERATION`` matches against."""
    found = await session.execute(select(Operation.id, Operation.code, Operation.name, Operation.country)
                                  .order_by(Operation.name))
    return [(row[0], row[1], row[2], row[3]) for row in found]


# --- Submissions: marked as sent, and undone ---------------------------------------------------


async def record_submission(session: AsyncSession, plan: ActionPlan, now: datetime,
                            person_id: int | None) -> PlanSubmission:
    """The plan's update went to the ERC at ``now``: its nudges stop (``open_plans`` no longer
    returns it). What ``submitted_at`` held before is kept for an undo."""
    submission = PlanSubmission(plan_id=plan.id, submitted_at=now, submitted_by_id=person_id,
                                replaced_submitted_at=plan.submitted_at)
    session.add(submission)
    plan.submitted_at = now
    await session.flush()
    return submission


async def standing_submission(session: AsyncSession, plan_id: int) -> PlanSubmission | None:
    """The plan's latest submission not undone, if any."""
    found = await session.execute(select(PlanSubmission)
                                  .where(PlanSubmission.plan_id == plan_id, PlanSubmission.undone_at.is_(None))
                                  .order_by(PlanSubmission.submitted_at.desc(), PlanSubmission.id.desc()).limit(1))
    return found.scalars().first()


async def undo_submission(session: AsyncSession, plan: ActionPlan, submission: PlanSubmission, now: datetime,
                          person_id: int | None) -> None:
    """Puts back what the submission replaced (no date: the nudges and check-ins resume) and keeps
    the submission, marked undone, by whom and when."""
    plan.submitted_at = submission.replaced_submitted_at
    submission.undone_at = now
    submission.undone_by_id = person_id
    await session.flush()


async def submission_question(session: AsyncSession, person_id: int) -> SubmissionQuestion | None:
    found = await session.execute(select(SubmissionQuestion).where(SubmissionQuestion.person_id == person_id))
    return found.scalars().first()


async def ask_submission(session: AsyncSession, person_id: int, plan_id: int, now: datetime) -> None:
    """Records that the person was asked whether this plan's update was sent (a newer question
    replaces an older one: a person answers the last thing they were asked)."""
    waiting = await submission_question(session, person_id)
    if waiting is None:
        session.add(SubmissionQuestion(person_id=person_id, plan_id=plan_id, asked_at=now))
    else:
        waiting.plan_id, waiting.asked_at = plan_id, now
    await session.flush()


async def drop_submission_question(session: AsyncSession, person_id: int) -> None:
    await session.execute(delete(SubmissionQuestion).where(SubmissionQuestion.person_id == person_id))
