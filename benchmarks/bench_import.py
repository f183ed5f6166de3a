"""`hcbot admin import` of 10,000 people, from CSV and from YAML: seconds and peak memory.

    python benchmarks/bench_import.py                  # 10,000 rows, SQLite in a temporary folder
    python benchmarks/bench_import.py --rows 50000
    python benchmarks/bench_import.py --postgres postgresql://postgres@127.0.0.1:5432/bench_imports

Each import runs the real command in its own process, as the secretariat runs it, so that its peak
resident memory (``wait4``'s ``ru_maxrss``) is that import's alone. The database is created and
migrated before the clock starts (a fresh SQLite file per file; the PostgreSQL database is wiped),
and holds one operation that the people refer to. Each file is imported twice: the first creates
every row, the second (the same file again) must find them all unchanged.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATION = """operations:
  - code: bench
    name: Bench operation
    country: Benchland
    timezone: Africa/Niamey
"""


def people_csv(rows: int) -> str:
    lines = ["email,name,role,language,operation"]
    for number in range(rows):
        role = "hc" if number % 50 == 0 else "hct_member"
        language = "fr" if number % 3 == 0 else "en"
        lines.append(f"person{number}@bench.invalid,Person Number {number},{role},{language},bench")
    return "\n".join(lines) + "\n"


def people_yaml(rows: int) -> str:
    lines = [OPERATION.rstrip("\n"), "people:"]
    for number in range(rows):
        role = "hc" if number % 50 == 0 else "hct_member"
        language = "fr" if number % 3 == 0 else "en"
        lines += [f"  - email: person{number}@bench.invalid", f"    name: Person Number {number}",
                  f"    role: {role}", f"    language: {language}", "    operation: bench"]
    return "\n".join(lines) + "\n"


def hcbot(env: dict[str, str], *args: str) -> tuple[float, int, str]:
    """Runs ``hcbot ARGS`` and returns its wall seconds, its own peak RSS in MB and its output."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"hcbot {' '.join(args)} failed ({process.returncode}):\n{output}")
    return seconds, usage.ru_maxrss // 1024, output.strip()


def fresh_database(env: dict[str, str], postgres: str | None, folder: Path, name: str) -> dict[str, str]:
    if postgres:
        from sqlalchemy import create_engine, text

        engine = create_engine(postgres.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = postgres
    else:
        url = f"sqlite:///{folder / (name + '.sqlite3')}"
    env = {**env, "HCBOT_DATABASE_URL": url}
    hcbot(env, "db", "upgrade")
    operation = folder / "operation.yaml"
    operation.write_text(OPERATION, encoding="utf-8")
    hcbot(env, "admin", "import", str(operation))
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to use (its public schema is wiped)")
    arguments = parser.parse_args()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCBOT_")}
    baseline = None
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        files = {"csv": people_csv(arguments.rows), "yaml": people_yaml(arguments.rows)}
        for kind, text in files.items():
            path = folder / f"people.{kind}"
            path.write_text(text, encoding="utf-8")
            database_env = fresh_database(env, arguments.postgres, folder, kind)
            if baseline is None:
                # What the command costs with nothing to import: the floor under every figure below.
                seconds, baseline, _output = hcbot(database_env, "admin", "import", str(folder / "operation.yaml"))
                print(f"baseline (a one-operation file): {seconds:6.2f} s, peak RSS {baseline} MB")
            for run in ("first import", "same file again"):
                seconds, peak, output = hcbot(database_env, "admin", "import", str(path))
                print(f"{arguments.rows:,} people, {kind:<4} ({len(text.encode()) / 1e6:.1f} MB), {run:<15}: "
                      f"{seconds:6.2f} s, peak RSS {peak} MB   [{output.splitlines()[-1][:90]}]")


if __name__ == "__main__":
    main()
