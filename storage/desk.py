"""The web desk's single-use sign-in links (only a hash of each token is stored), the sessions they
open (ended on the server by ``revoked_at``), and the outbox rows that carried a link, blanked once
sent or lapsed so that no usable token rests in the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session as SyncSession
from sqlalchemy.orm import UOWTransaction

from storage.models import DeskLink, OutboxMessage, OutboxStatus, Person, Role

DESK_ROLES: Final = frozenset({Role.SECRETARIAT, Role.ADMIN})
# The dedupe key of a reply that holds a sign-in link ("desk-link:<key>:<n>"), and what it becomes
# once its payload is blanked: the row stays (a restart sends nothing twice), its text opens nothing.
LINK_REPLY_PREFIX: Final = "desk-link:"
SPENT_LINK_PREFIX: Final = "desk-link-spent:"


async def add_link(session: AsyncSession, *, token_hash: str, person_id: int, now: datetime,
                   expires_at: datetime) -> DeskLink:
    link = DeskLink(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at)
    session.add(link)
    await session.flush()
    return link


async def link_by_hash(session: AsyncSession, token_hash: str) -> DeskLink | None:
    return (await session.execute(select(DeskLink).where(DeskLink.token_hash == token_hash))).scalars().first()


async def link_by_id(session: AsyncSession, link_id: int) -> DeskLink | None:
    return await session.get(DeskLink, link_id)


async def use_link(session: AsyncSession, link_id: int, now: datetime) -> bool:
    """Marks the link used; False when another request used it first (one conditional update, so two
    clicks at once open one session, not two)."""
    result = await session.execute(update(DeskLink).where(DeskLink.id == link_id, DeskLink.used_at.is_(None))
                                   .values(used_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def revoke_link(session: AsyncSession, link_id: int, now: datetime) -> None:
    await session.execute(update(DeskLink).where(DeskLink.id == link_id, DeskLink.revoked_at.is_(None))
                          .values(revoked_at=now))


async def revoke_person(session: AsyncSession, person_id: int, now: datetime) -> None:
    """Ends every session (and every unused link) of a person."""
    await session.execute(update(DeskLink).where(DeskLink.person_id == person_id, DeskLink.revoked_at.is_(None))
                          .values(revoked_at=now))


async def person_by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


@event.listens_for(SyncSession, "before_flush")
def _revoke_on_losing_the_role(session: SyncSession, _flush: UOWTransaction, _instances: object) -> None:
    """A person whose desk role is taken away, by whatever path (an import, an admin command), loses
    every desk session at once: given back the role later, they sign in again."""
    demoted = [person.id for person in session.dirty if isinstance(person, Person) and person.id is not None
               and person.role not in DESK_ROLES and inspect(person).attrs.role.history.has_changes()]
    if demoted:
        session.execute(update(DeskLink).where(DeskLink.person_id.in_(demoted), DeskLink.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)), execution_options={"synchronize_session": False})


async def secret_replies_to_blank(session: AsyncSession, now: datetime, lifetime: timedelta
                                  ) -> Sequence[Any]:
    """Outbox rows holding a sign-in link that are done with it: sent, or older than the link."""
    return (await session.execute(
        select(OutboxMessage.id, OutboxMessage.dedupe_key, OutboxMessage.status, OutboxMessage.payload)
        .where(OutboxMessage.dedupe_key.startswith(LINK_REPLY_PREFIX, autoescape=True),
               or_(OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.created_at <= now - lifetime)))).all()


async def blank_secret_reply(session: AsyncSession, row_id: int, dedupe_key: str, payload: dict[str, Any]) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(
        payload=payload, dedupe_key=SPENT_LINK_PREFIX + dedupe_key.removeprefix(LINK_REPLY_PREFIX)))
