"""The reconcile pass keeps each plan's ladder between passes (issue 18: recomputing 10,000 ladders
a minute was half a steady pass's CPU). That memory must be a pure cache: at every moment, in
whatever order the passes come (forward a minute at a time, or a ``tick --now`` back in time), what
is due must be exactly what a fresh process, with nothing kept, finds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from handlers.nudges import reconcile
from handlers.nudges.deadlines import send_at
from handlers.nudges.reconcile import NUDGE_LOOKAHEAD, Candidate, Facts, ScheduleSettings, due, plan_steps
from storage.accounts import PersonSummary
from storage.models import Role
from storage.plans import OpenPlan

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
SUNDAY_TO_THURSDAY = frozenset({7, 1, 2, 3, 4})


def _plan(plan_id: int, operation: int, timezone: str, working_days: frozenset[int], *, adopted: date,
          due_on: date | None = None, closes: int | None = None, days_before: list[int] | None = None,
          every_weeks: int = 4, paused_until: datetime | None = None) -> OpenPlan:
    return OpenPlan(id=plan_id, code=f"plan-{plan_id}", title=f"Plan {plan_id}", adopted_on=adopted,
                    update_due_on=due_on, checkin_every_weeks=every_weeks, window_closes_months=closes,
                    nudge_days_before=days_before, operation_id=operation, operation_name=f"Op {operation}",
                    timezone=timezone, working_days=working_days, operation_paused_until=paused_until)


START = date(2026, 1, 5)
PLANS = [
    _plan(1, 1, "Africa/Niamey", WEEKDAYS, adopted=START),
    # A day ahead of UTC most of the time: its 09:00 is the previous UTC evening.
    _plan(2, 2, "Pacific/Kiritimati", SUNDAY_TO_THURSDAY, adopted=START + timedelta(days=3), every_weeks=1),
    # Daylight-saving time moves its UTC hour twice a year.
    _plan(3, 3, "America/Port-au-Prince", WEEKDAYS, adopted=START + timedelta(days=20), closes=2,
          days_before=[10, 3]),
    _plan(4, 4, "Asia/Kabul", SUNDAY_TO_THURSDAY, adopted=START, due_on=START + timedelta(days=45), every_weeks=2),
    _plan(5, 5, "Europe/Kyiv", WEEKDAYS, adopted=START + timedelta(days=60),
          paused_until=datetime(2026, 6, 1, tzinfo=UTC)),
]
PEOPLE = [
    PersonSummary(1, "en", None, 1, Role.HC),
    PersonSummary(2, "fr", None, 2, Role.HC),
    PersonSummary(3, "en", datetime(2026, 4, 15, tzinfo=UTC), 3, Role.HC),  # paused a while
    PersonSummary(4, "en", None, 4, Role.HC),
    PersonSummary(5, "en", None, 5, Role.HC),
    PersonSummary(6, "en", None, 1, Role.HCT_MEMBER),
    PersonSummary(7, "en", None, None, Role.SECRETARIAT),
    PersonSummary(8, "fr", None, None, Role.SECRETARIAT),
]
FACTS = Facts(plans=PLANS, people=PEOPLE, linked={1, 2, 3, 4, 6}, owners={1: {6}, 3: {1}, 4: {4}}, busy={2})
SETTINGS = ScheduleSettings()


def _seen(candidates: list[Candidate]) -> list[tuple[object, ...]]:
    return [(c.key, c.kind, c.person.id, c.plan.id if c.plan else None, c.due_at, c.step, c.due_on)
            for c in candidates]


def _fresh(now: datetime) -> list[tuple[object, ...]]:
    """What a process that kept nothing finds at ``now``."""
    reconcile._RUNGS.clear()
    return _seen(due(FACTS, now, SETTINGS))


def _moments() -> list[datetime]:
    """Every few hours over a year and a half, off the hour, and each step's and each check-in
    cycle's own time, a second either side, as the pass sees it and from its look-ahead."""
    first = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
    moments = [first + timedelta(hours=5, minutes=13) * number for number in range(2_600)]
    for plan in PLANS:
        own, steps = plan_steps(plan, SETTINGS, datetime(2027, 6, 1, tzinfo=UTC))
        instants = [send_at(step, plan.timezone, plan.working_days, own) for step in steps]
        instants += [reconcile._cycle_instant(plan, cycle, SETTINGS) for cycle in range(80)]
        for instant in instants:
            for shift in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1)):
                moments += [instant + shift, instant - NUDGE_LOOKAHEAD + shift]
    return sorted(moments)


def test_the_kept_ladders_give_what_a_fresh_process_finds_at_every_moment() -> None:
    moments = _moments()
    expected = {moment: _fresh(moment) for moment in moments}
    assert sum(map(len, expected.values())) > 10_000  # nudges, escalations and check-ins all along
    reconcile._RUNGS.clear()
    for moment in moments:  # forward, as passes come
        assert _seen(due(FACTS, moment, SETTINGS)) == expected[moment], moment
    for moment in reversed(moments):  # and back in time, the ladders kept all the way
        assert _seen(due(FACTS, moment, SETTINGS)) == expected[moment], moment


def test_a_changed_plan_is_worked_out_afresh() -> None:
    now = datetime(2026, 5, 20, 10, tzinfo=UTC)
    reconcile._RUNGS.clear()
    due(FACTS, now, SETTINGS)  # plan 1's ladder kept, due on its default date (5 months on)
    moved = _plan(1, 1, "Africa/Niamey", WEEKDAYS, adopted=START, due_on=date(2026, 5, 21))
    facts = Facts(plans=[moved, *PLANS[1:]], people=PEOPLE, linked=FACTS.linked, owners=FACTS.owners,
                  busy=FACTS.busy)
    found = [candidate for candidate in due(facts, now, SETTINGS)
             if candidate.plan is not None and candidate.plan.id == 1 and candidate.key.startswith("nudge")]
    # Due tomorrow: the one-day-before nudge, whose time (09:00 in Niamey, 08:00 UTC) has come: due now.
    assert [(c.key, c.due_at, c.due_on) for c in found] == [
        ("nudge:1:before-1", datetime(2026, 5, 20, 10, tzinfo=UTC), date(2026, 5, 21))]
