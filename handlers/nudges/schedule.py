"""A plan's nudge ladder as the secretariat reads it (``hcbot schedule PLAN``): each step's local
time, to whom, and whether it was queued; a step that is not sent says why (the ladder's own
rules skip some on purpose), so that a reader does not take a rule for a fault.

The command is the operator's, in English like the rest of the shell's output."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.nudges.deadlines import LadderSettings, Step, latest_due, send_at, update_due_on
from handlers.nudges.reconcile import TOO_SOON_AFTER_CATCH_UP, ScheduleSettings, plan_steps, skip_reason
from storage import outbox, plans
from storage import repositories as repo
from storage.database import Session
from storage.models import ActionPlan, OutboxStatus
from storage.outbox import QueuedNudge

# How far past today the ladder is shown.
AHEAD = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    local_time: datetime
    key: str
    to_secretariat: bool
    state: str
    """The queued message's outbox status; else why it was (or will be) skipped, "past, not sent"
    or "coming"."""


@dataclass(frozen=True, slots=True)
class PlanSchedule:
    code: str
    due_on: date
    timezone: str
    submitted_at: datetime | None
    steps: list[ScheduledStep]
    notes: list[str] = field(default_factory=list)
    """Lines after the ladder: where it ends, and why."""

    def lines(self) -> list[str]:
        lines = [f"{self.code}: update due {self.due_on}; times in {self.timezone}"
                 + (f"; SENT {self.submitted_at:%Y-%m-%d}, nudges stopped" if self.submitted_at else "")]
        for step in self.steps:
            who = "secretariat" if step.to_secretariat else "HC"
            lines.append(f"  {step.local_time:%a %Y-%m-%d %H:%M %Z}  {step.key:<14} to {who:<11} {step.state}")
        return lines + [f"  {note}" for note in self.notes]


async def plan_schedule(session: Session, code: str, now: datetime, settings: ScheduleSettings) -> PlanSchedule | None:
    """The plan's ladder up to two months ahead; None when no plan has that code."""
    plan = await repo.plan_by_code(session, code)
    if plan is None:
        return None
    own, steps = plan_steps(plan, settings, now + AHEAD)
    operation = plan.mission.operation
    zone = ZoneInfo(operation.timezone)
    ladder = _Ladder(plan, operation.timezone, frozenset(operation.working_days), own, settings, steps,
                     (await outbox.queued_nudges(session, {plan.id}))[plan.id])
    queued = await plans.nudge_statuses(session, plan.id, [step.key for step in steps])
    told = await outbox.escalation_statuses(session, plan.id)
    shown = []
    for step in steps:
        moment = ladder.moment(step)
        if step.to_secretariat:
            state = _statuses(told.get(step.key, [])) or ladder.not_queued(step, now)
        else:
            status = queued.get(step.key)
            state = status.value if status else ladder.not_queued(step, now)
        shown.append(ScheduledStep(moment.astimezone(zone), step.key, step.to_secretariat, state))
    return PlanSchedule(plan.code, update_due_on(plan.adopted_on, plan.update_due_on, own), operation.timezone,
                        plan.submitted_at, shown, _where_it_ends(steps, own))


def _statuses(found: list[OutboxStatus]) -> str:
    """"sent" when every member's message is; else each status counted: "sent 2, pending 1"."""
    kinds = sorted({status.value for status in found})
    if len(kinds) <= 1:
        return "".join(kinds)
    return ", ".join(f"{kind} {sum(status.value == kind for status in found)}" for kind in kinds)


@dataclass(frozen=True, slots=True)
class _Ladder:
    """The plan's ladder and the nudges queued so far: enough to tell why a step was not queued,
    by the same rules the reconcile pass applies (``latest_due``, ``skip_reason``)."""

    plan: ActionPlan
    timezone: str
    working_days: frozenset[int]
    own: LadderSettings
    settings: ScheduleSettings
    steps: list[Step]
    queued: list[QueuedNudge]

    def moment(self, step: Step) -> datetime:
        return send_at(step, self.timezone, self.working_days, self.own)

    def not_queued(self, step: Step, now: datetime) -> str:
        moment = self.moment(step)
        past = moment <= now
        submitted = self.plan.submitted_at
        if submitted is not None and moment > submitted:
            return "stopped: the update went to the ERC"
        why = self._why_skipped(step, moment)
        if why is not None:
            return f"skipped: {why}" if past else f"coming, to be skipped: {why}"
        return "past, not sent" if past else "coming"

    def _why_skipped(self, step: Step, moment: datetime) -> str | None:
        if step.to_secretariat:
            return None  # the secretariat is told of every rung, whatever the HC was sent
        # Two steps on the same morning (a rest day moved one onto the other): the nearer the
        # deadline is the one sent.
        chosen = latest_due(self.steps, self.timezone, self.working_days, self.own, moment)
        if chosen is not None and chosen.key != step.key:
            if chosen.key == "window-open":
                return "overtaken by the window opening, the same morning"
            return f"the same morning as {chosen.key}, which is sent instead"
        earlier = [nudge for nudge in self.queued if nudge.due_at < moment]
        if skip_reason(self.plan, self.timezone, self.working_days, step, moment, earlier,
                       self.settings) == TOO_SOON_AFTER_CATCH_UP:
            previous = max(earlier, key=lambda nudge: nudge.due_at)
            local = previous.due_at.astimezone(ZoneInfo(self.timezone))
            return f"too close to the previous one ({previous.step_key}, caught up on {local:%a %Y-%m-%d})"
        later = [nudge for nudge in self.queued if nudge.step_key != step.key and nudge.due_at >= moment]
        if later:
            # Another step went out at or after this one's time: a later one (the bot was not running
            # or the HC paused then, and only the latest missed step is sent; or a ``tick --now`` ran
            # ahead of the clock), or an earlier one caught up on this one's morning. Either way this
            # one is not newer than what the HC was told, and the ladder only moves forward.
            first = min(later, key=lambda nudge: nudge.due_at)
            return f"{first.step_key} went out in its place"
        return None


def _where_it_ends(steps: list[Step], own: LadderSettings) -> list[str]:
    """The last weekly overdue nudge, when the ladder shown reaches it: none is sent after it."""
    stopped = next((step for step in steps if step.key.startswith("stopped")), None)
    weekly = [step for step in steps if step.key.startswith("overdue")]
    if stopped is None or not weekly:
        return []
    return [f"no nudge after {weekly[-1].key}: weekly overdue nudges stop after {own.overdue_max} "
            f"(HCBOT_OVERDUE_NUDGES_MAX); the secretariat is told ({stopped.key})"]
