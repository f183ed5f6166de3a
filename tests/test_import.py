"""`hcbot admin import`: all or nothing, located errors, idempotent, updates in place."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.secretariat.imports import ImportRejected, import_file
from storage.database import Database
from storage.models import Action, ActionPlan, Operation, Person, Role
from tests.conftest import EXAMPLES, database_url, fresh_database


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(backend, tmp_path))
    yield database
    await database.dispose()


async def count(database: Database, model: type) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_example_imports_and_reimport_changes_nothing(database: Database) -> None:
    first = await import_file(database, EXAMPLES / "operations.yaml")
    assert first.created["operations"] == 2
    assert first.created["people"] == 4
    assert first.created["actions"] == 5
    again = await import_file(database, EXAMPLES / "operations.yaml")
    assert sum(again.created.values()) == 0
    assert sum(again.updated.values()) == 0
    assert again.unchanged["actions"] == 5
    assert await count(database, Action) == 5


async def test_csv_people_and_actions(database: Database) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    people = await import_file(database, EXAMPLES / "people.csv")
    actions = await import_file(database, EXAMPLES / "actions.csv")
    assert people.created["people"] == 2
    assert actions.created["actions"] == 2
    async with database.transaction() as session:
        cash = (await session.execute(select(Action).where(Action.number == 5))).scalar_one()
        assert cash.topics == ["cash"]
        assert cash.owner_id is not None


async def test_edited_file_updates_in_place(database: Database, tmp_path: Path) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    edited = tmp_path / "edited.yaml"
    edited.write_text((EXAMPLES / "operations.yaml").read_text(encoding="utf-8").replace(
        "Make AAP a standing item of the ICCG agenda", "Make AAP a standing item of every ICCG meeting"
    ).replace("role: hct_member", "role: secretariat"), encoding="utf-8")
    report = await import_file(database, edited)
    assert report.updated["actions"] == 1
    assert report.updated["people"] == 1
    assert report.created["actions"] == 0
    async with database.transaction() as session:
        titles = list((await session.execute(select(Action.title))).scalars())
        assert "Make AAP a standing item of every ICCG meeting" in titles
        jules = (await session.execute(select(Person).where(Person.email.like("jules%")))).scalar_one()
        assert jules.role is Role.SECRETARIAT


async def test_errors_name_line_and_field_and_nothing_is_written(database: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = (EXAMPLES / "operations.yaml").read_text(encoding="utf-8")
    text = text.replace("timezone: Asia/Amman", "timezone: Mars/Olympus").replace("due_on: 2026-06-30", "due_on: soon")
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        await import_file(database, broken)
    messages = [str(problem) for problem in caught.value.problems]
    zone_line = next(n for n, line in enumerate(text.splitlines(), 1) if "Mars/Olympus" in line)
    due_line = next(n for n, line in enumerate(text.splitlines(), 1) if "due_on: soon" in line)
    assert f"{broken}:{zone_line}: operations[1].timezone: unknown timezone 'Mars/Olympus'" in "\n".join(messages)
    assert any(message.startswith(f"{broken}:{due_line}: operations[0].missions[0].plan.actions[1].due_on")
               for message in messages)
    assert await count(database, Operation) == 0


async def test_a_bad_reference_rolls_back_everything(database: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text((EXAMPLES / "operations.yaml").read_text(encoding="utf-8").replace(
        "owner: jules.unicef@sahelia.invalid", "owner: nobody@sahelia.invalid"), encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        await import_file(database, broken)
    assert "plan.actions[1].owner: no person with e-mail 'nobody@sahelia.invalid'" in str(caught.value)
    assert await count(database, Operation) == 0
    assert await count(database, ActionPlan) == 0


async def test_csv_errors_name_the_row(database: Database, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email,name,role\nok@x.invalid,Ok Person,hc\nnot-an-email,Bad,hc\nz@x.invalid,Zed,king\n",
                      encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        await import_file(database, people)
    text = str(caught.value)
    assert f"{people}:3: email: 'not-an-email' is not an e-mail address" in text
    assert f"{people}:4: role:" in text
    assert await count(database, Person) == 0


async def test_unknown_plan_in_actions_csv(database: Database, tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "actions.csv", tmp_path / "actions.csv")
    with pytest.raises(ImportRejected) as caught:
        await import_file(database, tmp_path / "actions.csv")
    assert ":2: plan: no plan with code 'sahelia-2026'" in str(caught.value)
