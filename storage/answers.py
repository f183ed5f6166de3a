"""A chat account's last answer: the question, its results and how far the person paged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnswerPage
from storage.upsert import CONFLICT_INSERTS


async def page_of(session: AsyncSession, platform: str, external_user_id: str) -> AnswerPage | None:
    found = await session.execute(
        select(AnswerPage).where(AnswerPage.platform == platform, AnswerPage.external_user_id == external_user_id)
    )
    return found.scalars().first()


async def save_page(session: AsyncSession, *, platform: str, external_user_id: str, question: str, language: str,
                    product_ids: Sequence[str], log_id: int | None, filters: dict[str, Any],
                    now: datetime, shown: int) -> AnswerPage:
    """The account's new last answer, replacing the one before (one row per chat account), with
    ``shown`` of its results already shown: one upsert, where reading the old row, writing it and
    then counting the first page took three statements a question.

    The page returned is not tracked by the session (what it holds is what was written), so
    ``shown`` must be the count the reply will show: a change made to it afterwards is not saved."""
    values = {"platform": platform, "external_user_id": external_user_id, "question": question, "language": language,
              "product_ids": list(product_ids), "shown": shown, "log_id": log_id, "filters": filters, "updated_at": now}
    # On the table, not the model: the ORM's insert with RETURNING of the whole row (its bulk
    # layer, then an object loaded from the row) cost more than the statement itself.
    page_id = int((await session.execute(_UPSERT[session.get_bind().dialect.name], values)).scalar_one())
    # The old page may be in the session (a follow-up read it): it is expired, so that nothing
    # reads or writes back what the upsert replaced.
    loaded = session.identity_map.get(session.identity_key(AnswerPage, page_id))
    if loaded is not None:
        session.expire(loaded)
    return AnswerPage(id=page_id, **values)


def _upsert(insert: Callable[[Table], Any]) -> Any:
    """The page's upsert, built once per dialect: the new answer replaces the account's last one."""
    statement = insert(_TABLE)
    kept = ("question", "language", "product_ids", "shown", "log_id", "filters", "updated_at")
    return statement.on_conflict_do_update(index_elements=["platform", "external_user_id"],
                                           set_={name: statement.excluded[name] for name in kept}
                                           ).returning(_TABLE.c.id)


_TABLE = cast(Table, AnswerPage.__table__)
_UPSERT = {dialect: _upsert(insert) for dialect, insert in CONFLICT_INSERTS.items()}


async def forget_page(session: AsyncSession, platform: str, external_user_id: str) -> None:
    await session.execute(
        delete(AnswerPage).where(AnswerPage.platform == platform, AnswerPage.external_user_id == external_user_id)
    )
