"""Signing in to the web desk without a password: ``/desk`` (``/bureau``) in the chat gives a member
of the secretariat a single-use link valid ten minutes; opening it starts a browser session.

Only a hash of the token is stored, so a copy of the database opens nothing: the reply carrying the
link is marked secret, and its outbox row is blanked once it is sent (or once the link has lapsed
unsent). The link is sent only in a private chat (never in a channel others read), and the person's
role is checked again when it is opened and at every request of the session it opens. A session
ends on the server: signing out, or losing the desk role, revokes it (the cookie names the link's
row).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from handlers.context import Turn
from handlers.errors import AccessDenied
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, reply_to_json, text_reply
from storage import desk as stored
from storage.database import Database, Session
from storage.desk import DESK_ROLES
from storage.models import OutboxStatus, Person

LINK_LIFETIME: Final = timedelta(minutes=10)
SIGNIN_PATH: Final = "/signin/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def may_use_desk(person: Person | None) -> bool:
    return person is not None and person.role in DESK_ROLES


async def new_link(session: Session, person: Person, now: datetime, base_url: str) -> str:
    """A fresh sign-in link for ``person`` (its token is in the link only)."""
    token = secrets.token_urlsafe(32)
    await stored.add_link(session, token_hash=token_hash(token), person_id=person.id, now=now,
                          expires_at=now + LINK_LIFETIME)
    return base_url.rstrip("/") + SIGNIN_PATH + token


async def desk(turn: Turn, _args: str) -> list[Reply]:
    """Secretariat: a sign-in link to the web desk (plans, questions, notices, trends), valid 10 minutes."""
    person = turn.person
    if not may_use_desk(person):
        raise AccessDenied("desk.not_secretariat")
    assert person is not None
    if turn.message.shared:
        raise AccessDenied("desk.private_only")
    base = turn.context.web_url
    if not base:
        raise AccessDenied("desk.not_running")
    await forget_links(turn.session, turn.now)
    link = await new_link(turn.session, person, turn.now, base)
    built = ReplyBuilder().add(bold(t("desk.link_title", turn.language))).add(link) \
        .add(t("desk.link_hint", turn.language)).build()
    return [Reply(built.lines, built.buttons, secret=True)]


async def forget_links(session: Session, now: datetime) -> int:
    """Blanks the outbox rows of sign-in links that were sent or have lapsed; how many. A sent one
    keeps a note of what it was; one never sent tells its person, if it goes out after all, to ask
    again."""
    rows = await stored.secret_replies_to_blank(session, now, LINK_LIFETIME)
    for row in rows:
        language = str(row.payload.get("language", "en")) if isinstance(row.payload, dict) else "en"
        key = "desk.link_removed" if row.status == OutboxStatus.SENT else "desk.link_lapsed"
        await stored.blank_secret_reply(session, row.id, row.dedupe_key,
                                        {**reply_to_json(text_reply(t(key, language))), "language": language})
    return len(rows)


async def forget_sent_links(database: Database, now: datetime) -> int:
    async with database.transaction() as session:
        return await forget_links(session, now)


class Opened(enum.Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    outcome: Opened
    person_id: int | None = None
    language: str = "en"
    link_id: int | None = None


async def open_link(session: Session, token: str, now: datetime, *, use: bool = True) -> LinkOutcome:
    """What opening a sign-in link gives: a person to start a session for, or why not. With
    ``use=False`` the link is only checked, and stays usable (the page that asks to confirm: link
    previews and mail scanners that fetch it must not spend it)."""
    if not token or len(token) > 200:
        return LinkOutcome(Opened.UNKNOWN)
    link = await stored.link_by_hash(session, token_hash(token))
    if link is None:
        return LinkOutcome(Opened.UNKNOWN)
    person = await stored.person_by_id(session, link.person_id)
    language = person.language if person is not None else "en"
    if link.used_at is not None:
        return LinkOutcome(Opened.USED, language=language)
    if link.expires_at <= now:
        return LinkOutcome(Opened.EXPIRED, language=language)
    if link.revoked_at is not None:
        return LinkOutcome(Opened.USED, language=language)
    if not may_use_desk(person):
        return LinkOutcome(Opened.FORBIDDEN, language=language)
    assert person is not None
    if not use:
        return LinkOutcome(Opened.OK, person.id, language, link.id)
    if not await stored.use_link(session, link.id, now):
        return LinkOutcome(Opened.USED, language=language)
    return LinkOutcome(Opened.OK, person.id, language, link.id)


async def desk_session(session: Session, link_id: int, now: datetime) -> Person | None:
    """The person of the session opened from link ``link_id``, while it lasts: not signed out, and
    its person still of the secretariat. A request that finds the role gone ends all their sessions,
    so that giving the role back does not revive a copied cookie."""
    link = await stored.link_by_id(session, link_id)
    if link is None or link.used_at is None or link.revoked_at is not None:
        return None
    person = await stored.person_by_id(session, link.person_id)
    if person is None:
        return None
    if not may_use_desk(person):
        await stored.revoke_person(session, person.id, now)
        return None
    return person


async def sign_out(session: Session, link_id: int, now: datetime) -> None:
    await stored.revoke_link(session, link_id, now)
