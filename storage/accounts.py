"""People and their chat accounts: invite codes, linked identities, who is reachable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.chunked import READ_CHUNK, by_key
from storage.models import ChatIdentity, InviteAttempt, InviteCode, Person, Role


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    """A person with their operation loaded (async sessions cannot lazy-load it later)."""
    return await session.get(Person, person_id, options=[selectinload(Person.operation)])


async def withdraw_unused_invites(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Earlier unused codes of this person expire now."""
    await session.execute(update(InviteCode).where(InviteCode.person_id == person_id, InviteCode.used_at.is_(None))
                          .values(expires_at=now))


async def add_invite(session: AsyncSession, code_hash: str, person_id: int, now: datetime,
                     expires_at: datetime) -> InviteCode:
    invite = InviteCode(code_hash=code_hash, person_id=person_id, created_at=now, expires_at=expires_at)
    session.add(invite)
    await session.flush()
    return invite


async def invite_by_hash(session: AsyncSession, code_hash: str) -> InviteCode | None:
    """The invite with this hash, locked until the caller's transaction ends (one redemption wins)."""
    found = await session.execute(select(InviteCode).where(InviteCode.code_hash == code_hash).with_for_update())
    return found.scalars().first()


async def identity_of(session: AsyncSession, platform: str, external_user_id: str) -> ChatIdentity | None:
    found = await session.execute(select(ChatIdentity).where(
        ChatIdentity.platform == platform, ChatIdentity.external_user_id == external_user_id))
    return found.scalars().first()


async def is_linked(session: AsyncSession, platform: str, external_user_id: str) -> bool:
    found = await session.execute(select(ChatIdentity.id).where(
        ChatIdentity.platform == platform, ChatIdentity.external_user_id == external_user_id))
    return found.first() is not None


async def deactivate_chat(session: AsyncSession, platform: str, chat_id: str, reason: str) -> int:
    """Marks every identity on this chat inactive; returns how many."""
    result = await session.execute(
        update(ChatIdentity).where(ChatIdentity.platform == platform, ChatIdentity.chat_id == chat_id)
        .values(active=False, inactive_reason=reason[:200]).returning(ChatIdentity.id))
    return len(result.all())


@dataclass(frozen=True, slots=True)
class PersonSummary:
    """What the scheduler needs of a person, read as one row."""

    id: int
    language: str
    paused_until: datetime | None
    operation_id: int | None
    role: Role


async def everyone(session: AsyncSession, *, between: Callable[[], Awaitable[None]] | None = None,
                   chunk: int = READ_CHUNK) -> list[PersonSummary]:
    """Every person, by id, fetched ``chunk`` at a time, ``between`` awaited after each."""
    person = _PEOPLE.c  # the table (Core), not the ORM's result machinery: read every minute
    query = select(person.id, person.language, person.paused_until, person.operation_id, person.role)
    return [PersonSummary(id=row[0], language=row[1], paused_until=row[2], operation_id=row[3], role=row[4])
            async for rows in by_key(session, query, person.id, between=between, chunk=chunk) for row in rows]


async def people_with_active_chat(session: AsyncSession, *, between: Callable[[], Awaitable[None]] | None = None,
                                  chunk: int = READ_CHUNK) -> set[int]:
    """Everyone with an active chat, fetched ``chunk`` people at a time, ``between``
    awaited after each."""
    chat = _CHATS.c
    query = select(chat.person_id).where(chat.active.is_(True)).distinct()
    return {row[0] async for rows in by_key(session, query, chat.person_id, between=between, chunk=chunk)
            for row in rows}


_PEOPLE = cast(Table, Person.__table__)
_CHATS = cast(Table, ChatIdentity.__table__)


async def reachability(session: AsyncSession) -> dict[int, bool]:
    """Per person with any chat: whether one of their chats is active."""
    chats: dict[int, bool] = {}
    for person_id, active in await session.execute(select(ChatIdentity.person_id, ChatIdentity.active)):
        chats[person_id] = chats.get(person_id, False) or active
    return chats


async def wrong_invites_since(session: AsyncSession, platform: str, user_id: str, since: datetime) -> int:
    found = await session.execute(select(func.count()).select_from(InviteAttempt).where(
        InviteAttempt.platform == platform, InviteAttempt.user_id == user_id[:100], InviteAttempt.at > since))
    return int(found.scalar_one())


async def record_wrong_invite(session: AsyncSession, platform: str, user_id: str, now: datetime) -> None:
    session.add(InviteAttempt(platform=platform, user_id=user_id[:100], at=now))


async def forget_wrong_invites(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(InviteAttempt).where(InviteAttempt.at < before))


@dataclass(frozen=True, slots=True)
class LinkedChat:
    platform: str
    active: bool
    inactive_reason: str | None
    last_seen_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonListed:
    """A person as ``hcbot admin people`` lists them: who, where, how the bot reaches them. No invite
    code: only its hash is stored, and whether one is waiting to be used is all that is shown."""

    id: int
    name: str
    email: str
    role: Role
    language: str
    operation_code: str | None
    operation_name: str | None
    chats: tuple[LinkedChat, ...]
    invite_pending_until: datetime | None


async def people_listing(session: AsyncSession, now: datetime, operation_id: int | None = None) -> list[PersonListed]:
    """Everyone (or one operation's people), by operation then name, with their chats; three queries."""
    from storage.models import Operation

    query = (select(Person.id, Person.name, Person.email, Person.role, Person.language, Operation.code, Operation.name)
             .outerjoin(Operation, Person.operation_id == Operation.id)
             # Headquarters (no operation) last on every database: SQLite and PostgreSQL sort NULL apart.
             .order_by(Operation.code.is_(None), Operation.code, Person.name, Person.id))
    if operation_id is not None:
        query = query.where(Person.operation_id == operation_id)
    rows = (await session.execute(query)).all()
    wanted = [row[0] for row in rows]
    chats: dict[int, list[LinkedChat]] = {}
    invites: dict[int, datetime] = {}
    if wanted:
        for person_id, platform, active, reason, seen in await session.execute(
                select(ChatIdentity.person_id, ChatIdentity.platform, ChatIdentity.active, ChatIdentity.inactive_reason,
                       ChatIdentity.last_seen_at).where(ChatIdentity.person_id.in_(wanted))
                .order_by(ChatIdentity.person_id, ChatIdentity.platform)):
            chats.setdefault(person_id, []).append(LinkedChat(platform, active, reason, seen))
        for person_id, expires_at in await session.execute(
                select(InviteCode.person_id, func.max(InviteCode.expires_at))
                .where(InviteCode.person_id.in_(wanted), InviteCode.used_at.is_(None), InviteCode.expires_at > now)
                .group_by(InviteCode.person_id)):
            invites[person_id] = expires_at
    return [PersonListed(id=row[0], name=row[1], email=row[2], role=row[3], language=row[4], operation_code=row[5],
                         operation_name=row[6], chats=tuple(chats.get(row[0], ())),
                         invite_pending_until=invites.get(row[0])) for row in rows]
