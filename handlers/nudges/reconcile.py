"""What is due at ``now``: deadline nudges, secretariat escalations, check-in prompts, reminders.

``reconcile`` writes due messages to the outbox under unique dedupe keys and nothing else; running
it every minute, twice at once, or after a week of downtime gives the same rows. The database is
the only source of truth: no schedule lives in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.broadcasts import sending
from handlers.checkins import dialogue
from handlers.dates import short_date
from handlers.i18n import t
from handlers.messages import ReplyBuilder, bold, reply_to_json
from handlers.nudges.deadlines import (
    LadderSettings,
    Step,
    ladder,
    send_at,
    sending_slot,
    update_due_on,
    working_day,
)
from storage import outbox
from storage import repositories as repo
from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    ChatIdentity,
    CheckinSession,
    CheckinStep,
    Mission,
    Operation,
    OutboxMessage,
    Person,
    Role,
    Status,
)


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    ladder: LadderSettings = field(default_factory=LadderSettings)
    checkin_reminder_after: timedelta = timedelta(hours=48)
    checkin_expires_after: timedelta = timedelta(days=7)
    stale_after: timedelta = timedelta(days=30)


@dataclass(slots=True)
class ReconcileReport:
    nudges: int = 0
    escalations: int = 0
    checkins: int = 0
    reminders: int = 0
    expired: int = 0
    broadcast_messages: int = 0

    def __str__(self) -> str:
        return (f"{self.nudges} nudge(s), {self.escalations} escalation(s), {self.checkins} check-in(s), "
                f"{self.reminders} reminder(s), {self.expired} expired check-in(s) queued or closed, "
                f"{self.broadcast_messages} broadcast message(s) released")


class PlanLike(Protocol):
    @property
    def adopted_on(self) -> date: ...
    @property
    def update_due_on(self) -> date | None: ...
    @property
    def window_closes_months(self) -> int | None: ...
    @property
    def nudge_days_before(self) -> list[int] | None: ...


def plan_ladder(plan: PlanLike, settings: ScheduleSettings) -> LadderSettings:
    """The global ladder with this plan's own overrides."""
    base = settings.ladder
    return LadderSettings(
        window_opens_months=min(base.window_opens_months, plan.window_closes_months or base.window_closes_months),
        window_closes_months=plan.window_closes_months or base.window_closes_months,
        days_before=tuple(plan.nudge_days_before) if plan.nudge_days_before else base.days_before,
        overdue_every_days=base.overdue_every_days,
        escalate_after_days=base.escalate_after_days,
        send_hour=base.send_hour,
        last_hour=base.last_hour,
    )


def plan_steps(plan: PlanLike, settings: ScheduleSettings, until: datetime) -> tuple[LadderSettings, list[Step]]:
    own = plan_ladder(plan, settings)
    due_on = update_due_on(plan.adopted_on, plan.update_due_on, own)
    return own, ladder(plan.adopted_on, due_on, own, until=until.date() + timedelta(days=1))


def _paused(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


@dataclass(frozen=True, slots=True)
class _PlanRow:
    """An open plan and its operation, read as one row: a pass over 10,000 plans must not build
    10,000 object graphs."""

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


@dataclass(frozen=True, slots=True)
class _PersonRow:
    id: int
    language: str
    paused_until: datetime | None
    operation_id: int | None
    role: Role


@dataclass(slots=True)
class _Candidate:
    key: str
    kind: str
    person: _PersonRow
    plan: _PlanRow
    due_at: datetime
    step: Step | None = None
    due_on: date | None = None


async def _open_plans(session: AsyncSession) -> list[_PlanRow]:
    rows = await session.execute(
        select(ActionPlan.id, ActionPlan.code, ActionPlan.title, ActionPlan.adopted_on, ActionPlan.update_due_on,
               ActionPlan.checkin_every_weeks, ActionPlan.window_closes_months, ActionPlan.nudge_days_before,
               Operation.id, Operation.name, Operation.timezone, Operation.working_days, Operation.paused_until)
        .join(Mission, ActionPlan.mission_id == Mission.id).join(Operation, Mission.operation_id == Operation.id)
        .where(ActionPlan.submitted_at.is_(None)))
    return [_PlanRow(id=row[0], code=row[1], title=row[2], adopted_on=row[3], update_due_on=row[4],
                     checkin_every_weeks=row[5], window_closes_months=row[6], nudge_days_before=row[7],
                     operation_id=row[8], operation_name=row[9], timezone=row[10], working_days=frozenset(row[11]),
                     operation_paused_until=row[12]) for row in rows]


async def _people(session: AsyncSession) -> list[_PersonRow]:
    rows = await session.execute(select(Person.id, Person.language, Person.paused_until, Person.operation_id,
                                        Person.role))
    return [_PersonRow(id=row[0], language=row[1], paused_until=row[2], operation_id=row[3], role=row[4])
            for row in rows]


async def _existing(session: AsyncSession, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 5000):
        chunk = keys[start:start + 5000]
        found.update((await session.execute(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk)))).scalars())
    return found


def _latest_step(steps: list[Step], plan: _PlanRow, own: LadderSettings, now: datetime) -> Step | None:
    """latest_due, from the end: the steps are in date order, so the answer is among the last few."""
    best: tuple[datetime, date, Step] | None = None
    for step in reversed(steps):
        if step.to_secretariat:
            continue
        moment = send_at(step, plan.timezone, plan.working_days, own)
        if moment <= now and (best is None or (moment, step.day) > (best[0], best[1])):
            best = (moment, step.day, step)
        elif best is not None and step.day < best[0].date() - timedelta(days=7):
            break  # earlier steps cannot be later once moved by at most a few rest days
    return best[2] if best else None


def _cycle_instant(plan: _PlanRow, cycle: int, settings: ScheduleSettings) -> datetime:
    day = plan.adopted_on + timedelta(weeks=plan.checkin_every_weeks * cycle)
    day = working_day(day, plan.working_days, earlier=False)
    return datetime.combine(day, time(settings.ladder.send_hour), tzinfo=ZoneInfo(plan.timezone))


def _latest_cycle(plan: _PlanRow, now: datetime, settings: ScheduleSettings) -> int:
    cycle = max(0, (now.date() - plan.adopted_on).days // (7 * plan.checkin_every_weeks) + 1)
    while cycle > 0 and _cycle_instant(plan, cycle, settings) > now:
        cycle -= 1
    return cycle


def nudge_reply(plan: _PlanRow, due_on: date, now: datetime, recent: int, total: int, stale: int,
                language: str) -> dict[str, object]:
    """Days left, how far the check-ins got, and the two things an HC does next: read the draft,
    or say it is sent."""
    days = (due_on - now.date()).days
    if days > 0:
        when = t("nudge.days_left", language, days=days)
    elif days == 0:
        when = t("nudge.due_today", language)
    else:
        when = t("nudge.days_late", language, days=-days)
    builder = ReplyBuilder()
    builder.add(bold(t("nudge.title", language, plan=plan.title)))
    builder.add(t("nudge.due", language, date=short_date(due_on, language), when=when))
    builder.add(t("nudge.progress", language, recent=recent, total=total, stale=stale))
    builder.button(t("nudge.draft", language), f"report:#{plan.id}")
    builder.button(t("nudge.mark_sent", language), f"submitted:#{plan.id}")
    return reply_to_json(builder.build())


def escalation_reply(plan: _PlanRow, due_on: date, now: datetime) -> dict[str, object]:
    builder = ReplyBuilder().add(bold(t("escalate.title", "en", plan=plan.title)))
    builder.add(t("escalate.body", "en", operation=plan.operation_name, days=(now.date() - due_on).days,
                  date=short_date(due_on, "en")))
    builder.button(t("nudge.draft", "en"), f"report:#{plan.id}")
    return reply_to_json(builder.build())


async def _progress(session: AsyncSession, plan_ids: set[int], now: datetime,
                    settings: ScheduleSettings) -> dict[int, tuple[int, int, int]]:
    """Per plan: actions reported recently, all actions, actions with a stale or no status."""
    if not plan_ids:
        return {}
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("last_id"))
              .group_by(ActionUpdate.action_id).subquery())
    rows = await session.execute(
        select(Action.plan_id, ActionUpdate.status, ActionUpdate.created_at)
        .select_from(Action).outerjoin(latest, latest.c.action_id == Action.id)
        .outerjoin(ActionUpdate, ActionUpdate.id == latest.c.last_id)
        .where(Action.plan_id.in_(plan_ids)))
    counts: dict[int, list[int]] = {plan_id: [0, 0, 0] for plan_id in plan_ids}
    for plan_id, status, created_at in rows:
        entry = counts[plan_id]
        entry[1] += 1
        if created_at is not None and now - created_at <= settings.stale_after:
            entry[0] += 1
        elif status is None or status is not Status.DONE:
            entry[2] += 1
    return {plan_id: (entry[0], entry[1], entry[2]) for plan_id, entry in counts.items()}


async def reconcile(session: AsyncSession, now: datetime, settings: ScheduleSettings | None = None) -> ReconcileReport:
    settings = settings or ScheduleSettings()
    report = ReconcileReport()
    people = await _people(session)
    hcs: dict[int, list[_PersonRow]] = {}
    for person in people:
        if person.role is Role.HC and person.operation_id is not None:
            hcs.setdefault(person.operation_id, []).append(person)
    secretariat = [person for person in people if person.role is Role.SECRETARIAT]
    by_id = {person.id: person for person in people}
    plans = [plan for plan in await _open_plans(session) if not _paused(plan.operation_paused_until, now)]

    candidates: list[_Candidate] = []
    for plan in plans:
        own, steps = plan_steps(plan, settings, now)
        due_on = update_due_on(plan.adopted_on, plan.update_due_on, own)
        step = _latest_step(steps, plan, own, now)
        leaders = [person for person in hcs.get(plan.operation_id, []) if not _paused(person.paused_until, now)]
        if step is not None and leaders:
            due_at = sending_slot(max(now, send_at(step, plan.timezone, plan.working_days, own)), plan.timezone,
                                  plan.working_days, own)
            candidates.append(_Candidate(f"nudge:{plan.id}:{step.key}", "nudge", leaders[0], plan, due_at, step,
                                         due_on))
        for escalation in (s for s in steps if s.to_secretariat):
            if send_at(escalation, plan.timezone, plan.working_days, own) <= now:
                candidates += [_Candidate(f"escalate:{plan.id}:{escalation.key}:{person.id}", "escalation", person,
                                          plan, now, escalation, due_on) for person in secretariat]
    candidates += await _checkin_candidates(session, plans, hcs, by_id, now, settings)

    existing = await _existing(session, [candidate.key for candidate in candidates])
    missing = [candidate for candidate in candidates if candidate.key not in existing]
    progress = await _progress(session, {c.plan.id for c in missing if c.kind == "nudge"}, now, settings)
    for candidate in missing:
        plan, person = candidate.plan, candidate.person
        if candidate.kind == "nudge":
            assert candidate.due_on is not None
            payload = nudge_reply(plan, candidate.due_on, now, *progress[plan.id], person.language)
            report.nudges += await outbox.enqueue(session, dedupe_key=candidate.key, kind="nudge", person_id=person.id,
                                                  payload=payload, due_at=candidate.due_at, now=now)
        elif candidate.kind == "escalation":
            assert candidate.due_on is not None
            report.escalations += await outbox.enqueue(
                session, dedupe_key=candidate.key, kind="escalation", person_id=person.id,
                payload=escalation_reply(plan, candidate.due_on, now), due_at=now, now=now)
        else:
            report.checkins += await _open_checkin(session, candidate, now)
    await _reminders_and_expiry(session, now, settings, report)
    report.broadcast_messages = await sending.release_due(session, now, settings.ladder)
    return report


async def _checkin_candidates(session: AsyncSession, plans: list[_PlanRow], hcs: dict[int, list[_PersonRow]],
                              by_id: dict[int, _PersonRow], now: datetime,
                              settings: ScheduleSettings) -> list[_Candidate]:
    """Every N weeks after adoption, a check-in for the HC and each registered action owner; only the
    latest cycle counts after downtime."""
    linked = set((await session.execute(
        select(ChatIdentity.person_id).where(ChatIdentity.active.is_(True)).distinct())).scalars())
    owners: dict[int, set[int]] = {}
    for plan_id, owner_id in await session.execute(
            select(Action.plan_id, Action.owner_id).where(Action.owner_id.is_not(None)).distinct()):
        if owner_id is not None:
            owners.setdefault(plan_id, set()).add(owner_id)
    busy = set((await session.execute(select(CheckinSession.person_id).where(
        CheckinSession.step.in_((CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE, CheckinStep.PAUSED))))).scalars())
    found = []
    for plan in plans:
        cycle = _latest_cycle(plan, now, settings)
        if cycle == 0:
            continue
        due_at = sending_slot(now, plan.timezone, plan.working_days, settings.ladder)
        invited = {person.id for person in hcs.get(plan.operation_id, [])} | owners.get(plan.id, set())
        for person_id in sorted(invited):
            person = by_id.get(person_id)
            if person is None or person_id not in linked or person_id in busy or _paused(person.paused_until, now):
                continue
            found.append(_Candidate(f"checkin:{plan.id}:{person_id}:{cycle}", "checkin", person, plan, due_at))
    return found


async def _open_checkin(session: AsyncSession, candidate: _Candidate, now: datetime) -> int:
    person = await session.get(Person, candidate.person.id)
    if person is None:
        return 0
    plan = await repo.plan_by_id(session, candidate.plan.id)
    if plan is None or not repo.actions_answered_by(person, plan):
        return 0
    # Claim the key first: a second reconcile racing this one stops here, before it opens a
    # second check-in session for the same person.
    if not await outbox.enqueue(session, dedupe_key=candidate.key, kind="checkin", person_id=person.id, payload={},
                                due_at=candidate.due_at, now=now):
        return 0
    replies = await dialogue.start(session, person, plan.code, now)
    await outbox.set_payload(session, candidate.key, reply_to_json(replies[0]))
    return 1


OPEN_STEPS = (CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE, CheckinStep.PAUSED)


async def _reminders_and_expiry(session: AsyncSession, now: datetime, settings: ScheduleSettings,
                                report: ReconcileReport) -> None:
    expired = await session.execute(
        update(CheckinSession).where(CheckinSession.step.in_(OPEN_STEPS),
                                     CheckinSession.started_at <= now - settings.checkin_expires_after)
        .values(step=CheckinStep.EXPIRED).returning(CheckinSession.id))
    report.expired += len(expired.all())
    waiting = await session.execute(select(CheckinSession).where(
        CheckinSession.step.in_((CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE)),
        CheckinSession.reminded_at.is_(None), CheckinSession.updated_at <= now - settings.checkin_reminder_after))
    for open_session in waiting.scalars():
        person = await session.get(Person, open_session.person_id, options=[selectinload(Person.operation)])
        if person is None or _paused(person.paused_until, now):
            continue
        due_at = now
        if person.operation is not None:
            due_at = sending_slot(now, person.operation.timezone, frozenset(person.operation.working_days),
                                  settings.ladder)
        open_session.reminded_at = now
        language = person.language
        reply = await dialogue.prompt(session, open_session, language, t("checkin.reminder", language))
        report.reminders += await outbox.enqueue(
            session, dedupe_key=f"checkin-reminder:{open_session.id}", kind="reminder",
            person_id=person.id, payload=reply_to_json(reply), due_at=due_at, now=now)
