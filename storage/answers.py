"""A chat account's last answer: the question, its results and how far the person paged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
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
    """The account's new last answer, replacing the one before (one row per chat account)."""
    page = await page_of(session, platform, external_user_id)
    if page is None:
        page = AnswerPage(platform=platform, external_user_id=external_user_id)
        session.add(page)
    page.question, page.language, page.product_ids = question, language, list(product_ids)
    page.shown, page.log_id, page.filters, page.updated_at = 0, log_id, filters, now
    await session.flush()
    return page


async def forget_page(session: AsyncSession, platform: str, external_user_id: str) -> None:
    await session.execute(
        delete(AnswerPage).where(AnswerPage.platform == platform, AnswerPage.external_user_id == external_user_id)
    )
