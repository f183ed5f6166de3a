"""``hcbot schedule PLAN``: a step the ladder skips on purpose says why, instead of reading like a
fault ("past, not sent"); the secretariat's rungs show what was sent to it; the ladder's end is said."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.nudges.reconcile import ScheduleSettings
from handlers.nudges.schedule import PlanSchedule, plan_schedule
from storage import repositories as repo
from tests.conftest import EXAMPLES, database_url
from tests.test_scheduler import Simulation, load

# Two plans whose ladder puts two steps on one morning: due on Saturday 3 October (before the
# deadline a rest day moves a step to the working day before, so "due" and "before-1" both land on
# Friday 2 October), and due on 1 May, two weeks after the window opens (19 April, a Sunday: Friday
# 17 April, the morning of "before-14").
SAME_MORNING = """
operations:
  - code: saturday
    name: Saturday operation
    country: Niger
    timezone: Africa/Niamey
    missions:
      - kind: p2p
        starts_on: 2026-06-01
        ends_on: 2026-06-05
        plan:
          code: saturday-2026
          title: Saturday plan
          adopted_on: 2026-06-05
          update_due_on: 2026-10-03
          actions:
            - {number: 1, title: One, owner: ICCG}
  - code: window
    name: Window operation
    country: Niger
    timezone: Africa/Niamey
    missions:
      - kind: p2p
        starts_on: 2026-01-05
        ends_on: 2026-01-16
        plan:
          code: window-2026
          title: Window plan
          adopted_on: 2026-01-19
          update_due_on: 2026-05-01
          actions:
            - {number: 1, title: One, owner: ICCG}
people:
  - {email: hc@saturday.invalid, name: Saturday HC, role: hc, operation: saturday}
  - {email: hc@window.invalid, name: Window HC, role: hc, operation: window}
"""


@pytest.fixture
def simulation(backend: str, tmp_path: Path) -> Iterator[Simulation]:
    simulated = Simulation(database_url(backend, tmp_path))
    yield simulated
    simulated.close()


@pytest.fixture
def sahelia(simulation: Simulation) -> Simulation:
    load(simulation, EXAMPLES / "operations.yaml")
    return simulation


def schedule(simulation: Simulation, code: str, now: datetime) -> PlanSchedule:
    async def read() -> PlanSchedule:
        async with simulation.database.transaction() as session:
            found = await plan_schedule(session, code, now, ScheduleSettings())
            assert found is not None
            return found
    return simulation.runner.run(read())


def states(found: PlanSchedule) -> dict[str, str]:
    return {step.key: step.state for step in found.steps}


def test_a_step_skipped_after_a_catch_up_says_so(sahelia: Simulation) -> None:
    # First run on Monday 12 October: T-7 (Thursday 8) is caught up; T-1 on Wednesday 14 is within two
    # working days of it, skipped; the due day, Thursday 15, is sent.
    for moment in ("2026-10-12T10:30", "2026-10-14T08:30", "2026-10-15T08:30"):
        sahelia.tick(datetime.fromisoformat(moment).replace(tzinfo=UTC))
    shown = states(schedule(sahelia, "sahelia-2026", datetime(2026, 10, 16, tzinfo=UTC)))
    assert shown["before-7"] == "sent"
    assert shown["before-1"] == "skipped: too close to the previous one (before-7, caught up on Mon 2026-10-12)"
    assert shown["due"] == "sent"
    # The steps before it were never sent: the bot first ran after them, and sends only the latest.
    assert shown["window-open"] == shown["before-14"] == "skipped: before-7 went out in its place"
    assert shown["overdue-7"] == "coming"


def test_a_step_older_than_one_a_tick_ahead_sent_says_so_and_the_secretariat_rungs_show_what_went(
        sahelia: Simulation) -> None:
    sahelia.tick(datetime(2026, 10, 29, 8, 30, tzinfo=UTC))  # a tick a week ahead: "14 days late"
    sahelia.tick(datetime(2026, 10, 22, 8, 30, tzinfo=UTC))  # the clock reaches "7 days late": held back
    shown = states(schedule(sahelia, "sahelia-2026", datetime(2026, 10, 23, tzinfo=UTC)))
    assert shown["overdue-14"] == "sent"
    assert shown["escalate-14"] == "sent"  # to the one member of the secretariat
    assert shown["overdue-7"] == "skipped: overdue-14 went out in its place"
    assert shown["overdue-21"] == "coming"


def test_two_steps_on_one_morning_and_the_end_of_the_ladder(simulation: Simulation, tmp_path: Path) -> None:
    plan_file = tmp_path / "same-morning.yaml"
    plan_file.write_text(SAME_MORNING, encoding="utf-8")
    load(simulation, plan_file)
    before = states(schedule(simulation, "saturday-2026", datetime(2026, 9, 1, tzinfo=UTC)))
    assert before["before-1"] == "coming, to be skipped: the same morning as due, which is sent instead"
    assert before["due"] == "coming"
    after = schedule(simulation, "saturday-2026", datetime(2026, 12, 1, tzinfo=UTC))
    assert states(after)["before-1"] == "skipped: the same morning as due, which is sent instead"
    # Nothing was run: an ordinary step shows it was not sent, with no reason made up.
    assert states(after)["due"] == "past, not sent"
    assert after.lines()[-1] == ("  no nudge after overdue-42: weekly overdue nudges stop after 6 "
                                 "(HCBOT_OVERDUE_NUDGES_MAX); the secretariat is told (stopped-6)")
    window = states(schedule(simulation, "window-2026", datetime(2026, 4, 20, tzinfo=UTC)))
    assert window["before-14"] == "skipped: overtaken by the window opening, the same morning"
    assert window["window-open"] == "past, not sent"


def test_steps_after_the_update_went_to_the_erc_are_stopped(sahelia: Simulation) -> None:
    sahelia.tick(datetime(2026, 10, 8, 8, 30, tzinfo=UTC))

    async def submit() -> None:
        async with sahelia.database.transaction() as session:
            plan = await repo.plan_by_code(session, "sahelia-2026")
            assert plan is not None
            plan.submitted_at = datetime(2026, 10, 9, 12, tzinfo=UTC)
    sahelia.runner.run(submit())
    shown = states(schedule(sahelia, "sahelia-2026", datetime(2026, 10, 20, tzinfo=UTC)))
    assert shown["before-7"] == "sent"
    assert shown["before-1"] == shown["due"] == shown["overdue-7"] == "stopped: the update went to the ERC"


def test_a_step_whose_morning_an_earlier_catch_up_took_says_so(sahelia: Simulation) -> None:
    # The bot first runs at 08:40 on T-7's morning: T-14 (a week old) is caught up at 09:00, and T-7,
    # at the same 09:00, is not newer than what the HC is told then.
    sahelia.tick(datetime(2026, 10, 8, 7, 40, tzinfo=UTC))
    sahelia.tick(datetime(2026, 10, 8, 8, 0, tzinfo=UTC))
    shown = states(schedule(sahelia, "sahelia-2026", datetime(2026, 10, 9, tzinfo=UTC)))
    assert shown["before-14"] == "sent"
    assert shown["before-7"] == "skipped: before-14 went out in its place"
