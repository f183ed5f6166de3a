"""The scheduler in the bot's loop, and `hcbot run` stopping cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.scheduler import Scheduler
from handlers.delivery import Deliverer
from handlers.nudges.reconcile import ReconcileReport
from handlers.secretariat.imports import import_file
from tests.conftest import EXAMPLES, database_url, fresh_database
from tests.test_restart import BotProcess
from tests.test_scheduler import RecordingMessenger


def test_the_scheduler_catches_up_at_start_and_keeps_running(backend: str, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.scheduler")

    def passes() -> list[ReconcileReport]:
        return [record.args[0] for record in caplog.records if record.name == "bot.scheduler"
                and isinstance(record.args, tuple) and isinstance(record.args[0], ReconcileReport)]

    async def scenario() -> list[str]:
        database = await fresh_database(database_url(backend, tmp_path))
        await import_file(database, EXAMPLES / "operations.yaml")
        messenger = RecordingMessenger()
        clock = FixedClock(datetime(2026, 10, 8, 8, 30, tzinfo=UTC))  # 09:30 in Niamey, T-7
        deliverer = Deliverer(database, [], fallback=messenger, now=clock.now)
        scheduler = Scheduler(database, deliverer, clock, reconcile_every=timedelta(seconds=0.2),
                              deliver_every=timedelta(seconds=0.1))
        await scheduler.start()
        await scheduler.idle()  # the first pass, in the background, has caught up
        first = [email for email, _moment, _text in messenger.sent]
        clock.advance_to(datetime(2026, 10, 14, 8, 30, tzinfo=UTC))  # T-1: the jobs notice by themselves
        for _ in range(50):
            await asyncio.sleep(0.1)
            if "amina.hc@sahelia.invalid" in [email for email, _m, _t in messenger.sent[len(first):]]:
                break
        # Three more reconcile passes, seen in their reports: each queued nothing, so nothing is sent twice.
        # (The pass that queued T-1 may log its report just after the message went out: skip one.)
        seen = len(passes()) + 1
        for _ in range(100):
            if len(passes()) >= seen + 3:
                break
            await asyncio.sleep(0.05)
        later = passes()[seen:]
        assert len(later) >= 3, later
        assert all(report == ReconcileReport() for report in later), later
        await scheduler.deliver_once()
        await scheduler.stop()
        await database.dispose()
        return first + ["--"] + [email for email, _moment, _text in messenger.sent[len(first):]]

    sent = asyncio.run(scenario())
    assert sent[: sent.index("--")].count("amina.hc@sahelia.invalid") == 1
    after = sent[sent.index("--") + 1:]
    assert after.count("amina.hc@sahelia.invalid") == 1  # T-1, once, without any tick by hand


def test_hcbot_run_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    process = BotProcess(env, tmp_path, ["run"])
    assert "1. " in process.say("GBV", until="Was this useful?")
    process.process.send_signal(signal.SIGTERM)
    assert process.process.wait(timeout=20) == 0
    process.kill()
    done = subprocess.run([sys.executable, "-m", "bot.cli", "admin", "questions", "--json"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert '"question": "GBV"' in done.stdout


def test_tick_schedule_and_admin_plan_submitted(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    first = hcbot("tick", "--now", "2026-10-08T08:30+00:00")
    assert "--> to Amina Example <amina.hc@sahelia.invalid>" in first.stdout
    assert "(7 days left)" in first.stdout
    again = hcbot("tick", "--now", "2026-10-08T08:31+00:00")
    assert "-->" not in again.stdout
    assert "0 nudges" in again.stdout
    schedule = hcbot("schedule", "sahelia-2026")
    assert "Thu 2026-10-08 09:00 WAT  before-7       to HC          sent" in schedule.stdout
    assert "Wed 2026-10-14 09:00 WAT  before-1" in schedule.stdout
    assert hcbot("admin", "plan", "submitted", "sahelia-2026").returncode == 0
    later = hcbot("tick", "--now", "2026-10-14T08:30+00:00")
    assert "Sahelia" not in later.stdout
    assert "nudges stopped" in hcbot("schedule", "sahelia-2026").stdout
    assert hcbot("tick", "--now", "2026-10-14T08:30").returncode != 0  # a time without a zone is refused
