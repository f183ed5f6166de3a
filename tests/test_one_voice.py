"""One voice in a live ``hcbot run``, where the passes are apart: reconcile every minute, deliver
every few seconds. What falls due between two reconcile passes must still reach the person in the
fixed order (nudge, check-in, notices) and never within an hour of their last proactive message.

The passes are the real ones (``reconcile``, ``Deliverer.deliver``) on SQLite and PostgreSQL, run at
the moments a running bot would run them; only the platform is a recording stand-in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.broadcasts import sending
from handlers.broadcasts.sending import Notice
from handlers.delivery import Deliverer, RateLimits, Recipient
from handlers.messages import Reply, reply_to_json, text_reply
from handlers.nudges.reconcile import reconcile
from handlers.secretariat.imports import import_file
from storage import outbox
from storage import repositories as repo
from storage.database import Database
from storage.models import OutboxMessage
from tests.conftest import database_url, fresh_database

# Due on Monday 8 June 2026; Niamey is UTC+1 all year, so 09:00 there is 08:00 UTC. Check-ins every
# 26 weeks, the first on 20 July: none falls in these days, so the HC receives nudges and notices alone.
PLAN = """
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
          checkin_every_weeks: 26
          actions:
            - {number: 1, title: Protection strategy, owner: UNHCR}
people:
  - {email: hc@valley.invalid, name: Awa Valley, role: hc, operation: niger-valley}
"""
HC = "hc@valley.invalid"
NIAMEY = ZoneInfo("Africa/Niamey")


def monday(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Monday 8 June 2026 at this time in Niamey, as UTC."""
    return datetime(2026, 6, 8, hour, minute, second, tzinfo=NIAMEY).astimezone(UTC)


@dataclass
class Platform:
    """Keeps what it was asked to send: to whom (the person's e-mail, or the chat of a live reply),
    when (the deliverer's clock) and the first line."""

    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    platform: str = "telegram"
    limits: RateLimits = field(default_factory=RateLimits)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        local = self.now.astimezone(NIAMEY).strftime("%H:%M:%S")
        self.sent.append((recipient.email or recipient.chat_id, local, reply.plain_text.splitlines()[0]))


class Bot:
    """The two passes of a running bot, each run at the moment the test says."""

    def __init__(self, url: str, plan_file: Path) -> None:
        self.runner = asyncio.Runner()
        self.database: Database = self.runner.run(fresh_database(url))
        self.platform = Platform()
        self.runner.run(self._load(plan_file))

    async def _load(self, plan_file: Path) -> None:
        await import_file(self.database, plan_file)
        async with self.database.transaction() as session:
            person = await repo.person_by_email(session, HC)
            assert person is not None
            await repo.link_identity(session, person, "telegram", "1001", "1001")

    def reconcile(self, now: datetime) -> None:
        async def run() -> None:
            async with self.database.transaction() as session:
                await reconcile(session, now)
        self.runner.run(run())

    def deliver(self, now: datetime) -> list[tuple[str, str, str]]:
        """One delivery pass at ``now``; what it sent."""
        before = len(self.platform.sent)
        self.platform.now = now
        self.runner.run(Deliverer(self.database, [self.platform], now=lambda: now).deliver())
        return self.platform.sent[before:]

    def notice(self, now: datetime, text: str, *, right_away: bool = False) -> None:
        """The secretariat releases a notice to the HCs now, as the chat's Send does."""
        async def run() -> None:
            async with self.database.transaction() as session:
                await sending.schedule(session, Notice(text), {"role": ["hc"]}, now, now, None,
                                       local_hours=not right_away)
        self.runner.run(run())

    def reply(self, now: datetime, text: str) -> None:
        """A reply to something the HC just wrote, queued as the live path queues it."""
        async def run() -> None:
            async with self.database.transaction() as session:
                person = await repo.person_by_email(session, HC)
                assert person is not None
                await outbox.enqueue_reply(session, dedupe_key=f"reply:{text}", person_id=person.id,
                                           platform="telegram", chat_id="1001", thread=None,
                                           payload=reply_to_json(text_reply(text)), now=now)
        self.runner.run(run())

    def due_of(self, kind: str) -> list[datetime]:
        async def run() -> list[datetime]:
            async with self.database.transaction() as session:
                rows = await session.execute(select(OutboxMessage.due_at).where(OutboxMessage.kind == kind)
                                             .order_by(OutboxMessage.id))
                return list(rows.scalars())
        return self.runner.run(run())

    def close(self) -> None:
        self.runner.run(self.database.dispose())
        self.runner.close()


@pytest.fixture
def bot(backend: str, tmp_path: Path) -> Iterator[Bot]:
    plan_file = tmp_path / "valley.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    running = Bot(database_url(backend, tmp_path), plan_file)
    # Friday 5 June: the T-1 nudge (7 June is a Sunday) goes out on its own morning, so Monday's
    # due-day nudge is the next step, neither a catch-up nor held back.
    friday = datetime(2026, 6, 5, 9, 30, tzinfo=NIAMEY)
    running.reconcile(friday)
    assert [line[2] for line in running.deliver(friday)] == ["Progress update on Valley plan"]
    yield running
    running.close()


NUDGE = (HC, "Progress update on Valley plan")


def test_the_nudge_is_written_ahead_and_goes_before_a_notice_waiting_for_the_same_morning(bot: Bot) -> None:
    # Released on Saturday evening, the notice waits for Monday 09:00, the nudge's own time.
    bot.notice(datetime(2026, 6, 6, 21, tzinfo=NIAMEY), "Webinar on localisation, 4 June.")
    assert bot.due_of("broadcast") == [monday(9)]
    # 08:55: the pass writes the 09:00 nudge ahead, due at 09:00, and spaces the notice after it.
    bot.reconcile(monday(8, 55))
    assert bot.due_of("nudge")[-1] == monday(9)
    assert bot.due_of("broadcast") == [monday(10)]
    assert bot.deliver(monday(8, 55)) == []
    # 09:00:05, the first delivery pass of the hour, before the 09:01 reconcile: the nudge alone.
    assert [(who, first) for who, _at, first in bot.deliver(monday(9, 0, 5))] == [NUDGE]
    bot.reconcile(monday(9, 1))
    assert bot.deliver(monday(9, 1)) == []
    assert bot.deliver(monday(9, 59, 59)) == []
    assert bot.deliver(monday(10, 0, 5)) == [(HC, "10:00:05", "Webinar on localisation, 4 June.")]


def test_a_notice_released_twenty_minutes_after_the_nudge_waits_out_the_hour(bot: Bot) -> None:
    bot.reconcile(monday(9))
    assert bot.deliver(monday(9)) == [(HC, "09:00:00", NUDGE[1])]
    # 09:20: the secretariat sends a notice from the chat; it is due at once (working hours), and
    # no reconcile pass has spaced it yet.
    bot.notice(monday(9, 20), "New practical note on cash.")
    assert bot.due_of("broadcast") == [monday(9, 20)]
    for moment in (monday(9, 20), monday(9, 40), monday(9, 59, 59)):
        assert bot.deliver(moment) == []
    assert bot.deliver(monday(10)) == [(HC, "10:00:00", "New practical note on cash.")]


def test_replies_and_notices_sent_right_away_are_never_held(bot: Bot) -> None:
    bot.reconcile(monday(9))
    assert bot.deliver(monday(9)) == [(HC, "09:00:00", NUDGE[1])]
    bot.reply(monday(9, 10), "Here is how other operations handled it:")
    bot.notice(monday(9, 10), "The webinar starts in ten minutes.", right_away=True)
    assert sorted(bot.deliver(monday(9, 10))) == [
        ("1001", "09:10:00", "Here is how other operations handled it:"),
        (HC, "09:10:00", "The webinar starts in ten minutes.")]


def test_of_two_due_at_once_before_any_pass_spaced_them_the_nudge_goes_alone(bot: Bot) -> None:
    # 08:59: the last pass before nine wrote the nudge (due 09:00) and found nothing to space. A
    # notice released at 08:59:30 waits for 09:00 too: both are due at the same delivery pass.
    bot.reconcile(monday(8, 59))
    bot.notice(monday(8, 59, 30), "Webinar on localisation, 4 June.")
    assert bot.due_of("broadcast") == [monday(9)] == bot.due_of("nudge")[-1:]
    assert bot.deliver(monday(9)) == [(HC, "09:00:00", NUDGE[1])]
    assert bot.deliver(monday(9, 30)) == []
    assert bot.deliver(monday(10)) == [(HC, "10:00:00", "Webinar on localisation, 4 June.")]
