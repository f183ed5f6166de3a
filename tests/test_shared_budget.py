"""Replicas share one platform budget on PostgreSQL, and an answer lost on the way back is in doubt."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.delivery import Deliverer, DeliveryError, RateLimits, Recipient, SharedBudget, in_doubt
from handlers.messages import Reply, reply_to_json, text_reply
from storage import outbox
from storage import repositories as repo
from storage.database import Database
from tests.conftest import EXAMPLES, POSTGRES_URL, database_url, fresh_database

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
HC = "amina.hc@sahelia.invalid"


@dataclass
class Stamping:
    """A platform that records the wall-clock second of every message it receives."""

    seconds: Counter[int] = field(default_factory=Counter)
    platform: str = "telegram"
    limits: RateLimits = field(default_factory=lambda: RateLimits(overall_per_second=20))
    lose_answers: set[str] = field(default_factory=set)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        self.seconds[int(time.time())] += 1
        if reply.plain_text in self.lose_answers:
            raise DeliveryError("read timeout after the request was written", ambiguous=True)


async def queue(database: Database, count: int) -> None:
    from handlers.secretariat.imports import import_file

    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        await repo.link_identity(session, person, "telegram", "1001", "1001")
        # A kind that is not spaced, so that one person's many rows measure the platform's rate
        # (one voice would hold a person's second nudge for an hour).
        for number in range(count):
            await outbox.enqueue(session, dedupe_key=f"test:{number}", kind="escalation", person_id=person.id,
                                 payload=reply_to_json(text_reply(f"message {number}")), due_at=NOW, now=NOW)


@pytest.mark.skipif(POSTGRES_URL is None, reason="replicas share a database only on PostgreSQL")
async def test_three_replicas_stay_within_one_platform_budget(tmp_path: Path) -> None:
    first = await fresh_database(database_url("postgresql", tmp_path))
    await queue(first, 90)
    platform = Stamping()
    # Three replicas: three engines, three deliverers, each allowed the full rate on its own.
    replicas = [first, *(Database(first.url) for _ in range(2))]
    deliverers = [Deliverer(database, [platform], now=lambda: NOW, chunk=10) for database in replicas]
    reports = await asyncio.gather(*(deliverer.deliver() for deliverer in deliverers))
    for database in replicas:
        await database.dispose()
    assert sum(report.sent for report in reports) == 90
    assert sum(platform.seconds.values()) == 90
    # Whichever replica sent, any three wall-clock seconds saw at most 3 x 20 and one slot (2): a send
    # that took its tenth of a second, delayed on a loaded machine, lands in a later second (CI saw
    # 8 then 22, and 22 then 20). No second reaches Telegram's own 30; three replicas that did not
    # share the budget would send 60 in one.
    per_second = [platform.seconds.get(second, 0)
                  for second in range(min(platform.seconds), max(platform.seconds) + 3)]
    assert max(per_second) < 30
    assert max(sum(per_second[index:index + 3]) for index in range(len(per_second) - 2)) <= 3 * 20 + 2
    assert sum(1 for report in reports if report.sent) >= 2  # the replicas really shared the work


async def test_a_lost_answer_is_in_doubt_and_never_sent_again(backend: str, tmp_path: Path) -> None:
    database = await fresh_database(database_url(backend, tmp_path))
    await queue(database, 3)
    platform = Stamping(limits=RateLimits(), lose_answers={"message 1"})
    deliverer = Deliverer(database, [platform], now=lambda: NOW)
    report = await deliverer.deliver()
    assert (report.sent, report.in_doubt, report.retried) == (2, 1, 0)
    assert await deliverer.deliver() == type(report)()  # nothing left to send: not resent
    assert sum(platform.seconds.values()) == 3
    later = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert len(await in_doubt(database, later)) == 1
    await database.dispose()


async def test_the_operator_may_choose_at_least_once(backend: str, tmp_path: Path) -> None:
    database = await fresh_database(database_url(backend, tmp_path))
    await queue(database, 1)
    platform = Stamping(limits=RateLimits(), lose_answers={"message 0"})
    report = await Deliverer(database, [platform], now=lambda: NOW, resend_in_doubt=True).deliver()
    assert (report.sent, report.in_doubt, report.retried) == (0, 0, 1)
    await database.dispose()


def test_the_budget_slots_are_tenths_of_a_second_counted_alike() -> None:
    fast = SharedBudget(Database("sqlite://"), "telegram", 30)
    slow = SharedBudget(Database("sqlite://"), "slack", 1)
    assert (fast.slots_per_second, fast.limit) == (10, 3)
    assert (slow.slots_per_second, slow.limit) == (1, 1)
    moment = 1_800_000_000.37
    assert fast.slot(moment) == 18_000_000_003
    assert slow.slot(moment) == 18_000_000_000  # the whole second, in the same tenths
    assert SharedBudget(Database("sqlite://"), "telegram", 25).limit == 2  # 20 a second: down, never up
