"""The cost of the "Operations working on this" part of an answer: the time to find, among every
operation sharing its plan, the actions on a question's topic (read from the database, topics read
from titles where none were imported), for N operations of six untagged actions each.

    python benchmarks/bench_peers.py [N]    # default 300 operations: ten times the P2P network

Prints the first look-up (titles read by the search for the first time) and the next ones (cached).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from handlers.peers.visibility import EVERYTHING, visible_entries
from handlers.secretariat.imports import import_file
from knowledge import build_index
from storage.database import Database

TITLE = ("Set up and fund an inter-agency arrangement with a full-time PSEA coordinator, common procedures "
         "and a community-based complaints channel")


def operations_file(count: int) -> str:
    lines = ["operations:"]
    for number in range(count):
        lines += [f"  - code: op{number}", f"    name: Operation {number}", f"    country: Country {number}",
                  "    timezone: UTC", "    sharing: all", "    missions:", "      - kind: opr",
                  "        starts_on: 2026-01-05", "        ends_on: 2026-01-16", "        plan:",
                  f"          code: op{number}-2026", f"          title: Plan {number}",
                  "          adopted_on: 2026-01-16", "          actions:"]
        for position in range(1, 7):
            lines += [f"            - number: {position}", f"              title: {TITLE} {number}-{position}"]
    return "\n".join(lines) + "\n"


async def measure(count: int) -> None:
    folder = Path(tempfile.mkdtemp())
    database = Database(f"sqlite:///{folder / 'peers.sqlite3'}")
    await database.upgrade()
    source = folder / "operations.yaml"
    source.write_text(operations_file(count), encoding="utf-8")
    await import_file(database, source)
    index = build_index(2026)
    for attempt in ("first", "next", "next"):
        start = time.perf_counter()
        async with database.transaction() as session:
            found = await visible_entries(session, index, None, ["psea"], EVERYTHING)
        print(f"{count} operations, {len(found)} actions on PSEA, {attempt} look-up: "
              f"{(time.perf_counter() - start) * 1000:.0f} ms")
    await database.dispose()


if __name__ == "__main__":
    asyncio.run(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
