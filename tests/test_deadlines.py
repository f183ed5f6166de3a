"""The deadline ladder: due dates, 09:00 local on working days, daylight saving, catch-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.nudges.deadlines import LadderSettings, Step, ladder, latest_due, send_at, update_due_on, working_day

MON_FRI = frozenset({1, 2, 3, 4, 5})
SUN_THU = frozenset({7, 1, 2, 3, 4})
DEFAULT = LadderSettings()


def test_due_date_is_explicit_or_the_end_of_the_window() -> None:
    assert update_due_on(date(2026, 5, 15), None, DEFAULT) == date(2026, 10, 15)
    assert update_due_on(date(2026, 5, 15), date(2026, 9, 1), DEFAULT) == date(2026, 9, 1)
    assert update_due_on(date(2026, 9, 30), None, DEFAULT) == date(2027, 2, 28)  # no 30 February
    assert update_due_on(date(2026, 5, 15), None, LadderSettings(window_closes_months=4)) == date(2026, 9, 15)


def test_the_ladder_in_order() -> None:
    steps = ladder(date(2026, 5, 15), date(2026, 10, 15), DEFAULT, until=date(2026, 11, 20))
    assert [(step.key, step.day.isoformat(), step.to_secretariat) for step in steps] == [
        ("window-open", "2026-08-15", False),
        ("before-30", "2026-09-15", False),
        ("before-14", "2026-10-01", False),
        ("before-7", "2026-10-08", False),
        ("before-1", "2026-10-14", False),
        ("due", "2026-10-15", False),
        ("overdue-7", "2026-10-22", False),
        ("escalate-14", "2026-10-29", True),
        ("overdue-14", "2026-10-29", False),
        ("overdue-21", "2026-11-05", False),
        ("overdue-28", "2026-11-12", False),
        ("overdue-35", "2026-11-19", False),
    ]


def test_every_step_is_configurable() -> None:
    settings = LadderSettings(window_opens_months=4, days_before=(10, 2), overdue_every_days=14,
                              escalate_after_days=30)
    keys = [step.key for step in ladder(date(2026, 1, 10), date(2026, 6, 10), settings, until=date(2026, 7, 30))]
    assert keys == ["window-open", "before-10", "before-2", "due", "overdue-14", "overdue-28", "escalate-30",
                    "overdue-42"]
    with pytest.raises(ValueError, match="nudge intervals must be positive"):
        LadderSettings(days_before=(0,))


def test_rest_days_move_earlier_before_the_deadline_and_later_after_it() -> None:
    saturday = date(2026, 10, 10)
    assert working_day(saturday, MON_FRI, earlier=True) == date(2026, 10, 9)  # Friday
    assert working_day(saturday, MON_FRI, earlier=False) == date(2026, 10, 12)  # Monday
    before = send_at(Step("before-7", saturday), "Africa/Niamey", MON_FRI, DEFAULT)
    after = send_at(Step("overdue-7", saturday), "Africa/Niamey", MON_FRI, DEFAULT)
    assert before == datetime(2026, 10, 9, 8, 0, tzinfo=UTC)  # 09:00 in Niamey (UTC+1)
    assert after == datetime(2026, 10, 12, 8, 0, tzinfo=UTC)


def test_a_sunday_to_thursday_operation() -> None:
    friday = date(2026, 10, 9)
    assert send_at(Step("before-1", friday), "Asia/Amman", SUN_THU, DEFAULT) == datetime(2026, 10, 8, 6, tzinfo=UTC)
    assert send_at(Step("overdue-7", friday), "Asia/Amman", SUN_THU, DEFAULT) == datetime(2026, 10, 11, 6,
                                                                                          tzinfo=UTC)


def test_daylight_saving_moves_the_utc_hour_not_the_local_one() -> None:
    # Kyiv moves from UTC+2 to UTC+3 on 29 March 2026 and back on 25 October.
    winter = send_at(Step("before-7", date(2026, 3, 27)), "Europe/Kyiv", MON_FRI, DEFAULT)
    summer = send_at(Step("before-7", date(2026, 3, 30)), "Europe/Kyiv", MON_FRI, DEFAULT)
    autumn = send_at(Step("before-7", date(2026, 10, 26)), "Europe/Kyiv", MON_FRI, DEFAULT)
    assert (winter.hour, summer.hour, autumn.hour) == (7, 6, 7)
    for moment in (winter, summer, autumn):
        assert moment.astimezone(ZoneInfo("Europe/Kyiv")).hour == 9


@given(st.sampled_from(sorted(available_timezones() - {"Factory"})), st.dates(date(2020, 1, 1), date(2035, 12, 31)),
       st.sampled_from([MON_FRI, SUN_THU, frozenset({6})]), st.booleans())
def test_never_at_night_never_on_a_rest_day(zone: str, day: date, days: frozenset[int], late: bool) -> None:
    moment = send_at(Step("overdue-7" if late else "before-7", day), zone, days, DEFAULT)
    local = moment.astimezone(ZoneInfo(zone))
    # 09:00 exists every day everywhere (clocks jump at night), so the local time is exactly 09:00.
    assert (local.hour, local.minute) == (9, 0)
    assert local.isoweekday() in days
    assert moment.tzinfo is not None


def test_after_downtime_only_the_latest_missed_step() -> None:
    steps = ladder(date(2026, 5, 15), date(2026, 10, 15), DEFAULT, until=date(2026, 12, 31))
    assert latest_due(steps, "Africa/Niamey", MON_FRI, DEFAULT, datetime(2026, 8, 13, tzinfo=UTC)) is None
    # Down from 1 September to 9 October: T-30, T-14 and T-7 were missed; only T-7 is due.
    found = latest_due(steps, "Africa/Niamey", MON_FRI, DEFAULT, datetime(2026, 10, 9, 12, tzinfo=UTC))
    assert found is not None
    assert found.key == "before-7"
    # The secretariat's escalation is never what the HC is sent.
    found = latest_due(steps, "Africa/Niamey", MON_FRI, DEFAULT, datetime(2026, 10, 29, 12, tzinfo=UTC))
    assert found is not None
    assert found.key == "overdue-14"
    with pytest.raises(ValueError, match="timezone-aware"):
        latest_due(steps, "Africa/Niamey", MON_FRI, DEFAULT, datetime(2026, 10, 9))  # noqa: DTZ001


@given(st.sampled_from(["Pacific/Kiritimati", "Pacific/Pago_Pago", "Africa/Niamey", "America/Santiago"]),
       st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(0, 400),
       st.sampled_from([MON_FRI, SUN_THU, frozenset({6}), frozenset({3, 7})]),
       st.lists(st.integers(1, 120), min_size=1, max_size=5, unique=True), st.integers(0, 23 * 60))
def test_latest_due_is_the_latest_of_all_due_steps(zone: str, adopted: date, days_later: int,
                                                   days: frozenset[int], before: list[int], minutes: int) -> None:
    """The search from the end stops early; it must find what looking at every step finds."""
    settings = LadderSettings(days_before=tuple(before), send_hour=minutes // 60 % 18)
    steps = ladder(adopted, update_due_on(adopted, None, settings), settings, until=adopted + timedelta(days=400))
    now = datetime.combine(adopted + timedelta(days=days_later), time(), tzinfo=UTC) + timedelta(minutes=minutes)
    due = [(send_at(step, zone, days, settings), step.day, step.key) for step in steps
           if not step.to_secretariat and send_at(step, zone, days, settings) <= now]
    found = latest_due(steps, zone, days, settings, now)
    assert (found.key if found else None) == (max(due)[2] if due else None)


def test_late_messages_wait_for_working_hours() -> None:
    from handlers.nudges.deadlines import sending_slot

    niamey = "Africa/Niamey"  # UTC+1
    tuesday_noon = datetime(2026, 10, 13, 11, tzinfo=UTC)
    assert sending_slot(tuesday_noon, niamey, MON_FRI, DEFAULT) == tuesday_noon
    assert sending_slot(datetime(2026, 10, 13, 3, tzinfo=UTC), niamey, MON_FRI, DEFAULT) == \
        datetime(2026, 10, 13, 8, tzinfo=UTC)  # 04:00 local: wait for 09:00
    assert sending_slot(datetime(2026, 10, 13, 19, tzinfo=UTC), niamey, MON_FRI, DEFAULT) == \
        datetime(2026, 10, 14, 8, tzinfo=UTC)  # 20:00 local: tomorrow morning
    assert sending_slot(datetime(2026, 10, 10, 11, tzinfo=UTC), niamey, MON_FRI, DEFAULT) == \
        datetime(2026, 10, 12, 8, tzinfo=UTC)  # Saturday: Monday morning
