"""`hcbot trends` on a generated set of operations (tests/trends_data.py: plans, actions with their
histories, questions, notices): seconds for the Markdown brief (tables only) and for the Word
brief (six charts drawn), each the real command in its own process.

    python benchmarks/bench_trends.py                      # 50 operations, SQLite in a temporary folder
    python benchmarks/bench_trends.py --operations 500
    python benchmarks/bench_trends.py --charts docs/images  # also keep the charts (the README's figure)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage.database import Database  # noqa: E402 (after the repository is on the path)
from tests.trends_data import generate  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def fill(url: str, operations: int) -> int:
    database = Database(url)
    await database.upgrade()
    async with database.transaction() as session:
        truth = await generate(session, NOW, operations)
    await database.dispose()
    return len(truth.actions)


def timed(arguments: list[str], environment: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.cli", "trends", *arguments], env=environment, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=50)
    parser.add_argument("--charts", type=Path, help="write the charts in this folder too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        actions = asyncio.run(fill(url, options.operations))
        environment = {**os.environ, "HCBOT_DATABASE_URL": url}
        markdown = timed(["--format", "md"], environment)
        word = timed(["--format", "docx", "-o", str(Path(folder) / "brief.docx")], environment)
        if options.charts is not None:
            timed(["--format", "md", "--charts", str(options.charts.resolve())], environment)
        print(f"{options.operations} operations, {actions} actions: markdown {markdown:.1f} s, "
              f"word with charts {word:.1f} s")


if __name__ == "__main__":
    main()
