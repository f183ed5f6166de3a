"""Nudges that read as one voice: what one HC receives over six months, message by message.

Two operations in two time zones (Niamey, UTC+1, Monday to Friday; Kabul, UTC+4:30, Sunday to
Thursday), each with an HC whose chat is linked, a six-action plan, check-ins every four weeks that
fall on the same mornings as some nudges, and a webinar notice released overnight onto a nudge's
morning. A simulated clock ticks every hour; what each HC receives is checked exactly, with no two
messages in the same hour, and the rules of the ladder one by one.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.broadcasts import sending
from handlers.broadcasts.sending import Notice
from handlers.nudges.deadlines import LadderSettings
from handlers.nudges.spacing import space
from storage import repositories as repo
from storage.outbox import WaitingMessage
from tests.conftest import database_url
from tests.test_scheduler import Simulation, link, load

TWO_ZONES = """
operations:
  - code: niger-valley
    name: Niger valley operation
    country: Niger valley (fictional)
    timezone: Africa/Niamey
    working_days: [mon, tue, wed, thu, fri]
    missions:
      - kind: p2p
        starts_on: 2026-01-05
        ends_on: 2026-01-16
        plan:
          code: valley-2026
          title: Valley plan
          adopted_on: 2026-01-19
          update_due_on: 2026-06-08
          checkin_every_weeks: 4
          actions:
            - {number: 1, title: Protection strategy, owner: UNHCR}
            - {number: 2, title: PSEA coordinator, owner: UNICEF}
            - {number: 3, title: Feedback mechanism, owner: WFP}
            - {number: 4, title: Access negotiation, owner: OCHA}
            - {number: 5, title: Localisation, owner: NGO forum}
            - {number: 6, title: Cash working group, owner: WFP}
  - code: hindu-kush
    name: Hindu Kush operation
    country: Hindu Kush (fictional)
    timezone: Asia/Kabul
    working_days: [sun, mon, tue, wed, thu]
    missions:
      - kind: opr
        starts_on: 2026-01-04
        ends_on: 2026-01-15
        plan:
          code: kush-2026
          title: Kush plan
          adopted_on: 2026-01-18
          update_due_on: 2026-06-07
          checkin_every_weeks: 4
          actions:
            - {number: 1, title: Protection strategy, owner: UNHCR}
            - {number: 2, title: PSEA coordinator, owner: UNICEF}
            - {number: 3, title: Feedback mechanism, owner: WFP}
            - {number: 4, title: Access negotiation, owner: OCHA}
            - {number: 5, title: Localisation, owner: NGO forum}
            - {number: 6, title: Cash working group, owner: WFP}
people:
  - {email: hc@valley.invalid, name: Awa Valley, role: hc, operation: niger-valley}
  - {email: hc@kush.invalid, name: Bashir Kush, role: hc, operation: hindu-kush}
  - {email: secretariat@p2p.invalid, name: P2P, role: secretariat}
"""

VALLEY, KUSH = "hc@valley.invalid", "hc@kush.invalid"


@pytest.fixture
def two_zones(backend: str, tmp_path: Path) -> Iterator[Simulation]:
    # Thousands of ticks, two commits each: on SQLite the file lives in memory-backed /dev/shm when
    # there is one (the rules do not depend on the disk), else in the test's folder.
    shm = Path("/dev/shm")  # noqa: S108 (a private folder is made in it with mkdtemp)
    folder = Path(tempfile.mkdtemp(dir=shm)) if backend == "sqlite" and shm.is_dir() else tmp_path
    simulation = Simulation(database_url(backend, folder))
    plan_file = tmp_path / "two-zones.yaml"
    plan_file.write_text(TWO_ZONES, encoding="utf-8")
    load(simulation, plan_file)
    link(simulation, VALLEY)
    link(simulation, KUSH)
    yield simulation
    simulation.close()
    if folder != tmp_path:
        shutil.rmtree(folder, ignore_errors=True)


def kind_of(text: str) -> str:
    first = text.splitlines()[0]
    if first.startswith("Progress update on"):
        return "nudge " + text.splitlines()[1].split("(")[1].rstrip(").")
    if first.startswith("Hello "):
        return "check-in"
    if first.startswith("A reminder: your check-in"):
        return "reminder"
    if first.startswith(("Nudges stopped", "Overdue progress update")):
        return first.split(":")[0]
    return "notice"


def received(simulation: Simulation, email: str, zone: str) -> list[tuple[str, str]]:
    local = ZoneInfo(zone)
    return [(moment.astimezone(local).strftime("%a %d %b %H:%M"), kind_of(text))
            for who, moment, text in simulation.messenger.sent if who == email]


def schedule_webinar(simulation: Simulation, at: datetime, now: datetime) -> None:
    async def run() -> None:
        async with simulation.database.transaction() as session:
            await sending.schedule(session, Notice("Webinar on localisation, 4 June."), {"role": ["hc"]}, at, now,
                                   None)
    simulation.runner.run(run())


def no_two_in_one_hour(simulation: Simulation, email: str) -> None:
    moments = sorted(moment for who, moment, _text in simulation.messenger.sent if who == email)
    assert all(later - earlier >= timedelta(hours=1) for earlier, later in itertools.pairwise(moments))


def run_hourly(simulation: Simulation, first: date, last: date) -> None:
    """A tick at HH:30 UTC from 03:30 to 17:30, every day: 09:00 in Kabul, 09:30 in Niamey, and on
    each hour of both working days."""
    day = first
    while day <= last:
        for hour in range(3, 18):
            simulation.tick(datetime(day.year, day.month, day.day, hour, 30, tzinfo=UTC))
        day += timedelta(days=1)


def test_six_months_of_one_voice_in_two_time_zones(two_zones: Simulation) -> None:
    # A webinar notice released on Saturday 6 June, 20:00 UTC: 00:30 on Sunday in Kabul (a working
    # day there), 21:00 on Saturday in Niamey; each HC gets it on their next working morning, which
    # is the morning of their due-day nudge and of a check-in.
    schedule_webinar(two_zones, datetime(2026, 6, 6, 20, tzinfo=UTC), datetime(2026, 1, 19, tzinfo=UTC))
    run_hourly(two_zones, date(2026, 1, 19), date(2026, 7, 31))
    # Adopted Monday 19 January, due Monday 8 June: check-ins every fourth Monday (a reminder on the
    # Wednesday, unanswered); the ladder at 09:00 local, read at the 09:30 tick.
    assert received(two_zones, VALLEY, "Africa/Niamey") == [
        ("Mon 16 Feb 09:30", "check-in"),
        ("Wed 18 Feb 09:30", "reminder"),
        ("Mon 16 Mar 09:30", "check-in"),
        ("Wed 18 Mar 09:30", "reminder"),
        ("Mon 13 Apr 09:30", "check-in"),
        ("Wed 15 Apr 09:30", "reminder"),
        ("Fri 17 Apr 09:30", "nudge 52 days left"),   # the window opens (19 April, a Sunday: before)
        ("Fri 08 May 09:30", "nudge 31 days left"),   # T-30 (a Saturday: the Friday before)
        ("Mon 11 May 09:30", "check-in"),
        ("Wed 13 May 09:30", "reminder"),
        ("Mon 25 May 09:30", "nudge 14 days left"),
        ("Mon 01 Jun 09:30", "nudge 7 days left"),
        ("Fri 05 Jun 09:30", "nudge 3 days left"),    # T-1 (a Sunday: the Friday before)
        ("Mon 08 Jun 09:30", "nudge due today"),      # three messages due this morning: the nudge,
        ("Mon 08 Jun 10:30", "check-in"),             # then the check-in an hour later,
        ("Mon 08 Jun 11:30", "notice"),               # then the notice
        ("Wed 10 Jun 09:30", "reminder"),             # 48 hours after the check-in opened
        ("Mon 15 Jun 09:30", "nudge 7 days late"),
        ("Mon 22 Jun 09:30", "nudge 14 days late"),
        ("Mon 29 Jun 09:30", "nudge 21 days late"),
        ("Mon 06 Jul 09:30", "nudge 28 days late"),
        ("Mon 06 Jul 10:30", "check-in"),
        ("Wed 08 Jul 09:30", "reminder"),
        ("Mon 13 Jul 09:30", "nudge 35 days late"),
        ("Mon 20 Jul 09:30", "nudge 42 days late"),   # the sixth weekly one: the last
    ]
    # Adopted Sunday 18 January, due Sunday 7 June, a Sunday-to-Thursday week, UTC+4:30.
    assert received(two_zones, KUSH, "Asia/Kabul") == [
        ("Sun 15 Feb 09:00", "check-in"),
        ("Tue 17 Feb 09:00", "reminder"),
        ("Sun 15 Mar 09:00", "check-in"),
        ("Tue 17 Mar 09:00", "reminder"),
        ("Sun 12 Apr 09:00", "check-in"),
        ("Tue 14 Apr 09:00", "reminder"),
        ("Thu 16 Apr 09:00", "nudge 52 days left"),   # 18 April, a Saturday: the Thursday before
        ("Thu 07 May 09:00", "nudge 31 days left"),   # 8 May, a Friday: the Thursday before
        ("Sun 10 May 09:00", "check-in"),
        ("Tue 12 May 09:00", "reminder"),
        ("Sun 24 May 09:00", "nudge 14 days left"),
        ("Sun 31 May 09:00", "nudge 7 days left"),
        ("Thu 04 Jun 09:00", "nudge 3 days left"),    # T-1 (a Saturday: the Thursday before)
        ("Sun 07 Jun 09:00", "nudge due today"),
        ("Sun 07 Jun 10:00", "check-in"),
        ("Sun 07 Jun 11:00", "notice"),
        ("Tue 09 Jun 09:00", "reminder"),
        ("Sun 14 Jun 09:00", "nudge 7 days late"),
        ("Sun 21 Jun 09:00", "nudge 14 days late"),
        ("Sun 28 Jun 09:00", "nudge 21 days late"),
        ("Sun 05 Jul 09:00", "nudge 28 days late"),
        ("Sun 05 Jul 10:00", "check-in"),
        ("Tue 07 Jul 09:00", "reminder"),
        ("Sun 12 Jul 09:00", "nudge 35 days late"),
        ("Sun 19 Jul 09:00", "nudge 42 days late"),
    ]
    for email in (VALLEY, KUSH):
        no_two_in_one_hour(two_zones, email)
    # The secretariat: each plan's escalation at 14 days late, and once, with the last nudge, that
    # the nudges stopped.
    assert [(moment.date().isoformat(), kind_of(text)) for who, moment, text in two_zones.messenger.sent
            if who == "secretariat@p2p.invalid"] == [
        ("2026-06-21", "Overdue progress update"), ("2026-06-22", "Overdue progress update"),
        ("2026-07-19", "Nudges stopped"), ("2026-07-20", "Nudges stopped")]


# -- each rule on its own ---------------------------------------------------------------------------

def test_a_tick_into_the_future_is_never_followed_by_an_older_step(two_zones: Simulation) -> None:
    """``hcbot tick --now`` a week ahead sends "21 days late"; the real clock then reaching the
    "14 days late" morning sends nothing older; the next newer step comes on its own morning."""
    two_zones.tick(datetime(2026, 6, 29, 8, 30, tzinfo=UTC))  # Monday 29 June, 09:30 in Niamey
    two_zones.messenger.sent.clear()
    run_hourly(two_zones, date(2026, 6, 21), date(2026, 7, 7))
    assert [line for line in received(two_zones, VALLEY, "Africa/Niamey") if line[1].startswith("nudge")] == [
        ("Mon 06 Jul 09:30", "nudge 28 days late")]


def test_a_catch_up_is_not_followed_by_the_next_step_the_next_morning(two_zones: Simulation) -> None:
    async def pause() -> None:
        async with two_zones.database.transaction() as session:
            person = await repo.person_by_email(session, VALLEY)
            assert person is not None
            person.paused_until = datetime(2026, 6, 4, 12, tzinfo=UTC)  # back on Thursday 4 June
    two_zones.runner.run(pause())
    run_hourly(two_zones, date(2026, 5, 28), date(2026, 6, 16))
    nudges = [line for line in received(two_zones, VALLEY, "Africa/Niamey") if line[1].startswith("nudge")]
    # Thursday: the T-7 of Monday 1 June, caught up; Friday's T-1 is the next working day: skipped;
    # Monday's due day is two working days later: skipped too; the weekly overdue one is sent.
    assert nudges == [("Thu 04 Jun 13:30", "nudge 4 days left"), ("Mon 15 Jun 09:30", "nudge 7 days late")]


def test_weekly_overdue_nudges_stop_after_the_configured_number() -> None:
    from handlers.nudges.deadlines import ladder

    keys = [step.key for step in ladder(date(2026, 1, 19), date(2026, 6, 8), LadderSettings(overdue_max=2),
                                        until=date(2026, 12, 31))]
    assert keys[-5:] == ["due", "overdue-7", "escalate-14", "overdue-14", "stopped-2"]
    keys = [step.key for step in ladder(date(2026, 1, 19), date(2026, 6, 8), LadderSettings(overdue_max=0),
                                        until=date(2026, 12, 31))]
    assert keys[-2:] == ["due", "escalate-14"]  # none weekly, and nothing to say they stopped
    with pytest.raises(ValueError, match="cannot be negative"):
        LadderSettings(overdue_max=-1)


MON_FRI = [1, 2, 3, 4, 5]


def waiting(row_id: int, kind: str, hour: int, minute: int = 0, day: int = 8) -> WaitingMessage:
    return WaitingMessage(row_id, 1, kind, datetime(2026, 6, day, hour, minute, tzinfo=UTC), "Africa/Niamey", MON_FRI)


def test_spacing_puts_the_nudge_first_then_the_check_in_then_notices() -> None:
    hours = LadderSettings()
    # Written in the other order, a notice waiting since the night before (due 08:00 UTC, 09:00 local).
    rows = [waiting(1, "broadcast", 8), waiting(2, "checkin", 8, 1), waiting(3, "nudge", 8, 1)]
    moves = dict(space(rows, {}, hours))
    assert moves == {2: datetime(2026, 6, 8, 9, 1, tzinfo=UTC), 1: datetime(2026, 6, 8, 10, 1, tzinfo=UTC)}
    # Spacing its own result changes nothing.
    again = [WaitingMessage(row.id, row.person_id, row.kind, moves.get(row.id, row.due_at), row.timezone,
                            row.working_days) for row in rows]
    assert space(again, {}, hours) == []
    # A message sent to the person 20 minutes ago holds even the nudge for the rest of the hour.
    assert space([waiting(3, "nudge", 9)], {1: datetime(2026, 6, 8, 8, 40, tzinfo=UTC)}, hours) == [
        (3, datetime(2026, 6, 8, 9, 40, tzinfo=UTC))]
    # Two hours apart already: nothing moves.
    assert space([waiting(1, "broadcast", 11), waiting(3, "nudge", 9)], {}, hours) == []


def test_a_spaced_message_stays_in_working_hours() -> None:
    hours = LadderSettings()
    # 16:30 UTC is 17:30 on Friday in Niamey: the check-in would land at 18:30, after hours; it
    # goes out on Monday morning, and the notice an hour after it.
    rows = [waiting(1, "nudge", 16, 30, day=5), waiting(2, "checkin", 16, 30, day=5),
            waiting(3, "broadcast", 16, 31, day=5)]
    assert space(rows, {}, hours) == [(2, datetime(2026, 6, 8, 8, tzinfo=UTC)),
                                      (3, datetime(2026, 6, 8, 9, tzinfo=UTC))]


def test_a_message_that_need_not_wait_keeps_the_time_its_writer_gave_it() -> None:
    # 21:00 on a Monday in Niamey, nothing sent to the person lately: spacing does not move it to
    # working hours (its writer decided when it goes; a reminder to someone without an operation).
    assert space([waiting(1, "reminder", 20)], {}, LadderSettings()) == []
    assert space([waiting(1, "reminder", 20)], {1: datetime(2026, 6, 8, 18, tzinfo=UTC)}, LadderSettings()) == []
