"""Linking a chat account to a registered person: invite codes, once each, until they expire; and the
bookkeeping the platforms share (events already handled, chats that come back after a block)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import ConsoleSession
from handlers import accounts
from handlers.messages import Incoming
from storage import repositories as repo
from storage.models import ChatIdentity, InviteCode
from tests.conftest import EXAMPLES, START, Chat

HC = "amina.hc@sahelia.invalid"


def invite(chat: Chat, email: str = HC, lifetime: timedelta = timedelta(days=7)) -> str:
    async def issue() -> str:
        async with chat.database.transaction() as session:
            return (await accounts.issue_invite(session, email, chat.clock.now(), lifetime)).code
    return chat.run(issue())


def talk_as(chat: Chat, user_id: str) -> None:
    chat.session = ConsoleSession(chat.connect(), user_id)


def identity_of(chat: Chat, user_id: str) -> ChatIdentity | None:
    async def find() -> ChatIdentity | None:
        async with chat.database.transaction() as session:
            found = await session.execute(select(ChatIdentity).where(ChatIdentity.external_user_id == user_id))
            return found.scalars().first()
    return chat.run(find())


def test_a_stranger_is_told_how_to_link(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    talk_as(chat, "stranger")
    reply = chat.say("/plan")
    assert "/link CODE" in reply
    assert "Sahelia" not in reply


def test_an_invite_code_links_the_chat_once(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    code = invite(chat)
    assert len(code) == 10
    talk_as(chat, "phone-1")
    assert "Welcome, Amina Example" in chat.say(f"/link {code}")
    linked = identity_of(chat, "phone-1")
    assert linked is not None
    assert linked.active
    assert "Sahelia" in chat.say("/plan")
    talk_as(chat, "someone-else")
    assert "does not work" in chat.say(f"/link {code}")
    assert identity_of(chat, "someone-else") is None


def test_telegram_start_with_a_code_links_and_greets(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    code = invite(chat)
    talk_as(chat, "tg-7")
    reply = chat.say(f"/start {code.lower()}")  # codes are read off a screen: case does not matter
    assert "Welcome, Amina Example" in reply
    assert "/checkin" in reply
    assert identity_of(chat, "tg-7") is not None


def test_expired_replaced_and_malformed_codes_are_refused_alike(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    short = invite(chat, lifetime=timedelta(hours=1))
    chat.clock.advance_to(START + timedelta(hours=2))
    talk_as(chat, "late")
    assert "does not work" in chat.say(f"/link {short}")
    first, second = invite(chat), invite(chat)
    assert "does not work" in chat.say(f"/link {first}")  # a new invitation voids the older one
    assert "does not work" in chat.say("/link <script>;DROP TABLE people")
    assert identity_of(chat, "late") is None
    assert "Welcome" in chat.say(f"/link {second}")


def test_codes_are_stored_hashed(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    code = invite(chat)

    async def stored() -> list[str]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(InviteCode.code_hash))).scalars())
    hashes = chat.run(stored())
    assert len(hashes) == 1
    assert code not in hashes[0]
    assert code.lower() not in hashes[0]


def test_an_event_is_handled_once_and_forgotten_after_a_day(chat: Chat) -> None:
    live = chat.connect()

    def delivered(key: str) -> int:
        incoming = Incoming("slack", "U1", "D1", text="/help", event_key=key)
        return len(chat.run(live.answer(incoming)))

    assert delivered("slack:Ev1") == 1
    assert delivered("slack:Ev1") == 0  # the retry: recorded with the first answer, dropped on any replica
    assert delivered("slack:Ev2") == 1
    assert chat.run(accounts.forget_events(chat.database, START + timedelta(seconds=1))) == 2
    assert delivered("slack:Ev1") == 1


def test_a_chat_blocked_then_back_is_reachable_again(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC, platform="telegram", user_id="42")
    async def block() -> int:
        async with chat.database.transaction() as session:
            return await accounts.deactivate_chat(session, "telegram", "42", "Forbidden: bot was blocked by the user")
    assert chat.run(block()) == 1
    blocked = identity_of(chat, "42")
    assert blocked is not None
    assert not blocked.active
    chat.say("/help")  # they unblocked the bot and wrote again
    back = identity_of(chat, "42")
    assert back is not None
    assert back.active
    assert back.inactive_reason is None
    assert back.last_seen_at == START


def test_admin_invite_prints_a_code_and_how_to_use_it(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCBOT_TELEGRAM")}
    env |= {"HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", "HCBOT_TELEGRAM_BOT_USERNAME": "hcbot_test"}

    def hcbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    issued = hcbot("admin", "invite", HC)
    assert issued.returncode == 0, issued.stderr
    code = issued.stdout.split(": ", 1)[1].split()[0]
    assert f"https://t.me/hcbot_test?start={code}" in issued.stdout
    assert f"/hcbot link {code}" in issued.stdout
    unknown = hcbot("admin", "invite", "nobody@nowhere.invalid")
    assert unknown.returncode == 2
    assert "No registered person" in unknown.stderr


def test_link_by_email_only_for_a_registered_unlinked_person(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    person = chat.run(accounts.link_by_email(chat.database, "slack", "U1", "D1", "Amina.HC@sahelia.invalid", START))
    assert person is not None
    assert person.email == HC
    assert chat.run(accounts.link_by_email(chat.database, "slack", "U1", "D1", HC, START)) is None  # already linked
    assert chat.run(accounts.link_by_email(chat.database, "slack", "U2", "D2", "x@y.invalid", START)) is None

    async def linked() -> bool:
        async with chat.database.transaction() as session:
            return await repo.person_by_identity(session, "slack", "U1") is not None
    assert chat.run(linked())


def test_five_wrong_codes_an_hour_then_a_polite_refusal(chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    code = invite(chat)
    talk_as(chat, "guesser")
    for attempt in range(accounts.MAX_WRONG_CODES):
        assert "does not work" in chat.say(f"/link WRONGCODE{attempt}")
    with caplog.at_level(logging.WARNING, logger="handlers.accounts"):
        refused = chat.say(f"/link {code}")  # even the right code is not looked at now
    assert "wait an hour" in refused
    assert identity_of(chat, "guesser") is None
    assert any("too many wrong codes" in record.getMessage() for record in caplog.records)
    assert all(code not in record.getMessage() for record in caplog.records)
    # Another chat is not held back by this one's guesses, and an hour later this one may try again.
    talk_as(chat, "other-phone")
    assert "does not work" in chat.say("/link WRONGCODEX")
    chat.clock.advance_to(START + timedelta(hours=1, minutes=1))
    talk_as(chat, "guesser")
    assert "Welcome, Amina Example" in chat.say(f"/link {code}")


def test_the_limit_speaks_french(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    talk_as(chat, "devineur")
    for attempt in range(accounts.MAX_WRONG_CODES):
        chat.say(f"/lier FAUXCODE{attempt}")
    assert "attendez une heure" in chat.say("/lier FAUXCODE9")
