"""Engine, sessions and migrations. One async code path for SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from functools import partial
from pathlib import Path
from time import perf_counter
from typing import Any

import aiosqlite
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Connection, event, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"

# What handlers hold while they work: they pass it to storage functions and never query it themselves.
Session = AsyncSession


async def write_pending(session: AsyncSession) -> None:
    """Sends the session's pending changes to the database now (new rows get their ids, constraints
    are checked) without committing: the caller's transaction still decides."""
    await session.flush()


def normalise_url(url: str) -> str:
    """Accepts the URLs people paste and returns the async driver's: one driver per database."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


# How long a transaction waits for another process's write to finish (two `hcbot tick` from cron,
# the bot and a one-shot command) before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets the console read while the scheduler writes.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # The driver's own BEGIN is replaced by ours (below).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(connection: Connection) -> None:
    """Every transaction takes SQLite's write lock when it begins. A deferred transaction that reads
    and then writes cannot wait for another writer (SQLite answers "database is locked" at once
    rather than risk a deadlock); one that begins immediate waits its busy timeout instead. Only a
    snapshot (:meth:`Database.snapshot`), which never writes, begins deferred."""
    connection.exec_driver_sql("BEGIN" if connection.get_execution_options().get(_SNAPSHOT) else "BEGIN IMMEDIATE")


# The execution option that marks a snapshot's connections.
_SNAPSHOT = "hcbot_snapshot"


INLINE_BUDGET = 0.02
"""Seconds of SQLite work a live message may do on the loop's own thread; the rest of its calls go
through the driver's thread. A question takes about a millisecond; a command that writes thousands
of rows (a broadcast released from the chat) held the loop 116 to 173 ms inline before this cap."""


class _Budget:
    __slots__ = ("left",)

    def __init__(self, seconds: float) -> None:
        self.left = seconds


# Set while a live message is handled (``inline_sqlite``): see _InlineConnection.
_INLINE: ContextVar[_Budget | None] = ContextVar("hcbot_inline_sqlite", default=None)


@contextmanager
def inline_sqlite() -> Iterator[None]:
    """SQLite statements of this task run on the event loop's own thread while it holds the write
    lock (see :class:`_InlineConnection`), up to :data:`INLINE_BUDGET` of them. For the live path's
    few small, indexed statements; a pass over every plan keeps the driver's thread, so that the
    loop goes on while SQLite works."""
    token = _INLINE.set(_Budget(INLINE_BUDGET))
    try:
        yield
    finally:
        _INLINE.reset(token)


class _InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection, with a shortcut for the calls that cannot wait.

    aiosqlite runs every call (a cursor, each execute, each fetch, each close) on a thread of its
    own and wakes the event loop for its answer: some ninety such round trips a live question,
    each costing more CPU (a queue, a thread switch, the loop's self-pipe) than the small statement
    it carries, which made them the largest share of a question's CPU. Under ``inline_sqlite``:

    - inside a transaction begun IMMEDIATE the connection holds SQLite's write lock, so no
      statement of it waits for another connection: they run at once on the loop's thread, and so
      do making a cursor and a rollback, which never wait either;
    - BEGIN is tried once on the loop's thread without waiting (this process's transactions queue
      for the lock before they begin, so it is free unless another process writes); when another
      process holds it, BEGIN waits its busy timeout on the driver's thread, and the loop goes on;
    - COMMIT, which may write the WAL back to the database file, stays on the driver's thread;
    - once a message has spent :data:`INLINE_BUDGET` on the loop's thread, the rest of its calls
      go through the driver's thread: a command that writes thousands of rows still lets the loop run."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        connection = self._connection
        budget = _INLINE.get()
        if (budget is not None and budget.left > 0 and connection is not None and self._running
                and fn not in (connection.commit, connection.close)):
            started = perf_counter()
            try:
                if connection.in_transaction or fn in (connection.cursor, connection.rollback):
                    return fn(*args, **kwargs)
                if args and isinstance(args[0], str) and args[0] == "BEGIN IMMEDIATE":
                    connection.execute("PRAGMA busy_timeout=0")
                    try:
                        return fn(*args, **kwargs)
                    except sqlite3.OperationalError as error:
                        if "locked" not in str(error) and "busy" not in str(error):
                            raise
                    finally:
                        connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            finally:
                budget.left -= perf_counter() - started
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]


def _sqlite_creator(url: URL) -> Callable[[], Any]:
    """Connections as aiosqlite would make them (the dialect's own arguments), as _InlineConnection.
    Any thread may use one: its calls never overlap (SQLAlchemy runs one at a time a connection)."""
    args, kwargs = url.get_dialect()().create_connect_args(url)
    kwargs = {**kwargs, "check_same_thread": False}

    async def create() -> aiosqlite.Connection:
        connection = _InlineConnection(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        return await connection

    return create


_READ_ONLY = text("SET TRANSACTION READ ONLY")
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def plan_each_statement_with_its_values(session: AsyncSession) -> None:
    """For the rest of this transaction, PostgreSQL plans each statement with its own values
    instead of a generic plan cached for any (SQLite has no such cache: nothing to do)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_CUSTOM_PLANS)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class Database:
    """The engine and its session factory; build one per process from the settings."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        creator = {"async_creator": _sqlite_creator(parsed)} if parsed.get_backend_name() == "sqlite" else {}
        self.engine: AsyncEngine = create_async_engine(parsed, echo=echo, **creator)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin_immediate)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._snapshots = async_sessionmaker(self.engine.execution_options(**{_SNAPSHOT: True}),
                                             expire_on_commit=False)
        self._writers: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        # An in-memory SQLite database is one connection shared by every session (SQLAlchemy's
        # StaticPool): a snapshot there cannot run beside a writer, so it queues like one.
        self._one_connection = self.engine.dialect.name == "sqlite" and parsed.database in (None, "", ":memory:")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed together at the end, or not at all.

        On SQLite every transaction takes the one write lock as it begins, and a waiting one only
        retries at the busy handler's intervals (up to 100 ms apart): a reconcile pass committing
        batch after batch would win every race and starve a live message. So this process's
        transactions queue for the lock in order, first come first served, and only other
        processes wait on the busy timeout."""
        if self.engine.dialect.name != "sqlite":
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writer_queue(), self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A transaction that only reads: one consistent view of the database. On SQLite it takes
        no write lock and does not queue behind this process's writers, nor they behind it (WAL
        lets readers and a writer work at once): a reconcile pass reading 10,000 plans, its pacer
        yielding between chunks, held the lock for all of it and live messages waited. Nothing
        may be written through it."""
        if self.engine.dialect.name != "sqlite":
            async with self.sessions() as session, session.begin():
                await session.execute(_READ_ONLY)
                yield session
            return
        if self._one_connection:
            async with self.transaction() as session:
                yield session
            return
        async with self._snapshots() as session, session.begin():
            yield session

    def _writer_queue(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._writers is None or self._writers[0] is not loop:
            self._writers = (loop, asyncio.Lock())  # a lock serves one event loop (tests run several)
        return self._writers[1]

    async def upgrade(self) -> list[str]:
        """Brings the schema to the latest migration; returns the revisions applied."""
        async with self.engine.begin() as connection:
            return await connection.run_sync(_upgrade)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())

    async def dispose(self) -> None:
        await self.engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _upgrade(connection: Connection) -> list[str]:
    before = MigrationContext.configure(connection).get_current_revision()
    config = alembic_config()
    # env.py uses this connection instead of making its own (Alembic's connection-sharing recipe).
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    after = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory.from_config(config)
    if before == after:
        return []
    return [revision.revision for revision in script.iterate_revisions(after, before)][::-1]
