"""Fault injection against real `hcbot run` processes on Telegram (python-telegram-bot, polling or
webhook) through the stub Bot API in this process, on SQLite and PostgreSQL.

What each test shows:

- kill -9 at random moments of a conversation loses no answer and applies none twice;
- SIGTERM during a slow, rate-limited delivery, or 3 s into a 2,000-row backlog, exits within
  seconds and leaves no row "sending";
- answers lost on the way back (5 % of sends) duplicate nothing and are counted in doubt;
- three replicas on one PostgreSQL keep to the platform's rate;
- three `hcbot tick` at once on one SQLite file all succeed;
- a live reply refused with a 5xx is sent by a later pass; a platform down at start is waited for.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from storage.database import Database
from storage.models import ActionUpdate, OutboxMessage, OutboxStatus, ProcessedEvent
from tests.conftest import database_url, fresh_database
from tests.faults import (
    CHUNK,
    BotRun,
    bot_env,
    link_chat,
    polled,
    quiet_schedule,
    until,
)
from tests.stubs.telegram_api import BOT_USER, TelegramApiStub, message_update

HC = "amina.hc@sahelia.invalid"
HC_CHAT = 5001
SEED = 20261123


def event_key(update_id: int) -> str:
    """The key the live path records for a Telegram update (bot/telegram/translate.py)."""
    return f"telegram:{BOT_USER['id']}:{update_id}"


def operations_file(folder: Path, people: int, actions: int) -> Path:
    """An import file in the format of examples/operations.yaml: ``people`` operations, each with an
    HC who owns every one of the ``actions`` of its plan (adopted a week ago: no nudge is due)."""
    adopted = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    lines = ["operations:"]
    for number in range(people):
        lines += [f"  - code: fault{number}", f"    name: Fault operation {number}", "    country: Nowhere",
                  "    timezone: UTC", "    missions:", "      - kind: p2p", f"        starts_on: {adopted}",
                  f"        ends_on: {adopted}", "        plan:", f"          code: fault{number}-plan",
                  f"          title: Fault plan {number}", f"          adopted_on: {adopted}", "          actions:"]
        lines += [f"            - number: {action + 1}\n              title: Action {action + 1} of plan {number}\n"
                  f"              owner: hc{number}@faults.invalid" for action in range(actions)]
    lines.append("people:")
    lines += [f"  - email: hc{number}@faults.invalid\n    name: Hc{number} Example\n    role: hc\n"
              f"    language: en\n    operation: fault{number}" for number in range(people)]
    path = folder / "fault-operations.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Conversations:
    """What the database says about the conversations, read by one poller for every chat (one
    short query every 20 ms, rather than one per conversation)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.events: set[str] = set()
        self.replies: dict[str, list[tuple[int, OutboxStatus]]] = {}
        self.in_doubt: set[int] = set()  # rows a kill left "sending": never sent again

    async def read(self) -> None:
        async with self.database.transaction() as session:
            self.events = set((await session.execute(select(ProcessedEvent.key)
                                                     .where(ProcessedEvent.key.like("telegram:%")))).scalars())
            found = (await session.execute(select(OutboxMessage.chat_id, OutboxMessage.id, OutboxMessage.status)
                                           .where(OutboxMessage.kind == "reply").order_by(OutboxMessage.id))).all()
        replies: dict[str, list[tuple[int, OutboxStatus]]] = {}
        for chat, row, status in found:
            replies.setdefault(str(chat), []).append((row, status))
        self.replies = replies

    async def poll(self) -> None:
        while True:
            await self.read()
            await asyncio.sleep(0.02)

    def answered(self, chat: int, update_id: int) -> bool:
        """The update was handled (its replies written with it), and each reply to the chat is sent
        or was left in doubt by a kill."""
        return event_key(update_id) in self.events and all(
            status is OutboxStatus.SENT or row in self.in_doubt for row, status in self.replies.get(str(chat), []))


PEOPLE = 10
ACTIONS = 6  # ten people, one check-in of six actions each: 60 answers


async def test_kill_9_at_random_moments_of_60_answers_loses_none_and_applies_none_twice(
        backend: str, tmp_path: Path, telegram_api: TelegramApiStub) -> None:
    from handlers.secretariat.imports import import_file

    stub = telegram_api
    url = database_url(backend, tmp_path)
    database = await fresh_database(url)
    await import_file(database, operations_file(tmp_path, PEOPLE, ACTIONS))
    chats = [HC_CHAT + number for number in range(PEOPLE)]
    for number, chat in enumerate(chats):
        await link_chat(database, f"hc{number}@faults.invalid", chat)
    await quiet_schedule(database)
    env = bot_env(url, stub)

    # Each person: "/checkin", then six answers, each a status and its note in one message, so each
    # of the 60 answers leaves one identifiable update ("answer 17").
    scripts = {chat: ["/checkin"] + [f"{'on track' if (n := number * ACTIONS + action) % 2 == 0 else 'delayed'}: "
                                     f"answer {n}" for action in range(ACTIONS)]
               for number, chat in enumerate(chats)}
    total = sum(len(script) for script in scripts.values())
    rng = random.Random(SEED)
    # Three kills, each a few milliseconds after the n-th message was handled: with ten people
    # talking at once, some message is then before its commit, between commit and send, or between
    # the send and its record.
    third = (total - 16) // 3
    kills = [(rng.randrange(8 + third * number, 8 + third * (number + 1)), rng.uniform(0.0, 0.04))
             for number in range(3)]
    state = Conversations(database)
    phases: list[str] = []
    bots = [BotRun(env, tmp_path)]
    poller = asyncio.ensure_future(state.poll())
    pushed: list[int] = []

    async def converse(chat: int, script: list[str]) -> None:
        for text in script:
            update_id = stub.push_update(message_update(chat, text))
            pushed.append(update_id)
            await until(lambda update_id=update_id: state.answered(chat, update_id), 30,
                        lambda text=text: f"the reply to {text!r} in chat {chat}: lost? (kills: {phases})")

    async def kill_and_restart() -> None:
        for handled, delay in kills:
            await until(lambda handled=handled: len(state.events) >= handled, 60, f"{handled} messages handled")
            await asyncio.sleep(delay)
            bots[-1].kill9()
            await state.read()
            left = {row for replies in state.replies.values() for row, status in replies
                    if status is OutboxStatus.SENDING} - state.in_doubt
            state.in_doubt |= left
            # Messages queued but not committed when the process died: the next one must fetch them again.
            unhandled = [update_id for update_id in pushed if event_key(update_id) not in state.events]
            phases.append(f"after {len(state.events)} handled +{delay * 1000:.0f} ms: {len(unhandled)} not yet "
                          f"committed, {len(left)} replies in doubt")
            polls = len(stub.calls_to("getUpdates", ok_only=False))
            bots.append(BotRun(env, tmp_path, name=f"bot{len(bots)}"))
            await until(lambda polls=polls: polled(stub, polls), 30, "a poll after the restart", bots=(bots[-1],))

    try:
        await until(lambda: polled(stub, 0), 30, "the first poll", bots=(bots[0],))
        await asyncio.gather(kill_and_restart(), *(converse(chat, script) for chat, script in scripts.items()))
        code, _took = await bots[-1].terminate()
        assert code == 0, bots[-1].stderr()
    finally:
        poller.cancel()
        for bot in bots:
            bot.stop_quietly()

    async with database.transaction() as session:
        notes = Counter((await session.execute(select(ActionUpdate.note))).scalars())
        replies = Counter(status.value for status in (await session.execute(
            select(OutboxMessage.status).where(OutboxMessage.kind == "reply"))).scalars())
        per_chat_rows = Counter(str(chat) for chat in (await session.execute(
            select(OutboxMessage.chat_id).where(OutboxMessage.kind == "reply"))).scalars())
    await state.read()
    await database.dispose()
    expected = {f"answer {n}" for n in range(PEOPLE * ACTIONS)}
    assert set(notes) == expected, f"lost: {sorted(expected - set(notes))}"  # no answer lost
    assert max(notes.values()) == 1, [note for note, count in notes.items() if count > 1]  # none applied twice
    assert len(state.events) == total
    # One reply per message: sent, or in doubt where a kill caught it between its claim and record.
    assert per_chat_rows == {str(chat): len(script) for chat, script in scripts.items()}
    assert replies["sent"] + replies["sending"] == sum(replies.values()) == total, replies
    assert replies["sending"] == len(state.in_doubt) <= len(kills) * CHUNK
    received = len([call for call in stub.calls_to("sendMessage") if call.params["chat_id"] in chats])
    assert replies["sent"] <= received <= replies["sent"] + replies["sending"], (received, replies)
    print(f"\n[{backend}] kills: {phases}; replies sent {replies['sent']}, in doubt {replies['sending']}, "
          f"received {received}")
