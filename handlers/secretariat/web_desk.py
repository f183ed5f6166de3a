"""Signing in to the web desk without a password: ``/desk`` (``/bureau``) in the chat gives a member
of the secretariat a single-use link valid ten minutes; opening it starts a browser session.

Only a hash of the token is stored, so a copy of the database opens nothing. The link is sent only
in a private chat (never in a channel others read), and the person's role is checked again when
it is opened.
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
from handlers.messages import Reply, ReplyBuilder, bold
from storage import desk as stored
from storage.database import Session
from storage.models import Person, Role

LINK_LIFETIME: Final = timedelta(minutes=10)
SIGNIN_PATH: Final = "/signin/"
DESK_ROLES: Final = frozenset({Role.SECRETARIAT, Role.ADMIN})


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
    link = await new_link(turn.session, person, turn.now, base)
    return [ReplyBuilder().add(bold(t("desk.link_title", turn.language))).add(link)
            .add(t("desk.link_hint", turn.language)).build()]


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
    if not may_use_desk(person):
        return LinkOutcome(Opened.FORBIDDEN, language=language)
    assert person is not None
    if not use:
        return LinkOutcome(Opened.OK, person.id, language)
    if not await stored.use_link(session, link.id, now):
        return LinkOutcome(Opened.USED, language=language)
    return LinkOutcome(Opened.OK, person.id, language)


async def desk_person(session: Session, person_id: int) -> Person | None:
    """The person a session belongs to, while they may still use the desk (a role taken away ends it)."""
    person = await stored.person_by_id(session, person_id)
    return person if may_use_desk(person) else None
