"""A chat account's last answer: the question, its results and how far the person paged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnswerPage


async def page_of(session: AsyncSession, platform: str, external_user_id: str) -> AnswerPage | None:
    found = await session.execute(
        select(AnswerPage).where(AnswerPage.platform == platform, AnswerPage.external_user_id == external_user_id)
    )
    return found.scalars().first()


async def save_page(session: AsyncSession, *, platform: str, external_user_id: str, question: str, language: str,
                    product_ids: Sequence[str], log_id: int | None, filters: dict[str, Any],
                    now: datetime) -> AnswerPage:
    """The account's new last answer, replacing the one before (one row per chat account): one
    upsert, where reading the old row first and then writing it took two statements a question."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"platform": platform, "external_user_id": external_user_id, "question": question, "language": language,
              "product_ids": list(product_ids), "shown": 0, "log_id": log_id, "filters": filters, "updated_at": now}
    statement = insert(AnswerPage).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["platform", "external_user_id"],
        set_={name: statement.excluded[name] for name in values if name not in ("platform", "external_user_id")})
    # The page may be in the session already (a follow-up read it): it is refreshed, not shadowed.
    found = await session.execute(statement.returning(AnswerPage), execution_options={"populate_existing": True})
    return found.scalars().one()


async def forget_page(session: AsyncSession, platform: str, external_user_id: str) -> None:
    await session.execute(
        delete(AnswerPage).where(AnswerPage.platform == platform, AnswerPage.external_user_id == external_user_id)
    )
