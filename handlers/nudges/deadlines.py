"""When the HC's progress update is due, and when each nudge about it goes out.

Pure functions of dates, a timezone and working days: the scheduler (a later issue) asks "what is
due at ``now``?" and gets the same answer however often, and on however many replicas, it asks.

Nudges go out at 09:00 in the operation's own timezone, on one of its working days (some
operations work Sunday to Thursday). A step that falls on a rest day moves to the working day
before it while the deadline is ahead (a reminder must not arrive late) and to the working day after
it once the deadline has passed. Local times are turned into UTC with ``zoneinfo`` at the last
moment, so a daylight-saving change moves the UTC hour, never the local one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True, slots=True)
class LadderSettings:
    """Every step of the ladder is configurable; these defaults follow the P2P practice."""

    window_opens_months: int = 3
    """The update window opens three months after adoption..."""
    window_closes_months: int = 5
    """...and closes after five: the default due date when a plan sets none."""
    days_before: tuple[int, ...] = (30, 14, 7, 1)
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    overdue_max: int = 6
    """Weekly overdue nudges stop after this many; the secretariat is told, once, on the morning of
    the last one (the ``stopped-N`` rung)."""
    send_hour: int = 9
    last_hour: int = 18
    """A message caught up late (after downtime, a pause) still goes out only between send_hour and
    last_hour local time on a working day."""

    def __post_init__(self) -> None:
        if not 0 < self.window_opens_months <= self.window_closes_months:
            raise ValueError("the window must open after adoption and before it closes")
        if any(days <= 0 for days in self.days_before) or self.overdue_every_days <= 0:
            raise ValueError("nudge intervals must be positive numbers of days")
        if self.overdue_max < 0:
            raise ValueError("the number of overdue nudges cannot be negative")
        if not 0 <= self.send_hour < self.last_hour <= 24:
            raise ValueError("send_hour and last_hour must be hours of the day, send_hour first")


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of the ladder. ``key`` is stable: it becomes part of the outbox's dedupe key."""

    key: str
    day: date
    """The nominal day, before moving off rest days."""
    to_secretariat: bool = False

    @property
    def after_deadline(self) -> bool:
        return self.key.startswith(("overdue", "escalate", "stopped"))


# The pure functions a reconcile pass calls for every open plan each minute are memoised: their
# answers change only with the plan, the settings or the day (``until``), so the passes of a day
# over 10,000 plans mostly look them up. Arguments are dates, frozen settings and frozensets.
_MEMO = 65_536


@lru_cache(maxsize=_MEMO)
def update_due_on(adopted_on: date, explicit: date | None, settings: LadderSettings) -> date:
    """The plan's own due date, or the end of the window after adoption."""
    return explicit or adopted_on + relativedelta(months=settings.window_closes_months)


def ladder(adopted_on: date, due_on: date, settings: LadderSettings, until: date) -> list[Step]:
    """Every step from adoption to ``until``: weekly overdue nudges go on until the update is sent or
    ``overdue_max`` of them were, and then the secretariat is told that the HC's nudges stopped."""
    return list(_ladder(adopted_on, due_on, settings, until))


@lru_cache(maxsize=_MEMO)
def _ladder(adopted_on: date, due_on: date, settings: LadderSettings, until: date) -> tuple[Step, ...]:
    window_opens = adopted_on + relativedelta(months=settings.window_opens_months)
    # A plan whose own due date comes before the usual window has no "window opens" nudge.
    steps = [Step("window-open", window_opens)] if window_opens < due_on else []
    steps += [Step(f"before-{days}", due_on - timedelta(days=days)) for days in sorted(settings.days_before,
                                                                                        reverse=True)]
    steps.append(Step("due", due_on))
    steps.append(Step(f"escalate-{settings.escalate_after_days}",
                      due_on + timedelta(days=settings.escalate_after_days), to_secretariat=True))
    every = settings.overdue_every_days
    for week in range(1, settings.overdue_max + 1):
        if due_on + timedelta(days=every * week) > until:
            break
        steps.append(Step(f"overdue-{every * week}", due_on + timedelta(days=every * week)))
    last = due_on + timedelta(days=every * settings.overdue_max)
    if settings.overdue_max and last <= until:
        steps.append(Step(f"stopped-{settings.overdue_max}", last, to_secretariat=True))
    # A step the window opening overtakes (a plan adopted late in its window) is not sent.
    return tuple(sorted((step for step in steps if step.day >= adopted_on), key=lambda step: (step.day, step.key)))


@lru_cache(maxsize=_MEMO)
def working_day(day: date, working_days: frozenset[int], *, earlier: bool) -> date:
    """``day`` if the operation works then, else the nearest working day before (or after) it."""
    if not working_days:
        raise ValueError("an operation needs at least one working day")
    step = timedelta(days=-1 if earlier else 1)
    while day.isoweekday() not in working_days:
        day += step
    return day


@lru_cache(maxsize=_MEMO)
def send_at(step: Step, timezone: str, working_days: frozenset[int], settings: LadderSettings) -> datetime:
    """The UTC instant of a step: 09:00 local on the right working day."""
    day = working_day(step.day, working_days, earlier=not step.after_deadline)
    local = datetime.combine(day, time(settings.send_hour), tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC)


@lru_cache(maxsize=4096)
def sending_slot(moment: datetime, timezone: str, working_days: frozenset[int], settings: LadderSettings) -> datetime:
    """``moment`` if it is working hours in the operation, else its next working morning (UTC)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if local.isoweekday() in working_days and settings.send_hour <= local.hour < settings.last_hour:
        return moment.astimezone(UTC)
    day = local.date() if local.hour < settings.send_hour else local.date() + timedelta(days=1)
    day = working_day(day, working_days, earlier=False)
    return datetime.combine(day, time(settings.send_hour), tzinfo=zone).astimezone(UTC)


def latest_due(steps: list[Step], timezone: str, working_days: frozenset[int], settings: LadderSettings,
               now: datetime) -> Step | None:
    """The most recent step whose time has come: after downtime, only the latest missed nudge is
    worth sending, never a burst of stale ones. Secretariat escalations are separate rungs.

    ``steps`` are in date order (as :func:`ladder` returns them), so the answer is among the last
    few: the search runs from the end and stops once a step is too early to beat the best found."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    best: tuple[datetime, date, Step] | None = None
    for step in reversed(steps):
        if step.to_secretariat:
            continue
        moment = send_at(step, timezone, working_days, settings)
        # Two steps can land on the same morning (a Friday due date moves to Thursday, beside T-1):
        # the one nearer the deadline, the more urgent, is the one sent.
        if moment <= now and (best is None or (moment, step.day) > (best[0], best[1])):
            best = (moment, step.day, step)
        elif best is not None and step.day < best[0].date() - timedelta(days=7):
            break  # a rest day moves a step by six days at most: earlier steps cannot come later
    return best[2] if best else None


def working_days_between(first: date, last: date, working_days: frozenset[int]) -> int:
    """How many working days come after ``first``, up to and including ``last`` (0 if not later)."""
    return sum((first + timedelta(days=offset)).isoweekday() in working_days
               for offset in range(1, (last - first).days + 1))
