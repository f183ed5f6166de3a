"""The bot's CPU for one getUpdates call, on each of python-telegram-bot's HTTP backends.

    python benchmarks/bench_poll.py [--polls 1000] [--rounds 5]

When few people write, each question reaches the bot in a getUpdates answer of its own, so this
call's cost is paid once a question. The Telegram stub runs in a process of its own and answers
each call at once (``timeout=0``, nothing queued), so the CPU counted is the bot's side alone:
PTB's request layer, the HTTP client, and the bot's ``UpdatesRequest`` around it. The backends run
interleaved, round after round, so a machine whose speed drifts affects both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from telegram import Bot

from bot.telegram.loop import UpdatesRequest
from bot.telegram.request import BACKENDS, sending_request
from tests.stubs.telegram_api import TOKEN, TelegramApiStub


def serve(control: Connection) -> None:
    async def main() -> None:
        stub = TelegramApiStub()
        await stub.start()
        control.send(stub.base_url)
        await asyncio.get_running_loop().run_in_executor(None, control.recv)  # until told to stop
        await stub.close()
    asyncio.run(main())


async def cpu_per_poll(base_url: str, backend: str, polls: int) -> float:
    request = UpdatesRequest(sending_request(backend, connection_pool_size=1, read_timeout=5.0))
    async with Bot(TOKEN, base_url=base_url, get_updates_request=request) as bot:
        for _ in range(50):  # warm-up: the connection, the first calls' imports
            await bot.get_updates(timeout=0)
        cpu = time.process_time()
        for _ in range(polls):
            await bot.get_updates(timeout=0)
        return (time.process_time() - cpu) / polls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    ours, theirs = multiprocessing.Pipe()
    stub = multiprocessing.get_context("spawn").Process(target=serve, args=(theirs,), daemon=True)
    stub.start()
    base_url = ours.recv()
    figures: dict[str, list[float]] = {backend: [] for backend in BACKENDS}
    for _ in range(arguments.rounds):
        for backend in BACKENDS:
            figures[backend].append(asyncio.run(cpu_per_poll(base_url, backend, arguments.polls)))
    ours.send("stop")
    stub.join(10)
    for backend, seconds in figures.items():
        rounds = " ".join(f"{value * 1e6:.0f}" for value in seconds)
        print(f"{backend:8} {statistics.median(seconds) * 1e6:6.0f} µs of the bot's CPU per getUpdates "
              f"(median of {arguments.rounds} rounds of {arguments.polls}: {rounds})")


if __name__ == "__main__":
    main()
