"""The running bot picks up library edits without a restart: a new product becomes answerable, and
an edit that breaks the library is logged and ignored, the old library still served."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
from pathlib import Path

import pytest

from bot.app import build_app
from bot.clock import FixedClock
from bot.console import ConsoleMessenger, ConsoleSession
from bot.library_reload import LibraryReloader
from bot.settings import Settings
from tests.conftest import START, database_url, fresh_database
from tests.test_restart import BotProcess

FIRST = """---
id: needs-chad
title: "One joint needs assessment in Chad"
type: case-study
topics: [needs-assessment]
countries: [Chad]
year: 2019
language: en
summary: The clusters ran one joint needs assessment before the response plan.
illustrative: true
---
## What was done
The clusters ran one joint needs assessment before the response plan, with a common questionnaire
and one analysis shared by every agency, so that the plan rested on the same figures for everyone.
"""

NEW = """---
id: cash-niger
title: "A common transfer value for the lean season in Niger"
type: case-study
topics: [cash]
countries: [Niger]
year: 2021
language: en
summary: The cash working group in Niger agreed one transfer value for the lean season.
illustrative: true
---
## What was done
The cash working group in Niger agreed one transfer value for multipurpose cash during the lean
season, so that every family received the same amount whichever agency delivered the assistance.
"""

QUESTION = "how did others agree a common cash transfer value in the lean season?"


def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    (folder / "needs-chad.md").write_text(FIRST, encoding="utf-8")
    return folder


async def test_a_new_product_is_answered_and_a_broken_edit_keeps_the_old_library(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    folder = library(tmp_path)
    url = database_url("sqlite", tmp_path)
    database = await fresh_database(url)
    settings = Settings(database_url=url, knowledge_dir=folder)
    app = await build_app(settings, clock=FixedClock(START), database=database)
    app.add_messenger(ConsoleMessenger(io.StringIO()))
    chat = ConsoleSession(app.live)
    reloader = LibraryReloader(app.router.context, settings, app.clock, interval=0.02,
                               on_swap=lambda index: setattr(app, "index", index))
    reloader.start(sighup=False)
    try:
        before = await chat.say(QUESTION)
        assert "One joint needs assessment in Chad" in before or "Was this useful?" not in before
        assert "lean season in Niger" not in before

        (folder / "cash-niger.md").write_text(NEW, encoding="utf-8")
        await asyncio.wait_for(reloader.changed.wait(), 10)
        reloader.changed.clear()
        assert reloader.reloads == 1
        assert "A common transfer value for the lean season in Niger" in await chat.say(QUESTION)
        assert app.index is app.router.context.index

        served = app.router.context.index
        caplog.set_level(logging.WARNING, logger="bot.library_reload")
        broken = folder / "cash-niger.md"
        broken.write_text(NEW.replace("topics: [cash]", "topics: [cahs]"), encoding="utf-8")
        await asyncio.wait_for(reloader.changed.wait(), 10)
        assert (reloader.reloads, reloader.refusals) == (1, 1)
        assert app.router.context.index is served
        assert "A common transfer value for the lean season in Niger" in await chat.say(QUESTION)
        assert "still serving the previous library" in caplog.text
        assert f"{broken}:5: topics: unknown topic 'cahs'" in caplog.text
    finally:
        await reloader.stop()
        await app.close()


def test_hcbot_run_reloads_on_sighup(tmp_path: Path) -> None:
    folder = library(tmp_path)
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}",
           "HCBOT_KNOWLEDGE_DIR": str(folder)}
    bot = BotProcess(env, tmp_path, ["run"])
    try:
        assert "lean season in Niger" not in bot.say(QUESTION, until="[1] ")
        (folder / "cash-niger.md").write_text(NEW, encoding="utf-8")
        bot.process.send_signal(signal.SIGHUP)
        # SIGHUP reloads at once: the next question or the one after (if it raced the signal) finds it.
        answers = [bot.say(QUESTION, until="[1] ") for _attempt in range(2)]
        assert any("A common transfer value for the lean season in Niger" in answer for answer in answers)
        bot.process.send_signal(signal.SIGTERM)
        assert bot.process.wait(timeout=20) == 0
    finally:
        bot.kill()
