"""One reconcile pass over 10,000 plans and 100,000 actions, on SQLite and PostgreSQL.

    python benchmarks/bench_reconcile.py                      # SQLite in a temporary folder
    python benchmarks/bench_reconcile.py --postgres postgresql://postgres@127.0.0.1:5432/test

The PostgreSQL database is wiped first. Plans are spread over their ladders (some early, some due,
some long overdue), each with ten actions, an HC with a linked chat and an owner per action. The
first pass queues what is due; the second (steady state, what runs every minute) finds it queued.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from handlers.nudges.reconcile import reconcile
from storage.database import Database
from storage.models import Action, ActionPlan, ChatIdentity, Mission, Operation, Person, Role

ZONES = ["Africa/Niamey", "Asia/Amman", "Europe/Kyiv", "Asia/Kabul", "America/Port-au-Prince", "Africa/Juba"]


async def populate(database: Database, plans: int, actions_per_plan: int) -> None:
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


async def measure(url: str, plans: int, actions_per_plan: int) -> tuple[float, float, str]:
    database = Database(url)
    if database.dialect == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    await populate(database, plans, actions_per_plan)
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    timings = []
    reports = []
    for _ in range(2):
        started = time.perf_counter()
        async with database.transaction() as session:
            reports.append(str(await reconcile(session, now)))
        timings.append(time.perf_counter() - started)
    report = reports[0]
    await database.dispose()
    return timings[0], timings[1], report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--actions-per-plan", type=int, default=10)
    parser.add_argument("--postgres", help="a PostgreSQL URL to wipe and use as well")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", f"sqlite:///{folder}/bench.sqlite3")]
        if arguments.postgres:
            targets.append(("PostgreSQL", arguments.postgres))
        print("| database | plans | actions | first pass (s) | steady pass (s) |\n|---|---:|---:|---:|---:|")
        for name, url in targets:
            first, steady, report = asyncio.run(measure(url, arguments.plans, arguments.actions_per_plan))
            print(f"| {name} | {arguments.plans:,} | {arguments.plans * arguments.actions_per_plan:,} "
                  f"| {first:.2f} | {steady:.2f} |", flush=True)
            print(f"  first pass: {report}", file=sys.stderr)


if __name__ == "__main__":
    main()
