"""The fictional demo (``hcbot chat --demo``): a plan kept mid-way through its window, with a little history."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from handlers.secretariat.imports import import_file
from storage import repositories as repo
from storage.database import Database
from storage.models import Status

DEMO_PLAN = "demo-arcadia-2026"
# Action number: status, how many days ago, note.
HISTORY = {1: (Status.ON_TRACK, 40, "Draft strategy shared with the HCT."),
           2: (Status.DELAYED, 21, "Coordinator recruitment re-advertised."),
           3: (Status.NOT_STARTED, 21, None)}


async def load_demo(database: Database, demo_file: Path, hc_email: str, now: datetime) -> None:
    """Imports the demo file, moves its dates so that the plan is always mid-way through its window
    (adopted 100 days ago, update due in 30), and once gives it a little history by its HC.

    Imported once: the import matches a mission by its start date, which the shift has moved, so a
    second import would add the mission again (and collide with the shifted one)."""
    async with database.transaction() as session:
        loaded = await repo.plan_by_code(session, DEMO_PLAN) is not None
    if not loaded:
        await import_file(database, demo_file)
    today = now.date()
    async with database.transaction() as session:
        plan = await repo.plan_by_code(session, DEMO_PLAN)
        hc = await repo.person_by_email(session, hc_email)
        if plan is None or hc is None:
            return
        shift = (today - timedelta(days=100)) - plan.adopted_on
        if shift:
            plan.adopted_on += shift
            plan.update_due_on = today + timedelta(days=30)
            plan.mission.starts_on += shift
            plan.mission.ends_on += shift
            for action in plan.actions:
                action.due_on = action.due_on + shift if action.due_on else None
        if any(action.updates for action in plan.actions):
            return
        for action in plan.actions:
            if action.number in HISTORY:
                status, days, note = HISTORY[action.number]
                await repo.add_update(session, action.id, status, note, hc.id, "console", now - timedelta(days=days))
