"""The reconcile pass reads its facts a chunk at a time, yielding between chunks (issue 18): every
chunk size must give exactly what one whole read gives. The expected values below are written out
by hand from the rows inserted, not computed by the code under test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from handlers.nudges.reconcile import read_facts
from storage import accounts, plans
from storage.database import Database
from storage.models import Action, ActionPlan, ChatIdentity, Mission, Operation, Person, Role
from tests.conftest import database_url, fresh_database

ADOPTED = date(2026, 3, 2)


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(backend, tmp_path))
    async with database.transaction() as session:
        await session.execute(insert(Operation), [
            {"id": 1, "code": "op-1", "name": "One", "country": "A", "timezone": "Africa/Niamey",
             "working_days": [1, 2, 3, 4, 5]},
            {"id": 2, "code": "op-2", "name": "Two", "country": "B", "timezone": "Asia/Amman",
             "working_days": [7, 1, 2, 3, 4]}])
        await session.execute(insert(Person), [
            {"id": person_id, "name": f"P{person_id}", "email": f"p{person_id}@test.invalid", "role": role,
             "language": "en", "operation_id": operation}
            for person_id, role, operation in [(1, Role.HC, 1), (2, Role.HC, 2), (3, Role.HCT_MEMBER, 1),
                                               (4, Role.HCT_MEMBER, 2), (5, Role.SECRETARIAT, None)]])
        await session.execute(insert(ChatIdentity), [
            {"person_id": person_id, "platform": platform, "external_user_id": f"{platform}{person_id}",
             "chat_id": f"{platform}{person_id}", "active": active}
            for person_id, platform, active in [(1, "telegram", True), (1, "slack", True), (2, "telegram", False),
                                                (3, "telegram", True), (5, "slack", True)]])
        await session.execute(insert(Mission), [
            {"id": mission, "operation_id": mission, "kind": "p2p", "starts_on": ADOPTED, "ends_on": ADOPTED}
            for mission in (1, 2)])
        await session.execute(insert(ActionPlan), [
            {"id": plan_id, "code": f"plan-{plan_id}", "title": f"Plan {plan_id}", "mission_id": mission,
             "adopted_on": ADOPTED, "update_due_on": None, "checkin_every_weeks": 4, "submitted_at": submitted}
            for plan_id, mission, submitted in [(1, 1, None), (2, 2, None), (3, 1, datetime(2026, 9, 1, tzinfo=UTC)),
                                                (4, 2, None), (5, 1, None)]])
        await session.execute(insert(Action), [
            {"plan_id": plan_id, "number": number, "title": f"A{plan_id}.{number}", "owner_id": owner,
             "owner_label": None, "due_on": ADOPTED, "topics": []}
            for plan_id, number, owner in [(1, 1, 3), (1, 2, 3), (1, 3, 1), (1, 4, None), (2, 1, 4), (2, 2, None),
                                           (3, 1, 3), (4, 1, None), (5, 1, 4), (5, 2, 3), (5, 3, 1)]])
    yield database
    await database.dispose()


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
async def test_every_chunk_size_reads_the_same_facts(database: Database, chunk: int) -> None:
    breaths = 0

    async def between() -> None:
        nonlocal breaths
        breaths += 1

    async with database.transaction() as session:
        open_plans = await plans.open_plans(session, between=between, chunk=chunk)
        people = await accounts.everyone(session, between=between, chunk=chunk)
        linked = await accounts.people_with_active_chat(session, between=between, chunk=chunk)
        owners = await plans.owners_by_plan(session, between=between, chunk=chunk)
    assert [(plan.id, plan.operation_id, plan.timezone, plan.working_days) for plan in open_plans] == [
        (1, 1, "Africa/Niamey", frozenset({1, 2, 3, 4, 5})), (2, 2, "Asia/Amman", frozenset({7, 1, 2, 3, 4})),
        (4, 2, "Asia/Amman", frozenset({7, 1, 2, 3, 4})), (5, 1, "Africa/Niamey", frozenset({1, 2, 3, 4, 5}))]
    assert [(person.id, person.role, person.operation_id) for person in people] == [
        (1, Role.HC, 1), (2, Role.HC, 2), (3, Role.HCT_MEMBER, 1), (4, Role.HCT_MEMBER, 2), (5, Role.SECRETARIAT, None)]
    assert linked == {1, 3, 5}
    assert owners == {1: {1, 3}, 2: {4}, 3: {3}, 5: {1, 3, 4}}
    # Each read is one statement, a breath after every chunk of its rows: 4 open plans, 5 people,
    # 3 linked, 7 (plan, owner) pairs.
    assert breaths == {1: 4 + 5 + 3 + 7, 2: 2 + 3 + 2 + 4, 3: 2 + 2 + 1 + 3, 1000: 4}[chunk]


async def test_read_facts_reads_them_whole_without_a_pause(database: Database) -> None:
    async with database.transaction() as session:
        facts = await read_facts(session)
    assert [plan.id for plan in facts.plans] == [1, 2, 4, 5]
    assert [person.id for person in facts.people] == [1, 2, 3, 4, 5]
    assert facts.linked == {1, 3, 5}
    assert facts.owners == {1: {1, 3}, 2: {4}, 3: {3}, 5: {1, 3, 4}}
    assert facts.busy == set()
