"""Platform deliveries already handled (Telegram update ids, Slack event ids and request hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedEvent
from storage.upsert import insert_or_ignore


async def first_time(session: AsyncSession, key: str, now: datetime) -> bool:
    """Records a delivery's key in the caller's transaction; False when it was recorded before (a
    retry, another replica). Rolled back with the rest, so a crash before the commit lets the
    platform's redelivery be handled."""
    inserted = await insert_or_ignore(session, ProcessedEvent, {"key": key[:200], "seen_at": now},
                                      conflict=["key"], returning=[ProcessedEvent.key])
    return bool(inserted)


async def forget_before(session: AsyncSession, before: datetime) -> int:
    """Drops old keys; returns how many."""
    result = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < before)
                                   .returning(ProcessedEvent.key))
    return len(result.all())
