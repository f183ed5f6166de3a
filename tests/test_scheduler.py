"""A simulated clock drives plans through their whole ladder, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.delivery import Deliverer, RateLimits, Recipient
from handlers.messages import Reply
from handlers.nudges.reconcile import reconcile
from handlers.secretariat.imports import import_file
from storage import repositories as repo
from storage.database import Database
from storage.models import OutboxMessage
from tests.conftest import EXAMPLES, database_url, fresh_database


@dataclass
class RecordingMessenger:
    """Keeps what it was asked to send, with the simulated time it was sent at."""

    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    sent: list[tuple[str, datetime, str]] = field(default_factory=list)
    platform: str = "console"
    limits: RateLimits = field(default_factory=RateLimits)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        self.sent.append((recipient.email, self.now, reply.plain_text))


class Simulation:
    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = asyncio.Runner()
        self.database: Database = self.runner.run(fresh_database(url))
        self.messenger = RecordingMessenger()

    def tick(self, now: datetime) -> None:
        async def once() -> None:
            async with self.database.transaction() as session:
                await reconcile(session, now)
            self.messenger.now = now
            await Deliverer(self.database, [], fallback=self.messenger, now=lambda: now).deliver()
        self.runner.run(once())

    def restart(self) -> None:
        """A new process: a new engine; only the database carries over."""
        self.runner.run(self.database.dispose())
        self.database = Database(self.url)

    def run_days(self, first: date, last: date, hours_utc: list[int]) -> None:
        day = first
        while day <= last:
            for hour in hours_utc:
                self.tick(datetime(day.year, day.month, day.day, hour, tzinfo=UTC))
            day += timedelta(days=1)

    def nudges(self, email: str) -> list[tuple[str, datetime]]:
        return [(text.splitlines()[1], moment) for who, moment, text in self.messenger.sent
                if who == email and text.startswith(("Progress update on", "Point d'avancement sur"))]

    def keys(self) -> list[str]:
        async def read() -> list[str]:
            async with self.database.transaction() as session:
                rows = await session.execute(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))
                return list(rows.scalars())
        return self.runner.run(read())

    def close(self) -> None:
        self.runner.run(self.database.dispose())
        self.runner.close()


@pytest.fixture
def simulation(backend: str, tmp_path: Path) -> Iterator[Simulation]:
    simulation = Simulation(database_url(backend, tmp_path))
    yield simulation
    simulation.close()


def load(simulation: Simulation, file: Path) -> None:
    simulation.runner.run(import_file(simulation.database, file))


def test_adoption_to_six_months_with_a_restart(simulation: Simulation) -> None:
    load(simulation, EXAMPLES / "operations.yaml")
    hc = "amina.hc@sahelia.invalid"
    # Ticks at 07:00, 08:00 (09:00 in Niamey) and 20:00 UTC every day, like a scheduler that runs often.
    simulation.run_days(date(2026, 5, 15), date(2026, 8, 31), [7, 8, 20])
    simulation.restart()
    simulation.run_days(date(2026, 9, 1), date(2026, 11, 15), [7, 8, 20])
    sent = simulation.nudges(hc)
    niamey = ZoneInfo("Africa/Niamey")
    seen = [(moment.astimezone(niamey).strftime("%a %d %b %H:%M"), line.split("2026 (")[1]) for line, moment in sent]
    assert seen == [
        ("Fri 14 Aug 09:00", "62 days left)."),   # the window opens (15 Aug is a Saturday)
        ("Tue 15 Sep 09:00", "30 days left)."),
        ("Thu 01 Oct 09:00", "14 days left)."),
        ("Thu 08 Oct 09:00", "7 days left)."),
        ("Wed 14 Oct 09:00", "1 day left)."),
        ("Thu 15 Oct 09:00", "due today)."),
        ("Thu 22 Oct 09:00", "7 days late)."),
        ("Thu 29 Oct 09:00", "14 days late)."),
        ("Thu 05 Nov 09:00", "21 days late)."),
        ("Thu 12 Nov 09:00", "28 days late)."),
    ]
    keys = simulation.keys()
    assert len(keys) == len(set(keys))
    escalations = [text for who, _moment, text in simulation.messenger.sent if who == "secretariat@p2p.invalid"]
    assert sum("Sahelia" in text for text in escalations) == 1
    # Check-ins every four weeks from adoption for the HC, who has a linked chat... none here:
    assert not any(text.startswith("Hello Amina") for who, _m, text in simulation.messenger.sent if who == hc)


def test_submission_stops_the_ladder_and_pause_holds_it(simulation: Simulation) -> None:
    load(simulation, EXAMPLES / "operations.yaml")
    hc = "amina.hc@sahelia.invalid"

    async def adjust() -> None:
        async with simulation.database.transaction() as session:
            amina = await repo.person_by_email(session, hc)
            assert amina is not None
            amina.paused_until = datetime(2026, 10, 10, tzinfo=UTC)  # on leave over T-14 and T-7
    simulation.runner.run(adjust())
    simulation.run_days(date(2026, 9, 20), date(2026, 10, 19), [8])

    async def submit() -> None:
        async with simulation.database.transaction() as session:
            plan = await repo.plan_by_code(session, "sahelia-2026")
            assert plan is not None
            plan.submitted_at = datetime(2026, 10, 19, 12, tzinfo=UTC)
    simulation.runner.run(submit())
    simulation.run_days(date(2026, 10, 20), date(2026, 12, 31), [8])
    days = [moment.date().isoformat() for _line, moment in simulation.nudges(hc)]
    # Back from leave on the 10th: the latest missed step (T-7 of 8 Oct) comes once, not T-14 too;
    # T-1 (Wednesday 14th, two working days after that catch-up) is not sent; the due day is.
    assert days == ["2026-10-12", "2026-10-15"]


SUN_THU_PLAN = """
operations:
  - code: cedarland
    name: Cedarland response
    country: Cedarland (fictional)
    timezone: Asia/Beirut
    working_days: [sun, mon, tue, wed, thu]
    missions:
      - kind: opr
        starts_on: 2026-01-05
        ends_on: 2026-01-16
        plan:
          code: cedarland-2026
          title: Cedarland plan
          adopted_on: 2026-01-16
          update_due_on: 2026-04-10
          actions:
            - number: 1
              title: One common feedback mechanism
people:
  - email: hc@cedarland.invalid
    name: Cedar HC
    role: hc
    operation: cedarland
"""


def test_daylight_saving_and_a_sunday_to_thursday_week(simulation: Simulation, tmp_path: Path) -> None:
    plan_file = tmp_path / "cedarland.yaml"
    plan_file.write_text(SUN_THU_PLAN, encoding="utf-8")
    load(simulation, plan_file)
    # Every hour from 03:00 to 10:00 UTC; Beirut moves from UTC+2 to UTC+3 on 29 March 2026.
    simulation.run_days(date(2026, 3, 1), date(2026, 4, 30), list(range(3, 11)))
    beirut = ZoneInfo("Asia/Beirut")
    local = [moment.astimezone(beirut) for _line, moment in simulation.nudges("hc@cedarland.invalid")]
    assert [moment.strftime("%a %d %b %H:%M") for moment in local] == [
        "Wed 11 Mar 09:00",  # T-30
        "Thu 26 Mar 09:00",  # T-14 (27 March is a Friday, a rest day: the Thursday before)
        "Thu 02 Apr 09:00",  # T-7 (3 April, a Friday): the clocks changed, still 09:00
        "Thu 09 Apr 09:00",  # T-1, and the due day (a Friday) on the same morning: one message
        "Sun 19 Apr 09:00",  # T+7 (17 April, a Friday): after the deadline, the next working day
        "Sun 26 Apr 09:00",  # T+14
    ]
    assert {moment.utcoffset() for moment in local} == {timedelta(hours=2), timedelta(hours=3)}


def test_replicas_racing_send_each_message_once(simulation: Simulation) -> None:
    """Four replicas, each with its own engine, reconcile and deliver at the same moment. On
    PostgreSQL (HCBOT_TEST_POSTGRES_URL) the passes really overlap; what the people receive must be
    what one pass sends."""
    load(simulation, EXAMPLES / "operations.yaml")
    from sqlalchemy import func

    from storage.models import CheckinSession

    now = datetime(2026, 10, 8, 8, 30, tzinfo=UTC)
    simulation.messenger.now = now

    async def race() -> tuple[int, int, int]:
        async with simulation.database.transaction() as session:
            amina = await repo.person_by_email(session, "amina.hc@sahelia.invalid")
            assert amina is not None
            await repo.link_identity(session, amina, "telegram", "1001", "1001")
        replicas = [Database(simulation.url) for _ in range(4)]
        together = asyncio.Barrier(len(replicas))

        async def one_replica(database: Database) -> None:
            await together.wait()
            async with database.transaction() as session:
                await reconcile(session, now)
            await together.wait()  # all deliverers claim at once, rows of every pass in the table
            await Deliverer(database, [], fallback=simulation.messenger, now=lambda: now).deliver()
        try:
            await asyncio.gather(*(one_replica(database) for database in replicas))
        finally:
            for database in replicas:
                await database.dispose()
        async with simulation.database.transaction() as session:
            rows = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
            keys = (await session.execute(select(func.count(func.distinct(OutboxMessage.dedupe_key))))).scalar_one()
            sessions = (await session.execute(select(func.count()).select_from(CheckinSession))).scalar_one()
        return rows, keys, sessions

    rows, keys, sessions = simulation.runner.run(race())
    received = sorted((email, text.splitlines()[0]) for email, _moment, text in simulation.messenger.sent)
    assert received == EXPECTED_AT_T_MINUS_7, received
    assert rows == keys == len(received) + 1  # Amina's check-in prompt waits for its hour
    assert sessions == 1  # one check-in opened for the HC, however many passes raced
    simulation.messenger.sent.clear()
    simulation.tick(now + timedelta(minutes=59))
    assert not simulation.messenger.sent
    simulation.tick(now + timedelta(hours=1))
    assert [(email, text.splitlines()[0]) for email, _moment, text in simulation.messenger.sent] == [
        ("amina.hc@sahelia.invalid", "Hello Amina. Let's go through the 4 open actions of Sahelia HCT action plan, "
                                     "May 2026; it takes a couple of minutes.")]


# 8 October 2026: a week before Sahelia's due date, Levantia's 57 days overdue, past its six weekly
# nudges (the fallback messenger takes the messages of people without a linked chat, as the console
# does). Amina's check-in falls in the same hour as her nudge: it comes an hour later.
EXPECTED_AT_T_MINUS_7 = [
    ("amina.hc@sahelia.invalid", "Progress update on Sahelia HCT action plan, May 2026"),
    ("omar.hc@levantia.invalid", "Progress update on Levantia OPR action plan"),
    ("secretariat@p2p.invalid", "Nudges stopped: Levantia OPR action plan"),
    ("secretariat@p2p.invalid", "Overdue progress update: Levantia OPR action plan"),
]


def link(simulation: Simulation, email: str) -> None:
    async def run() -> None:
        async with simulation.database.transaction() as session:
            person = await repo.person_by_email(session, email)
            assert person is not None
            await repo.link_identity(session, person, "telegram", email, email)
    simulation.runner.run(run())


def test_check_ins_every_four_weeks_with_a_reminder_then_expiry(simulation: Simulation) -> None:
    load(simulation, EXAMPLES / "operations.yaml")
    hc = "amina.hc@sahelia.invalid"
    link(simulation, hc)
    simulation.run_days(date(2026, 5, 15), date(2026, 8, 20), [8])
    niamey = ZoneInfo("Africa/Niamey")
    prompts = [(moment.astimezone(niamey).strftime("%a %d %b %H:%M"), text.splitlines()[0][:30])
               for who, moment, text in simulation.messenger.sent if who == hc and not text.startswith("Progress")]
    # Adopted Friday 15 May: every four weeks a check-in at 09:00 local; 48 hours unanswered, one
    # reminder; after 7 days the check-in expires and the next cycle opens a new one.
    assert prompts == [
        ("Fri 12 Jun 09:00", "Hello Amina. Let's go through "),
        ("Mon 15 Jun 09:00", "A reminder: your check-in is w"),  # 48 h fall on Sunday: Monday morning
        ("Fri 10 Jul 09:00", "Hello Amina. Let's go through "),
        ("Mon 13 Jul 09:00", "A reminder: your check-in is w"),
        ("Fri 07 Aug 09:00", "Hello Amina. Let's go through "),
        ("Mon 10 Aug 09:00", "A reminder: your check-in is w"),
    ]


def test_a_new_hc_inherits_the_nudges_and_mark_as_sent_stops_them(simulation: Simulation) -> None:
    load(simulation, EXAMPLES / "operations.yaml")
    simulation.run_days(date(2026, 10, 1), date(2026, 10, 1), [8])

    async def change_hc() -> None:
        async with simulation.database.transaction() as session:
            old = await repo.person_by_email(session, "amina.hc@sahelia.invalid")
            new = await repo.person_by_email(session, "jules.unicef@sahelia.invalid")
            assert old is not None
            assert new is not None
            old.role, new.role = new.role, old.role
    simulation.runner.run(change_hc())
    simulation.run_days(date(2026, 10, 2), date(2026, 10, 8), [8])
    assert [line for line, _m in simulation.nudges("amina.hc@sahelia.invalid")] == [
        "Your update to the ERC is due 15 Oct 2026 (14 days left)."]
    assert [line for line, _m in simulation.nudges("jules.unicef@sahelia.invalid")] == [
        "Votre mise à jour au CSU est due le 15 oct. 2026 (7 jours restants)."]  # the new HC, in French
