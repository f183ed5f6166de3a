"""Migrations and the storage rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from handlers.secretariat.imports import import_file
from storage import repositories as repo
from storage.database import Database, head_revision, normalise_url
from storage.models import ActionUpdate, QuestionLog, Role, Status
from tests.conftest import EXAMPLES, database_url, fresh_database


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(backend, tmp_path))
    yield database
    await database.dispose()


async def test_migrations_reach_head_and_rerun_is_a_no_op(database: Database) -> None:
    assert await database.current_revision() == head_revision()
    assert await database.upgrade() == []


async def test_the_migrations_build_exactly_the_models(database: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.models import Base

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    assert differences == []


def test_urls_people_paste_get_the_async_drivers() -> None:
    assert normalise_url("sqlite:///bot.sqlite3") == "sqlite+aiosqlite:///bot.sqlite3"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


async def test_datetimes_come_back_aware_in_utc(database: Database) -> None:
    paris_evening = datetime(2026, 3, 29, 21, 30, tzinfo=timezone(timedelta(hours=2)))
    async with database.transaction() as session:
        entry_id = await repo.log_question(session, person_id=None, platform="console", external_user_id="u",
                                           question="q", result_ids=[], confident=False, now=paris_evening)
    async with database.transaction() as session:
        stored = (await session.execute(select(QuestionLog).where(QuestionLog.id == entry_id))).scalar_one()
    assert stored.asked_at == paris_evening
    assert stored.asked_at.tzinfo is not None
    assert stored.asked_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with database.transaction() as session:
            await repo.log_question(session, person_id=None, platform="console", external_user_id="u",
                                    question="q", result_ids=[], confident=False, now=datetime(2026, 1, 1))  # noqa: DTZ001


async def test_updates_are_a_history_and_visibility_follows_the_operation(database: Database) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    async with database.transaction() as session:
        plan = await repo.plan_by_code(session, "sahelia-2026")
        assert plan is not None
        first_action = plan.actions[0]
        await repo.add_update(session, first_action.id, Status.DELAYED, "one", None, "console", now)
        await repo.add_update(session, first_action.id, Status.ON_TRACK, "two", None, "slack", now + timedelta(days=1))
    async with database.transaction() as session:
        history = list((await session.execute(select(ActionUpdate).order_by(ActionUpdate.id))).scalars())
        assert [(update.status, update.note) for update in history] == [(Status.DELAYED, "one"),
                                                                         (Status.ON_TRACK, "two")]
        levantia_hc = await repo.person_by_email(session, "omar.hc@levantia.invalid")
        secretariat = await repo.person_by_email(session, "SECRETARIAT@p2p.invalid")
        assert levantia_hc is not None
        assert secretariat is not None
        assert secretariat.role is Role.SECRETARIAT
        assert [plan.code for plan in await repo.plans_visible_to(session, levantia_hc)] == ["levantia-2026"]
        assert {plan.code for plan in await repo.plans_visible_to(session, secretariat)} == {"sahelia-2026",
                                                                                             "levantia-2026"}
