"""What is due at ``now``: deadline nudges, secretariat escalations, check-in prompts, reminders.

``reconcile`` writes due messages to the outbox under unique dedupe keys and nothing else; running
it every minute, twice at once, or after a week of downtime gives the same rows. The database is
the only source of truth: no schedule lives in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers import checkin
from handlers.checkin import short_date
from handlers.deadlines import (
    LadderSettings,
    Step,
    ladder,
    latest_due,
    send_at,
    sending_slot,
    update_due_on,
    working_day,
)
from handlers.i18n import t
from handlers.messages import ReplyBuilder, bold, reply_to_json
from storage import outbox
from storage import repositories as repo
from storage.models import (
    Action,
    ActionPlan,
    CheckinSession,
    CheckinStep,
    Mission,
    Operation,
    Person,
    Role,
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

    def __str__(self) -> str:
        return (f"{self.nudges} nudge(s), {self.escalations} escalation(s), {self.checkins} check-in(s), "
                f"{self.reminders} reminder(s), {self.expired} expired check-in(s) queued or closed")


def plan_ladder(plan: ActionPlan, settings: ScheduleSettings) -> LadderSettings:
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


def plan_steps(plan: ActionPlan, settings: ScheduleSettings, until: datetime) -> tuple[LadderSettings, list[Step]]:
    own = plan_ladder(plan, settings)
    due_on = update_due_on(plan.adopted_on, plan.update_due_on, own)
    return own, ladder(plan.adopted_on, due_on, own, until=until.date() + timedelta(days=1))


def _paused(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


async def _open_plans(session: AsyncSession) -> list[ActionPlan]:
    found = await session.execute(
        select(ActionPlan).where(ActionPlan.submitted_at.is_(None)).options(
            selectinload(ActionPlan.mission).selectinload(Mission.operation),
            selectinload(ActionPlan.actions).selectinload(Action.updates),
        )
    )
    return list(found.scalars())


async def _people(session: AsyncSession) -> tuple[dict[int, list[Person]], list[Person]]:
    """HCs by operation (whoever holds the role now: a new HC inherits the plan's nudges) and the
    secretariat."""
    found = await session.execute(select(Person).where(Person.role.in_((Role.HC, Role.SECRETARIAT))))
    by_operation: dict[int, list[Person]] = {}
    secretariat: list[Person] = []
    for person in found.scalars():
        if person.role is Role.SECRETARIAT:
            secretariat.append(person)
        elif person.operation_id is not None:
            by_operation.setdefault(person.operation_id, []).append(person)
    return by_operation, secretariat


def nudge_reply(plan: ActionPlan, step: Step, due_on: object, now: datetime, settings: ScheduleSettings,
                language: str) -> dict[str, object]:
    """Days left, how far the check-ins got, and the two things an HC does next: read the draft,
    or say it is sent."""
    today = now.date()
    days = (due_on - today).days  # type: ignore[operator]
    if days > 0:
        when = t("nudge.days_left", language, days=days)
    elif days == 0:
        when = t("nudge.due_today", language)
    else:
        when = t("nudge.days_late", language, days=-days)
    recent = stale = 0
    for action in plan.actions:
        last = repo.latest_update(action)
        if last is not None and now - last.created_at <= settings.stale_after:
            recent += 1
        elif last is None or last.status.value != "done":
            stale += 1
    builder = ReplyBuilder()
    builder.add(bold(t("nudge.title", language, plan=plan.title)))
    builder.add(t("nudge.due", language, date=short_date(due_on, language), when=when))  # type: ignore[arg-type]
    builder.add(t("nudge.progress", language, recent=recent, total=len(plan.actions), stale=stale))
    builder.button(t("nudge.draft", language), f"report:{plan.code}")
    builder.button(t("nudge.mark_sent", language), f"submitted:{plan.code}")
    return reply_to_json(builder.build())


def escalation_reply(plan: ActionPlan, due_on: object, now: datetime) -> dict[str, object]:
    days = (now.date() - due_on).days  # type: ignore[operator]
    builder = ReplyBuilder().add(bold(t("escalate.title", "en", plan=plan.title)))
    builder.add(t("escalate.body", "en", operation=plan.mission.operation.name, days=days,
                  date=short_date(due_on, "en")))  # type: ignore[arg-type]
    builder.button(t("nudge.draft", "en"), f"report:{plan.code}")
    return reply_to_json(builder.build())


def _cycle_instant(plan: ActionPlan, cycle: int, operation: Operation, settings: ScheduleSettings) -> datetime:
    day = plan.adopted_on + timedelta(weeks=plan.checkin_every_weeks * cycle)
    day = working_day(day, frozenset(operation.working_days), earlier=False)
    return datetime.combine(day, time(settings.ladder.send_hour), tzinfo=ZoneInfo(operation.timezone))


async def reconcile(session: AsyncSession, now: datetime, settings: ScheduleSettings | None = None) -> ReconcileReport:
    settings = settings or ScheduleSettings()
    report = ReconcileReport()
    hcs, secretariat = await _people(session)
    for plan in await _open_plans(session):
        operation = plan.mission.operation
        if _paused(operation.paused_until, now):
            continue
        working = frozenset(operation.working_days)
        own, steps = plan_steps(plan, settings, now)
        due_on = update_due_on(plan.adopted_on, plan.update_due_on, own)
        step = latest_due(steps, operation.timezone, working, own, now)
        leaders = [person for person in hcs.get(operation.id, []) if not _paused(person.paused_until, now)]
        if step is not None and leaders:
            hc = leaders[0]
            report.nudges += await outbox.enqueue(
                session, dedupe_key=f"nudge:{plan.id}:{step.key}", kind="nudge", person_id=hc.id,
                payload=nudge_reply(plan, step, due_on, now, settings, hc.language),
                due_at=sending_slot(max(now, send_at(step, operation.timezone, working, own)), operation.timezone,
                                    working, own), now=now)
        for escalation in (s for s in steps if s.to_secretariat):
            if send_at(escalation, operation.timezone, working, own) <= now:
                for person in secretariat:
                    report.escalations += await outbox.enqueue(
                        session, dedupe_key=f"escalate:{plan.id}:{escalation.key}:{person.id}", kind="escalation",
                        person_id=person.id, payload=escalation_reply(plan, due_on, now), due_at=now, now=now)
        await _checkins(session, plan, operation, now, settings, report)
    await _reminders_and_expiry(session, now, settings, report)
    return report


async def _checkins(session: AsyncSession, plan: ActionPlan, operation: Operation, now: datetime,
                    settings: ScheduleSettings, report: ReconcileReport) -> None:
    """Every N weeks after adoption, a check-in for the HC and each registered action owner; only the
    latest cycle counts after downtime."""
    cycle = 0
    while _cycle_instant(plan, cycle + 1, operation, settings) <= now:
        cycle += 1
    if cycle == 0:
        return
    owner_ids = {action.owner_id for action in plan.actions if action.owner_id is not None}
    found = await session.execute(
        select(Person).where(((Person.role == Role.HC) & (Person.operation_id == operation.id))
                             | Person.id.in_(owner_ids)).options(selectinload(Person.identities)))
    for person in found.scalars():
        if _paused(person.paused_until, now) or not any(identity.active for identity in person.identities):
            continue
        if not repo.actions_answered_by(person, plan) or await repo.open_checkin(session, person.id) is not None:
            continue
        # Claim the key first: a second reconcile racing this one stops here, before it opens a
        # second check-in session for the same person.
        key = f"checkin:{plan.id}:{person.id}:{cycle}"
        due_at = sending_slot(now, operation.timezone, frozenset(operation.working_days), settings.ladder)
        if not await outbox.enqueue(session, dedupe_key=key, kind="checkin", person_id=person.id, payload={},
                                    due_at=due_at, now=now):
            continue
        replies = await checkin.start(session, person, plan.code, now)
        await outbox.set_payload(session, key, reply_to_json(replies[0]))
        report.checkins += 1


async def _reminders_and_expiry(session: AsyncSession, now: datetime, settings: ScheduleSettings,
                                report: ReconcileReport) -> None:
    found = await session.execute(select(CheckinSession).where(
        CheckinSession.step.in_((CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE, CheckinStep.PAUSED))))
    for open_session in found.scalars():
        if now - open_session.started_at >= settings.checkin_expires_after:
            open_session.step = CheckinStep.EXPIRED
            report.expired += 1
            continue
        if (open_session.step is not CheckinStep.PAUSED and open_session.reminded_at is None
                and now - open_session.updated_at >= settings.checkin_reminder_after):
            person = await session.get(Person, open_session.person_id, options=[selectinload(Person.operation)])
            if person is None or _paused(person.paused_until, now):
                continue
            due_at = now
            if person.operation is not None:
                due_at = sending_slot(now, person.operation.timezone, frozenset(person.operation.working_days),
                                      settings.ladder)
            open_session.reminded_at = now
            language = person.language
            reply = await checkin.prompt(session, open_session, language, t("checkin.reminder", language))
            report.reminders += await outbox.enqueue(
                session, dedupe_key=f"checkin-reminder:{open_session.id}", kind="reminder",
                person_id=person.id, payload=reply_to_json(reply), due_at=due_at, now=now)
