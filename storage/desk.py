"""The web desk's single-use sign-in links: only a hash of each token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DeskLink, Person


async def add_link(session: AsyncSession, *, token_hash: str, person_id: int, now: datetime,
                   expires_at: datetime) -> DeskLink:
    link = DeskLink(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at)
    session.add(link)
    await session.flush()
    return link


async def link_by_hash(session: AsyncSession, token_hash: str) -> DeskLink | None:
    return (await session.execute(select(DeskLink).where(DeskLink.token_hash == token_hash))).scalars().first()


async def use_link(session: AsyncSession, link_id: int, now: datetime) -> bool:
    """Marks the link used; False when another request used it first (one conditional update, so two
    clicks at once open one session, not two)."""
    result = await session.execute(update(DeskLink).where(DeskLink.id == link_id, DeskLink.used_at.is_(None))
                                   .values(used_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)
