"""A plan's nudge ladder as the secretariat reads it (``hcbot schedule PLAN``): each step's local
time, to whom, and whether it was queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.nudges.deadlines import send_at, update_due_on
from handlers.nudges.reconcile import ScheduleSettings, plan_steps
from storage import plans
from storage import repositories as repo
from storage.database import Session

# How far past today the ladder is shown.
AHEAD = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    local_time: datetime
    key: str
    to_secretariat: bool
    state: str
    """The queued nudge's outbox status, else "past, not sent" or "coming"."""


@dataclass(frozen=True, slots=True)
class PlanSchedule:
    code: str
    due_on: date
    timezone: str
    submitted_at: datetime | None
    steps: list[ScheduledStep]

    def lines(self) -> list[str]:
        lines = [f"{self.code}: update due {self.due_on}; times in {self.timezone}"
                 + (f"; SENT {self.submitted_at:%Y-%m-%d}, nudges stopped" if self.submitted_at else "")]
        for step in self.steps:
            who = "secretariat" if step.to_secretariat else "HC"
            lines.append(f"  {step.local_time:%a %Y-%m-%d %H:%M %Z}  {step.key:<14} to {who:<11} {step.state}")
        return lines


async def plan_schedule(session: Session, code: str, now: datetime, settings: ScheduleSettings) -> PlanSchedule | None:
    """The plan's ladder up to two months ahead; None when no plan has that code."""
    plan = await repo.plan_by_code(session, code)
    if plan is None:
        return None
    own, steps = plan_steps(plan, settings, now + AHEAD)
    operation = plan.mission.operation
    zone = ZoneInfo(operation.timezone)
    queued = await plans.nudge_statuses(session, plan.id, [step.key for step in steps])
    shown = []
    for step in steps:
        moment = send_at(step, operation.timezone, frozenset(operation.working_days), own)
        status = queued.get(step.key)
        state = status.value if status else ("past, not sent" if moment <= now else "coming")
        shown.append(ScheduledStep(moment.astimezone(zone), step.key, step.to_secretariat, state))
    return PlanSchedule(plan.code, update_due_on(plan.adopted_on, plan.update_due_on, own), operation.timezone,
                        plan.submitted_at, shown)
