"""The fictional demo (``hcbot chat --demo``): a plan mid-way through its window, with a little history."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from handlers.secretariat.imports import ImportRejected, read_document, write
from knowledge.documents import DocumentError, load_yaml
from storage import repositories as repo
from storage.database import Database
from storage.models import Status

DEMO_PLAN = "demo-arcadia-2026"
# Adopted this many days before the demo is first opened, its update due this many days after.
ADOPTED_DAYS_AGO = 100
DUE_IN_DAYS = 30
# Action number: status, how many days ago, note.
HISTORY = {1: (Status.ON_TRACK, 40, "Draft strategy shared with the HCT."),
           2: (Status.DELAYED, 21, "Coordinator recruitment re-advertised."),
           3: (Status.NOT_STARTED, 21, None)}
_DATES = ("starts_on", "ends_on", "adopted_on", "update_due_on", "due_on")


def _shift(value: Any, days: timedelta, due: date) -> None:
    """Moves every date of the parsed demo file by ``days``; the update is due on ``due``."""
    if isinstance(value, list):
        for item in value:
            _shift(item, days, due)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "update_due_on":
                value[key] = due
            elif key in _DATES and isinstance(item, date):
                value[key] = item + days
            else:
                _shift(item, days, due)


async def load_demo(database: Database, demo_file: Path, hc_email: str, now: datetime) -> None:
    """Loads the demo the first time it is opened in a database: its dates moved so that the plan
    is mid-way through its window (adopted 100 days ago, update due in 30), with a little history by
    its HC, all in one transaction.

    Later starts change nothing, neither its dates nor its state: that is how "kill it in the middle
    of a check-in and start it again" is tried, and a demo whose dates moved at each start would move
    under its own updates and nudges."""
    display = str(demo_file)
    async with database.transaction() as session:
        if await repo.plan_by_code(session, DEMO_PLAN) is not None:
            return
        text = await asyncio.to_thread(demo_file.read_text, encoding="utf-8")
        try:
            document = load_yaml(text, display)
        except DocumentError as error:  # an edited copy of the bundled file
            raise ImportRejected([error.problem]) from None
        today = now.date()
        plans = [mission["plan"] for operation in document.data["operations"]
                 for mission in operation.get("missions", []) if mission.get("plan", {}).get("code") == DEMO_PLAN]
        shift = (today - timedelta(days=ADOPTED_DAYS_AGO)) - plans[0]["adopted_on"]
        _shift(document.data, shift, today + timedelta(days=DUE_IN_DAYS))
        data = read_document(document, display)
        if data.problems:
            raise data.rejected()
        await write(session, data)
        plan = await repo.plan_by_code(session, DEMO_PLAN)
        hc = await repo.person_by_email(session, hc_email)
        if plan is None or hc is None:
            return
        for action in plan.actions:
            if action.number in HISTORY:
                status, days, note = HISTORY[action.number]
                await repo.add_update(session, action.id, status, note, hc.id, "console", now - timedelta(days=days))
