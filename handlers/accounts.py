"""Who is talking: invite codes, linking a chat account to a registered person, and the small
bookkeeping every platform shares (events already handled, where a person was last seen).

A chat account is linked to a person in one of two ways: the secretariat issues a single-use,
expiring invite code (``hcbot admin invite EMAIL``) that the person sends to the bot (``/start CODE``
on Telegram, ``/hcbot link CODE`` on Slack); or, on Slack, the workspace profile e-mail matches a
registered person's. Codes are stored hashed, so the database never holds a usable one.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import Turn
from handlers.errors import BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Reply, text_reply
from storage import accounts as stored
from storage import events
from storage import repositories as repo
from storage.database import Database, Session
from storage.models import Person

# No 0/O or 1/I/L: codes are read off a screen and typed on a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
DEFAULT_INVITE_LIFETIME = timedelta(days=7)
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{6,32}$")


def looks_like_code(text: str) -> bool:
    """Whether ``text`` could be a code this bot hands out: its length, its alphabet, any case.
    "link ABCD234567" typed without the slash is the command; "link everything" is not."""
    return len(text) == CODE_LENGTH and set(text.upper()) <= set(_ALPHABET)

# A person is "seen" at most once an hour in the database: enough to route proactive messages to
# the platform they use, without a write on every message.
SEEN_EVERY = timedelta(hours=1)
# Ten characters of 31 cannot be guessed in five tries an hour; the limit stops scripts, not people.
MAX_WRONG_CODES = 5
GUESS_WINDOW = timedelta(hours=1)
logger = logging.getLogger(__name__)


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Invite:
    code: str
    person: Person
    expires_at: datetime


async def issue_invite(session: Session, email: str, now: datetime,
                       lifetime: timedelta = DEFAULT_INVITE_LIFETIME) -> Invite:
    """A new code for a registered person. Earlier unused codes for the same person stop working:
    only the latest invitation is valid."""
    person = await repo.person_by_email(session, email)
    if person is None:
        raise NotFound("invite.unknown_person", email=email[:254])
    await stored.withdraw_unused_invites(session, person.id, now)
    code = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    await stored.add_invite(session, _hash(code), person.id, now, now + lifetime)
    return Invite(code, person, now + lifetime)


async def redeem_invite(session: Session, code: str, platform: str, user_id: str, chat_id: str,
                        now: datetime) -> Person:
    """Links the chat account to the code's person; the code cannot be used again."""
    if not _CODE_SHAPE.match(code.strip()):
        raise BadInput("invite.bad_code")
    invite = await stored.invite_by_hash(session, _hash(code))
    # One answer for unknown, used and expired codes: a guesser learns nothing.
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise BadInput("invite.bad_code")
    invite.used_at = now
    invite.used_by = f"{platform}:{user_id}"[:140]
    person = await stored.person_by_id(session, invite.person_id)
    assert person is not None  # the foreign key guarantees it
    identity = await repo.link_identity(session, person, platform, user_id, chat_id)
    identity.inactive_reason = None
    identity.last_seen_at = now
    return person


async def link(turn: Turn, args: str) -> list[Reply]:
    """Link this chat to your registration with the code the secretariat sent you (/link CODE)."""
    code = args.strip()
    language = turn.language
    if not code:
        if turn.person is not None:
            return [text_reply(t("invite.already", language, name=turn.person.name))]
        return [text_reply(t("invite.how", language))]
    message = turn.message
    window = turn.now - GUESS_WINDOW
    if await stored.wrong_invites_since(turn.session, message.platform, message.user_id, window) >= MAX_WRONG_CODES:
        # Neither the code nor the account's words are logged: the platform and its id are enough.
        logger.warning("invite code refused without checking: too many wrong codes from %s user %s",
                       message.platform, message.user_id)
        return [text_reply(t("invite.too_many", language))]
    try:
        person = await redeem_invite(turn.session, code, message.platform, message.user_id, message.chat_id,
                                     turn.now)
    except BadInput as error:
        # Answered, not raised: the wrong guess must be counted in this very transaction.
        await stored.record_wrong_invite(turn.session, message.platform, message.user_id, turn.now)
        return [text_reply(error.user_message(language))]
    turn.person = person
    turn.person_language = person.language
    return [text_reply(t("invite.linked", person.language, name=person.name))]


async def link_by_email(database: Database, platform: str, user_id: str, chat_id: str, email: str,
                        now: datetime) -> Person | None:
    """Links a chat account whose verified profile e-mail (Slack's) matches a registered person."""
    async with database.transaction() as session:
        if await repo.person_by_identity(session, platform, user_id) is not None:
            return None
        person = await repo.person_by_email(session, email)
        if person is None:
            return None
        identity = await repo.link_identity(session, person, platform, user_id, chat_id)
        identity.last_seen_at = now
        return person


async def is_linked(database: Database, platform: str, user_id: str) -> bool:
    async with database.transaction() as session:
        return await stored.is_linked(session, platform, user_id)


async def forget_events(database: Database, before: datetime) -> int:
    """Drops old event ids: platforms stop retrying after minutes, so a day's memory is plenty."""
    async with database.transaction() as session:
        await stored.forget_wrong_invites(session, before)
        return await events.forget_before(session, before)


async def seen(session: Session, platform: str, user_id: str, chat_id: str, now: datetime) -> None:
    """Notes where a person talks to the bot, so proactive messages follow them there. A person who
    unblocked the bot and wrote again is reachable again."""
    identity = await stored.identity_of(session, platform, user_id)
    if identity is None:
        return
    stale = identity.last_seen_at is None or identity.last_seen_at <= now - SEEN_EVERY
    if stale or not identity.active or identity.chat_id != chat_id:
        identity.last_seen_at = now
        identity.active = True
        identity.inactive_reason = None
        if chat_id:
            identity.chat_id = chat_id


async def deactivate_chat(session: Session, platform: str, chat_id: str, reason: str) -> int:
    """The platform says this chat cannot be reached (the person blocked the bot, left the
    workspace): stop trying it until they write again. Returns how many identities it concerned."""
    return await stored.deactivate_chat(session, platform, chat_id, reason)


