"""A broadcast to 10,000 people, half on Slack and half on Telegram, through the real libraries
against the stub platforms, which run in a process of their own (so their work is not counted as
the bot's).

    python benchmarks/bench_broadcast.py                        # SQLite in a temporary folder
    python benchmarks/bench_broadcast.py --postgres postgresql://postgres@127.0.0.1:5432/test

Three runs, each a fresh broadcast to the same people:

1. rate limits off: the bot's own throughput (target: at least 1,000 messages a second);
2. Telegram at its 30 messages a second, to ``--paced`` Telegram recipients: the achieved rate
   between the first and the last message the stub received (target: at least 95% of 30);
3. rate limits off, and 5% of all sends answered 429 (retry after 1 s): every recipient must end
   with exactly one message (zero lost, zero duplicated).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import delete, func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app
from bot.settings import Settings
from bot.slack.loop import SlackBot
from bot.telegram.loop import TelegramBot
from handlers.broadcasts import sending
from handlers.delivery import Deliverer, RateLimits
from storage.database import Database
from storage.models import Broadcast, ChatIdentity, OutboxMessage, Person, Role
from tests.conftest import fresh_database
from tests.stubs.slack_api import BOT_TOKEN, SlackApiStub
from tests.stubs.telegram_api import TOKEN, TelegramApiStub

# --- the stub platforms, in their own process --------------------------------------------------------


def serve_stubs(control: Connection) -> None:
    asyncio.run(_serve(control))


async def _serve(control: Connection) -> None:
    telegram, slack = TelegramApiStub(), SlackApiStub()
    await telegram.start()
    await slack.start()
    control.send((telegram.base_url, slack.api_url))
    loop = asyncio.get_running_loop()
    while True:
        command, argument = await loop.run_in_executor(None, control.recv)
        if command == "stop":
            break
        if command == "reset":
            telegram.calls.clear()
            slack.calls.clear()
            telegram._random_limits.clear()
            slack._random_limits.clear()
            if argument:
                telegram.rate_limit_randomly("sendMessage", argument)
                slack.rate_limit_randomly("chat.postMessage", argument)
            control.send(True)
        elif command == "report":
            sent_telegram = telegram.calls_to("sendMessage")
            sent_slack = slack.posts()
            chats = Counter(f"telegram:{call.params['chat_id']}" for call in sent_telegram)
            chats.update(f"slack:{call.args['channel']}" for call in sent_slack)
            times = [call.received_at for call in sent_telegram] + [call.received_at for call in sent_slack]
            limited = (sum(call.status == 429 for call in telegram.calls_to("sendMessage", ok_only=False))
                       + sum(call.status == 429 for call in slack.calls_to("chat.postMessage")))
            control.send({"per_chat": dict(chats), "limited": limited, "sends": len(times),
                          "first": min(times, default=0.0), "last": max(times, default=0.0)})
    await telegram.close()
    await slack.close()


# --- the bot -------------------------------------------------------------------------------------------


async def seed(database: Database, recipients: int) -> None:
    async with database.transaction() as session:
        await session.execute(insert(Person), [
            {"name": f"Member {n}", "email": f"member{n}@bench.invalid", "role": Role.HCT_MEMBER,
             "language": "fr" if n % 3 == 0 else "en", "notices": True} for n in range(recipients)])
    async with database.transaction() as session:
        people = (await session.execute(select(Person.id).order_by(Person.id))).scalars().all()
        await session.execute(insert(ChatIdentity), [
            {"person_id": person_id, "platform": "telegram" if n % 2 else "slack",
             "external_user_id": str(800_000 + n), "chat_id": str(800_000 + n) if n % 2 else f"D{800_000 + n}",
             "active": True} for n, person_id in enumerate(people)])


async def release(database: Database, audience: dict[str, list[str]], person_ids: list[int] | None = None) -> None:
    async with database.transaction() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(Broadcast))
        if person_ids is not None:
            # The paced run reaches only some people: the others are switched off for it.
            await session.execute(update(Person).values(notices=Person.id.in_(person_ids)))
        else:
            await session.execute(update(Person).values(notices=True))
        now = datetime.now(UTC)
        notice = sending.parse_notice("Webinar: PSEA networks, Thursday 14:00 Geneva.\n---fr---\n"
                                         "Webinaire : réseaux PEAS, jeudi 14 h Genève.")
        await sending.schedule(session, notice, audience, now, now, None, local_hours=False)


async def outcome(database: Database) -> Counter[str]:
    async with database.transaction() as session:
        return Counter({status.value: count for status, count in await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))})


async def run(url: str, recipients: int, paced: int, runs: set[int], control: Connection) -> None:
    telegram_url, slack_url = control.recv()
    database = await fresh_database(url)  # PostgreSQL is wiped first
    await seed(database, recipients)
    app = await build_app(Settings(database_url=url), database=database)
    telegram = TelegramBot(TOKEN, app.live, base_url=telegram_url)
    slack = SlackBot(bot_token=BOT_TOKEN, live=app.live,
                     signing_secret="bench-secret", mode="http", api_url=slack_url, http_host="127.0.0.1", http_port=0)
    await telegram.start()
    await slack.start()
    # "Off" lifts the platforms' rates, not the bot's own cap on sends in flight.
    off = {"telegram": replace(telegram.messenger.limits, overall_per_second=None, per_chat_per_second=None),
           "slack": replace(slack.messenger.limits, overall_per_second=None, per_chat_per_second=None)}

    async def scenario(name: str, audience: dict[str, list[str]], share_limited: float, limits: dict[str, RateLimits],
                       person_ids: list[int] | None = None) -> None:
        control.send(("reset", share_limited))
        control.recv()
        telegram.messenger.limits = limits["telegram"]
        slack.messenger.limits = limits["slack"]
        await release(database, audience, person_ids)
        deliverer = Deliverer(database, [telegram.messenger, slack.messenger], now=app.clock.now)
        started, cpu = time.perf_counter(), time.process_time()
        await deliverer.deliver()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        statuses = await outcome(database)
        control.send(("report", None))
        seen = control.recv()
        per_chat: dict[str, int] = seen["per_chat"]
        expected = sum(statuses.values())
        duplicated = sum(count - 1 for count in per_chat.values() if count > 1)
        lost = expected - len(per_chat)
        print(f"{name}: {expected} messages in {elapsed:.2f} s = {expected / elapsed:,.0f}/s "
              f"(the bot's CPU: {cpu / expected * 1e6:,.0f} µs a message); "
              f"statuses {dict(statuses)}; 429s answered {seen['limited']}; lost {lost}, duplicated {duplicated}")
        if seen["sends"] > 1 and person_ids is not None:
            rate = (seen["sends"] - 1) / (seen["last"] - seen["first"])
            print(f"  achieved rate at the stub: {rate:.2f} messages/s ({rate / 30:.1%} of Telegram's 30/s)")

    if 1 in runs:
        await scenario(f"1. limits off, {recipients:,} recipients", {}, 0.0, off)
    async with database.transaction() as session:
        telegram_people = list((await session.execute(select(ChatIdentity.person_id).where(
            ChatIdentity.platform == "telegram").order_by(ChatIdentity.person_id).limit(paced))).scalars())
    if 2 in runs:
        await scenario(f"2. Telegram at 30/s, {paced:,} Telegram recipients", {}, 0.0,
                       {"telegram": replace(off["telegram"], overall_per_second=30, per_chat_per_second=1),
                        "slack": off["slack"]}, telegram_people)
    if 3 in runs:
        await scenario(f"3. limits off, 5% answered 429, {recipients:,} recipients", {}, 0.05, off)
    await slack.stop()
    await telegram.stop()
    await app.close()
    control.send(("stop", None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=1_500, help="Telegram recipients of the paced run")
    parser.add_argument("--runs", default="1,2,3", help="which runs, e.g. 1,3")
    parser.add_argument("--postgres", help="a PostgreSQL URL (the database is wiped) instead of SQLite")
    arguments = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    stubs = multiprocessing.get_context("spawn").Process(target=serve_stubs, args=(theirs,), daemon=True)
    stubs.start()
    with tempfile.TemporaryDirectory() as folder:
        url = arguments.postgres or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        print(f"database: {'PostgreSQL' if arguments.postgres else 'SQLite'}")
        asyncio.run(run(url, arguments.recipients, arguments.paced,
                        {int(number) for number in arguments.runs.split(",")}, ours))
    stubs.join(timeout=10)


if __name__ == "__main__":
    main()
