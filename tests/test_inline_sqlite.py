"""How SQLite's one write lock is shared. The live path's statements skip the driver's thread once
the write lock is held, and only then: BEGIN, which may wait for another process's write, still
waits off the event loop. A snapshot reads without the lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import event, text

from storage.database import Database, inline_sqlite
from tests.conftest import fresh_database


def _thread_probe(database: Database) -> list[int]:
    """A SQL function ``probe()`` that records the thread each call runs on."""
    seen: list[int] = []

    def register(dbapi_connection: object, _record: object) -> None:
        def probe() -> int:
            seen.append(threading.get_ident())
            return 1
        dbapi_connection.create_function("probe", 0, probe)  # type: ignore[attr-defined]

    event.listen(database.engine.sync_engine, "connect", register)
    return seen


async def test_statements_in_a_transaction_run_on_the_loop_thread_only_when_inline(tmp_path: Path) -> None:
    database = await fresh_database(f"sqlite:///{tmp_path / 'inline.sqlite3'}")
    await database.dispose()  # the next connection registers the probe
    seen = _thread_probe(database)
    loop_thread = threading.get_ident()
    try:
        async with database.transaction() as session:
            assert (await session.execute(text("SELECT probe()"))).scalar_one() == 1
        with inline_sqlite():
            async with database.transaction() as session:
                assert (await session.execute(text("SELECT probe()"))).scalar_one() == 1
                await session.execute(text("CREATE TABLE kept (n INTEGER)"))
                await session.execute(text("INSERT INTO kept VALUES (7)"))
        assert seen[0] != loop_thread  # the driver's thread, as aiosqlite does it
        assert seen[1] == loop_thread
        # Committed as usual: another connection sees the row.
        with sqlite3.connect(tmp_path / "inline.sqlite3") as other:
            assert other.execute("SELECT n FROM kept").fetchall() == [(7,)]
    finally:
        await database.dispose()


async def test_an_inline_transaction_waits_for_another_writer_without_blocking_the_loop(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    database = await fresh_database(f"sqlite:///{path}")
    holding, release = threading.Event(), threading.Event()

    def other_process_writes() -> None:
        # Another process's write transaction (a one-shot command next to the running bot).
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holding.set()
        release.wait(30)
        other.execute("COMMIT")
        other.close()

    writer = threading.Thread(target=other_process_writes)
    writer.start()
    try:
        assert await asyncio.to_thread(holding.wait, 30)
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0)
                ticks += 1
                if ticks == 200:
                    release.set()  # the loop kept running while the transaction waited

        async def write() -> None:
            with inline_sqlite():
                async with database.transaction() as session:
                    await session.execute(text("CREATE TABLE after_wait (n INTEGER)"))

        ticking = asyncio.create_task(ticker())
        await asyncio.wait_for(write(), 30)
        ticking.cancel()
        assert ticks >= 200
    finally:
        release.set()
        writer.join(30)
        await database.dispose()


async def test_a_snapshot_reads_while_this_process_holds_the_write_lock(tmp_path: Path) -> None:
    """A reconcile pass reads every plan in a snapshot: it must neither wait for a live message's
    write transaction nor make one wait for it."""
    database = await fresh_database(f"sqlite:///{tmp_path / 'snapshot.sqlite3'}")
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE seen (n INTEGER)"))
            await session.execute(text("INSERT INTO seen VALUES (1)"))
        writing, wrote = asyncio.Event(), asyncio.Event()

        async def live_write() -> None:
            async with database.transaction() as session:
                await session.execute(text("INSERT INTO seen VALUES (2)"))
                writing.set()
                await wrote.wait()  # the write lock is held until the snapshot has read

        writer = asyncio.create_task(live_write())
        await writing.wait()

        async def read_twice() -> tuple[list[int], list[int]]:
            async with database.snapshot() as session:
                # Read at once, not queued behind the writer; its uncommitted row is not seen.
                first = list((await session.execute(text("SELECT n FROM seen ORDER BY n"))).scalars())
                wrote.set()
                await writer
                # One consistent view: the row committed meanwhile is not seen either.
                return first, list((await session.execute(text("SELECT n FROM seen ORDER BY n"))).scalars())

        first, again = await asyncio.wait_for(read_twice(), 10)  # queued behind the writer, it never ends
        assert first == [1]
        assert again == [1]
        async with database.snapshot() as session:
            assert (await session.execute(text("SELECT n FROM seen ORDER BY n"))).scalars().all() == [1, 2]
    finally:
        await database.dispose()


async def test_a_message_that_works_the_database_hard_goes_back_to_the_drivers_thread(tmp_path: Path) -> None:
    """A live command that writes thousands of rows must not hold the event loop: past the inline
    budget, its calls run on the driver's thread again."""
    database = await fresh_database(f"sqlite:///{tmp_path / 'budget.sqlite3'}")
    await database.dispose()
    seen = _thread_probe(database)
    loop_thread = threading.get_ident()
    try:
        with inline_sqlite():
            async with database.transaction() as session:
                await session.execute(text("SELECT probe()"))
                # Some 0.1 s of SQLite work in one statement: well past the budget.
                await session.execute(text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) "
                    "SELECT count(*) FROM n"))
                await session.execute(text("SELECT probe()"))
        assert seen[0] == loop_thread
        assert seen[1] != loop_thread
    finally:
        await database.dispose()

