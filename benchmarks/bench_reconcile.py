"""A reconcile pass over 10,000 plans and 100,000 actions, on SQLite and PostgreSQL, while the bot
answers live questions: how long the pass takes, how long the event loop is ever blocked, and how
long the questions wait.

    python benchmarks/bench_reconcile.py                      # SQLite in a temporary folder
    python benchmarks/bench_reconcile.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    python benchmarks/bench_reconcile.py --code /tmp/hcbot_before   # another checkout's code, same bench

The PostgreSQL database is wiped first. Plans are spread over their ladders (some early, some due,
some long overdue), each with ten actions, an HC with a linked chat and an owner per action: the
first pass has a nudge, an escalation or a check-in to open for nearly every plan at once (a first
deployment, a restart after downtime, a large import); the second (steady state, what runs every
minute) finds it all queued.

Each pass is the scheduler's own (``Scheduler.reconcile_once``, so the transactions it opens are the
ones a running bot opens) and runs while:

- a loop-lag probe sleeps 5 ms at a time and records how much later than asked it woke: the gaps
  are how long the event loop was blocked (a live message waits that long before it is even read);
- questions arrive at ``--rate`` a second, each from a person of its own, through the live path
  (dedupe, the router, its transaction, the reply written to the outbox and sent to a recording
  messenger): their time from arrival to reply sent.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ZONES = ["Africa/Niamey", "Asia/Amman", "Europe/Kyiv", "Asia/Kabul", "America/Port-au-Prince", "Africa/Juba"]


def use_code(root: Path) -> None:
    """Imports the bot from ``root`` (a checkout of another commit, for a before/after run)."""
    sys.path.insert(0, str(root))


async def populate(database: Any, plans: int, actions_per_plan: int) -> None:
    from sqlalchemy import insert

    from storage.models import Action, ActionPlan, ChatIdentity, Mission, Operation, Person, Role

    rng = random.Random(3)
    today = date(2026, 11, 23)
    async with database.transaction() as session:
        await session.execute(insert(Operation), [
            {"id": i + 1, "code": f"op-{i}", "name": f"Operation {i}", "country": "Benchland",
             "timezone": ZONES[i % len(ZONES)], "working_days": [7, 1, 2, 3, 4] if i % 3 == 0 else [1, 2, 3, 4, 5]}
            for i in range(plans)])
        await session.execute(insert(Person), [
            {"id": i + 1, "name": f"HC {i}", "email": f"hc{i}@bench.invalid", "role": Role.HC, "language": "en",
             "operation_id": i + 1} for i in range(plans)]
            + [{"id": plans + 1, "name": "Secretariat", "email": "sec@bench.invalid", "role": Role.SECRETARIAT,
                "language": "en", "operation_id": None}])
        await session.execute(insert(ChatIdentity), [
            {"person_id": i + 1, "platform": "telegram", "external_user_id": str(i), "chat_id": str(i), "active": True}
            for i in range(plans)])
        await session.execute(insert(Mission), [
            {"id": i + 1, "operation_id": i + 1, "kind": "p2p", "starts_on": today - timedelta(days=200),
             "ends_on": today - timedelta(days=190)} for i in range(plans)])
        adopted = [today - timedelta(days=rng.randint(30, 250)) for _ in range(plans)]
        await session.execute(insert(ActionPlan), [
            {"id": i + 1, "code": f"plan-{i}", "title": f"Plan {i}", "mission_id": i + 1, "adopted_on": adopted[i],
             "update_due_on": None, "checkin_every_weeks": 4} for i in range(plans)])
        await session.execute(insert(Action), [
            {"plan_id": p + 1, "number": n + 1, "title": f"Action {n + 1} of plan {p}", "owner_id": p + 1,
             "owner_label": None, "due_on": adopted[p] + timedelta(days=60), "topics": []}
            for p in range(plans) for n in range(actions_per_plan)])


@dataclass(slots=True)
class Probe:
    """Sleeps ``tick`` at a time; each wake-up later than asked is time the loop was blocked."""

    tick: float = 0.005
    gaps: list[float] = field(default_factory=list)
    running: bool = True

    async def run(self) -> None:
        while self.running:
            asked = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.gaps.append(time.perf_counter() - asked - self.tick)


class RecordingMessenger:
    """Takes the live replies (a platform's send is not what this measures)."""

    platform = "bench"

    def __init__(self, limits: Any) -> None:
        self.limits = limits
        self.sent = 0

    async def send(self, recipient: Any, reply: Any, *, plain: bool = False) -> None:
        self.sent += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


async def one_pass(app: Any, questions: list[str], rate: float, people: Any) -> dict[str, float]:
    from handlers.i18n import t
    from handlers.messages import Incoming

    probe = Probe()
    probing = asyncio.ensure_future(probe.run())
    waits: list[float] = []
    in_flight: set[asyncio.Task[None]] = set()

    failed = 0

    async def ask(question: str) -> None:
        nonlocal failed
        person = next(people)
        started = time.perf_counter()
        try:
            replies = await app.live.answer(Incoming("bench", f"asker{person}", f"asker{person}", question,
                                                     event_key=f"bench:{person}"))
        except Exception:  # the database stayed locked past its timeout: the question is lost
            failed += 1
            return
        if not replies or replies[0].plain_text == t("error", "en"):
            failed += 1
            return
        waits.append(time.perf_counter() - started)

    async def asking(done: asyncio.Event) -> None:
        number = 0
        begun = time.perf_counter()
        while not done.is_set():
            task = asyncio.ensure_future(ask(questions[number % len(questions)]))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            number += 1
            # On a schedule, not after each answer: a blocked loop makes questions pile up, as
            # people do not stop asking while the bot is busy.
            await asyncio.sleep(max(0.0, begun + number / rate - time.perf_counter()))

    done = asyncio.Event()
    asker = asyncio.ensure_future(asking(done))
    await asyncio.sleep(0.3)  # the probe and the askers are running before the pass starts
    cpu, started = time.process_time(), time.perf_counter()
    report = await app.scheduler.reconcile_once()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    done.set()
    await asker
    await asyncio.gather(*in_flight)
    probe.running = False
    await probing
    gaps = probe.gaps
    return {"seconds": elapsed, "cpu": cpu, "max_gap_ms": max(gaps) * 1000,
            "gaps_over_50": sum(gap > 0.05 for gap in gaps), "questions": len(waits), "failed": failed,
            "live_p50_ms": statistics.median(waits) * 1000 if waits else 0.0,
            "live_p95_ms": percentile(waits, 0.95) * 1000, "report": str(report)}  # type: ignore[dict-item]


async def measure(url: str, plans: int, actions_per_plan: int, rate: float) -> list[dict[str, float]]:
    from sqlalchemy import text

    from bot.app import build_app
    from bot.clock import FixedClock
    from bot.settings import Settings
    from handlers.delivery import RateLimits
    from storage.database import Database

    database = Database(url)
    if database.dialect == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    await populate(database, plans, actions_per_plan)
    clock = FixedClock(datetime(2026, 11, 23, 10, tzinfo=UTC))
    app = await build_app(Settings(database_url=url), clock=clock, database=database)
    app.add_messenger(RecordingMessenger(RateLimits()))
    # As `hcbot run` does once the bot is built (a --code checkout from before it had none).
    import bot.app as app_module

    settle = getattr(app_module, "settle_heap", None)
    if settle is not None:
        settle()
    questions = [json.loads(line)["q"] for line in (ROOT / "tests" / "questions.jsonl").read_text().splitlines()]
    people = iter(range(10**9))
    from handlers.messages import Incoming

    for number, question in enumerate(questions[:3]):  # warm: first connections, the router's caches
        await app.live.answer(Incoming("bench", f"warm{number}", f"warm{number}", question))
    passes = [await one_pass(app, questions, rate, people) for _ in range(2)]
    await app.close()
    return passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--actions-per-plan", type=int, default=10)
    parser.add_argument("--rate", type=float, default=10.0, help="live questions a second during each pass")
    parser.add_argument("--postgres", help="a PostgreSQL URL to wipe and use as well")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code is measured")
    arguments = parser.parse_args()
    # A question that fails (the database locked past its timeout) is counted, not logged at length.
    logging.disable(logging.CRITICAL)
    use_code(arguments.code.resolve())
    importlib.invalidate_caches()
    with tempfile.TemporaryDirectory() as folder:
        targets = [] if arguments.no_sqlite else [("SQLite", f"sqlite:///{folder}/bench.sqlite3")]
        if arguments.postgres:
            targets.append(("PostgreSQL", arguments.postgres))
        print("| database | pass | seconds | CPU (s) | longest loop block (ms) | blocks over 50 ms "
              "| live questions answered | failed | live p50 / p95 (ms) |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, url in targets:
            for label, row in zip(("first", "steady"), asyncio.run(
                    measure(url, arguments.plans, arguments.actions_per_plan, arguments.rate)), strict=True):
                print(f"| {name} | {label} | {row['seconds']:.2f} | {row['cpu']:.2f} | {row['max_gap_ms']:.0f} "
                      f"| {row['gaps_over_50']:.0f} | {row['questions']:.0f} | {row['failed']:.0f} "
                      f"| {row['live_p50_ms']:.1f} / {row['live_p95_ms']:.1f} |", flush=True)
                print(f"  {label} pass: {row['report']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
