"""Message in, reply out, through the real python-telegram-bot and slack-bolt against the stub
platforms on loopback: the time from a question reaching the bot to its answer reaching the
platform, p50 and p95, and how much of it is the bot's own work (the router: search, database,
the transaction that records the update and queues its reply).

    python benchmarks/bench_platforms.py [--questions 200]
    python benchmarks/bench_platforms.py --concurrent 50 --questions 1000   # 50 people asking at once
    python benchmarks/bench_platforms.py --concurrent 50 --burst --questions 1000   # ... at the same instant
    python benchmarks/bench_platforms.py --concurrent 50 --think 2 --questions 1000  # ... reading 2 s between

The first concurrent form saturates the bot: each person asks again the moment an answer arrives,
so the answer time is the queue of the 49 others ahead (Little's law: about 50 / questions a
second). ``--burst`` is 50 questions arriving together, waiting until all are answered, and again;
``--think`` gives each person a reading time between an answer and the next question.

In the concurrent mode the Telegram stub (and the people asking) run in a process of their own,
so the CPU time reported is the bot's alone: the adapter, python-telegram-bot and its HTTP client,
the router, the database.

Telegram runs in long-polling mode (the stub answers the pending getUpdates the moment an update
arrives); Slack in HTTP mode (a signed event POSTed to the bot). The stubs run in this process, so
their own work is inside the end-to-end figures: those are an upper bound of the bot's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from slack_sdk.signature import SignatureVerifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_app, settle_heap
from bot.settings import Settings
from bot.slack.loop import SlackBot
from bot.telegram.loop import TelegramBot
from handlers.messages import Incoming
from handlers.router import Destination, QueuedReply
from tests.stubs.slack_api import BOT_TOKEN, SlackApiStub, dm_channel
from tests.stubs.telegram_api import TOKEN, TelegramApiStub, message_update

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p95 {p95 * 1000:6.1f} ms"


async def until(count: Callable[[], int], wanted: Callable[[int], bool], timeout: float = 10.0) -> None:
    deadline = time.perf_counter() + timeout
    while not wanted(count()):
        if time.perf_counter() > deadline:
            raise TimeoutError("no reply")
        await asyncio.sleep(0.0002)


async def measure(questions: list[str], ask: Callable[[int, str], Awaitable[None]], replies: Callable[[], int],
                  router_times: list[float]) -> tuple[list[float], list[float]]:
    end_to_end: list[float] = []
    own: list[float] = []
    for number, question in enumerate(questions):
        before, routed = replies(), len(router_times)
        started = time.perf_counter()
        await ask(number, question)
        await until(replies, before.__lt__)  # the first message of the answer is out
        end_to_end.append(time.perf_counter() - started)
        await until(router_times.__len__, routed.__lt__)
        own.append(router_times[-1])
        settled = replies()
        await asyncio.sleep(0.02)  # let a many-message answer finish before the next question
        await until(replies, settled.__eq__)
    return end_to_end, own


async def run(count: int) -> None:
    questions = [json.loads(line)["q"] for line in (ROOT / "tests" / "questions.jsonl").read_text().splitlines()]
    questions = (questions * (count // len(questions) + 1))[:count]
    with tempfile.TemporaryDirectory() as folder:
        app = await build_app(Settings(database_url=f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
        router_times: list[float] = []
        route = app.router.handle_live

        async def timed(message: Incoming, destination: Destination) -> list[QueuedReply] | None:
            started = time.perf_counter()
            try:
                return await route(message, destination)
            finally:
                router_times.append(time.perf_counter() - started)
        app.router.handle_live = timed  # type: ignore[method-assign]  # the benchmark's stopwatch only

        telegram_api, slack_api = TelegramApiStub(), SlackApiStub()
        await telegram_api.start()
        await slack_api.start()
        telegram = TelegramBot(TOKEN, app.live, base_url=telegram_api.base_url)
        slack = SlackBot(bot_token=BOT_TOKEN, live=app.live,
                         signing_secret=SECRET, mode="http", api_url=slack_api.api_url, http_host="127.0.0.1",
                         http_port=0)
        app.add_messenger(telegram.messenger)
        app.add_messenger(slack.messenger)
        await telegram.start()
        await slack.start()
        settle_heap()  # as `hcbot run` does once the bot is up
        slack_url = f"http://127.0.0.1:{slack.bound_port}{slack.http_path}"
        verifier = SignatureVerifier(SECRET)

        # Each question from a person of their own, as when many people use the bot: one chat's
        # replies are paced at about one a second (Telegram's and Slack's rule), which a single
        # chat asking 200 questions back to back would measure instead of the bot.
        people = iter(range(10**9))

        async def ask_telegram(_number: int, question: str) -> None:
            telegram_api.push_update(message_update(4242 + next(people), question))

        async with aiohttp.ClientSession() as session:
            # What Slack posts for a direct message, as recorded in the tests' payloads.
            recorded = json.loads((ROOT / "tests" / "payloads" / "slack" / "message_im.json").read_text())

            events = iter(range(10**9))  # every event its own id: a repeated one is a retry, dropped

            async def ask_slack(_number: int, question: str) -> None:
                user = f"U0BENCH{next(people)}"
                event = {**recorded["event"], "user": user, "channel": dm_channel(user), "text": question,
                         "ts": f"{time.time():.6f}"}
                body = json.dumps({**recorded, "event": event, "event_id": f"EvBench{next(events):09d}",
                                   "event_time": int(time.time())})
                stamp = str(int(time.time()))
                headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": stamp,
                           "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body) or ""}
                async with session.post(slack_url, data=body.encode(), headers=headers) as response:
                    assert response.status == 200

            for name, ask, replies in (
                    ("Telegram", ask_telegram, lambda: len(telegram_api.calls_to("sendMessage"))),
                    ("Slack", ask_slack, lambda: len(slack_api.posts()))):
                await measure(questions[:5], ask, replies, router_times)  # warm-up: first connections, caches
                end_to_end, own = await measure(questions, ask, replies, router_times)
                overhead = [total - inner for total, inner in zip(end_to_end, own, strict=True)]
                print(f"{name:8} {len(questions)} questions  end to end {percentiles(end_to_end)}  |  "
                      f"router {percentiles(own)}  |  adapter, library and stub {percentiles(overhead)}")
        await slack.stop()
        await telegram.stop()
        await slack_api.close()
        await telegram_api.close()
        await app.close()


# --- concurrent mode: many people asking at once, the stub in a process of its own -----------------

def serve_askers(control: Connection, questions: list[str], count: int, concurrent: int, think: float,
                 burst: bool) -> None:
    asyncio.run(_askers(control, questions, count, concurrent, think, burst))


async def _askers(control: Connection, questions: list[str], count: int, concurrent: int, think: float,
                  burst: bool) -> None:
    """The Telegram stub, and ``concurrent`` people who each ask, wait for the first message of the
    answer, and ask again (each question from a chat of its own, so no chat's pacing is measured).

    ``think``: each person reads the answer for a while before asking again (exponentially
    distributed, this mean in seconds, the same seeded draws on every run, the first question after
    one too); 0 asks again at once, which saturates the bot. ``burst``: the people ask all at the
    same instant, and again together once every one of them is answered."""
    telegram_api = TelegramApiStub()
    await telegram_api.start()
    control.send(telegram_api.base_url)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, control.recv)  # the bot is up
    waiting: dict[int, asyncio.Future[float]] = {}
    seen = 0

    async def watch() -> None:
        nonlocal seen
        while True:
            changed = telegram_api._changed  # the stub's own "a call arrived" signal
            await changed.wait()
            calls = telegram_api.calls
            for call in calls[seen:]:
                if call.method == "sendMessage" and call.ok:
                    future = waiting.pop(int(call.params["chat_id"]), None)
                    if future is not None and not future.done():
                        future.set_result(time.perf_counter())
            seen = len(calls)

    numbers = iter(range(count))
    latencies: list[float] = []

    async def one(number: int) -> None:
        chat = 10_000_000 + number
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        waiting[chat] = future
        started = time.perf_counter()
        telegram_api.push_update(message_update(chat, questions[number % len(questions)]))
        latencies.append(await asyncio.wait_for(future, 60) - started)

    async def person(slot: int) -> None:
        reading = random.Random(slot)
        # With a reading time, each person's first question also comes after one: people who read
        # do not all start in the same instant (that is the --burst form, measured on its own).
        # Without this, the first 50 questions of the run were such a burst, 5 % of a 1,000-question
        # run, which alone set its p95.
        if think:
            await asyncio.sleep(reading.expovariate(1 / think))
        for number in numbers:
            await one(number)
            if think:
                await asyncio.sleep(reading.expovariate(1 / think))

    watcher = asyncio.ensure_future(watch())
    began = time.perf_counter()
    if burst:
        for first in range(0, count, concurrent):
            await asyncio.gather(*(one(number) for number in range(first, min(count, first + concurrent))))
    else:
        await asyncio.gather(*(person(slot) for slot in range(concurrent)))
    control.send((latencies, time.perf_counter() - began))
    watcher.cancel()
    await loop.run_in_executor(None, control.recv)
    await telegram_api.close()


async def run_concurrent(count: int, concurrent: int, backend: str | None = None, think: float = 0.0,
                         burst: bool = False) -> None:
    questions = [json.loads(line)["q"] for line in (ROOT / "tests" / "questions.jsonl").read_text().splitlines()]
    ours, theirs = multiprocessing.Pipe()
    stub = multiprocessing.get_context("spawn").Process(target=serve_askers, args=(theirs, questions, count,
                                                                                   concurrent, think, burst),
                                                                 daemon=True)
    stub.start()
    base_url = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
    with tempfile.TemporaryDirectory() as folder:
        app = await build_app(Settings(database_url=f"sqlite:///{Path(folder) / 'bench.sqlite3'}"))
        # The HTTP backend is chosen only where the code has the choice (a checkout before it has not).
        telegram = TelegramBot(TOKEN, app.live, base_url=base_url,
                               **({"http_backend": backend} if backend else {}))  # type: ignore[arg-type]
        app.add_messenger(telegram.messenger)
        await telegram.start()
        settle_heap()  # as `hcbot run` does once the bot is up
        cpu = time.process_time()
        ours.send("go")
        latencies, wall = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        cpu = time.process_time() - cpu
        await telegram.stop()
        await app.close()
        ours.send("stop")
    stub.join(10)
    how = ("all at the same instant, in rounds" if burst
           else f"each reading {think:g} s on average before the next" if think else "each asking again at once")
    print(f"Telegram ({backend or 'default'} backend) {count} questions, {concurrent} people ({how}): "
          f"{count / wall:.0f} questions/s, "
          f"{cpu / count * 1000:.1f} ms of the bot's CPU each, answer {percentiles(latencies)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=0,
                        help="people asking at once, through Telegram (the stub in a process of its own)")
    parser.add_argument("--telegram-http", choices=["httpx", "aiohttp"],
                        help="python-telegram-bot's HTTP backend for sends (default: the bot's own default)")
    parser.add_argument("--think", type=float, default=0.0,
                        help="with --concurrent: seconds each person reads an answer before asking again, "
                             "on average (0: at once, which saturates the bot)")
    parser.add_argument("--burst", action="store_true",
                        help="with --concurrent: the people ask all at the same instant, round after round")
    arguments = parser.parse_args()
    if arguments.concurrent:
        asyncio.run(run_concurrent(arguments.questions, arguments.concurrent, arguments.telegram_http,
                                   arguments.think, arguments.burst))
    else:
        asyncio.run(run(arguments.questions))


if __name__ == "__main__":
    main()
