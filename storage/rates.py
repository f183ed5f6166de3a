"""The per-platform sending budget that replicas share: one row per platform and slot (a tenth of
a second, or a second for slow rates)."""

from __future__ import annotations

from sqlalchemy import delete, update

from storage.database import Session
from storage.models import RateBudget
from storage.upsert import insert_or_ignore


async def take(session: Session, platform: str, slot: int, limit: int) -> bool:
    """One message of ``platform``'s budget for ``slot``; False when the budget is spent.

    The conditional UPDATE takes the row's lock for the length of one statement, so replicas
    count one after another and never overspend."""
    await insert_or_ignore(session, RateBudget, {"platform": platform, "slot": slot, "used": 0},
                           conflict=["platform", "slot"], returning=[RateBudget.slot])
    taken = await session.execute(
        update(RateBudget).where(RateBudget.platform == platform, RateBudget.slot == slot,
                                 RateBudget.used < limit)
        .values(used=RateBudget.used + 1).returning(RateBudget.used))
    return taken.first() is not None


async def forget_before(session: Session, slot: int) -> None:
    await session.execute(delete(RateBudget).where(RateBudget.slot < slot))
