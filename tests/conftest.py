"""Shared fixtures: the bundled index (built once), databases on SQLite and (when
HCBOT_TEST_POSTGRES_URL is set) PostgreSQL, and a console chat that reads like a transcript."""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.console import ConsoleMessenger, ConsoleSession
from bot.settings import Settings
from handlers.live import LivePath
from handlers.secretariat.imports import import_file
from knowledge import SearchIndex, build_index
from storage import repositories as repo
from storage.database import Database
from tests.stubs.slack_api import SlackApiStub
from tests.stubs.telegram_api import TelegramApiStub

THIS_YEAR = 2026  # the tests' clock: fixed, so a test never depends on the day it runs
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _own_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker gets a database of its own on the same server (``test_gw0``,
    ``test_gw1``...), created when missing: the tests wipe the schema, so two workers must never
    share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url is None or worker is None:
        return url
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    given = make_url(url)
    own = f"{given.database}_{worker}"
    # CREATE DATABASE from the server's maintenance database, which every PostgreSQL has.
    server = given.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,)).fetchone()
        if found is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(own)))
    return given.set(database=own).render_as_string(hide_password=False)


POSTGRES_URL = _own_database(os.environ.get("HCBOT_TEST_POSTGRES_URL"))
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]

T = TypeVar("T")


@pytest.fixture(scope="session")
def index() -> SearchIndex:
    return build_index(THIS_YEAR)


def database_url(backend: str, folder: Path) -> str:
    if backend == "postgresql":
        assert POSTGRES_URL
        return POSTGRES_URL
    return f"sqlite:///{folder / 'hcbot-test.sqlite3'}"


async def fresh_database(url: str) -> Database:
    """An empty database at the latest migration. PostgreSQL is shared, so it is wiped first."""
    database = Database(url)
    if database.dialect == "postgresql":
        async with database.engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await database.upgrade()
    return database


@pytest.fixture(autouse=True)
def _report_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The console saves a /report's document here, never in the folder the tests run from."""
    monkeypatch.setenv("HCBOT_REPORT_DIR", str(tmp_path))


@pytest.fixture(autouse=True)
def _answers_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The secretariat's answers added to the library go here, never beside a shared database."""
    monkeypatch.setenv("HCBOT_QA_DIR", str(tmp_path / "answers"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Chat:
    """Drives the console adapter, with its own event loop so tests stay plain functions:
    ``chat.say("...")`` returns what the bot printed."""

    def __init__(self, index: SearchIndex, url: str, clock: FixedClock) -> None:
        self._runner = asyncio.Runner()
        self.clock = clock
        self.database = self.run(fresh_database(url))
        self.app: App = self.run(build_app(Settings(database_url=url), clock=clock, index=index,
                                           database=self.database))
        self.session = ConsoleSession(self.connect())

    def connect(self) -> LivePath:
        """The app's live path, with a console messenger standing in for each platform a test talks
        through (the session prints the replies; proactive messages are kept in ``self.printed``)."""
        self.printed = io.StringIO()
        for platform in ("console", "telegram", "slack"):
            self.app.add_messenger(ConsoleMessenger(self.printed, platform=platform))
        return self.app.live

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._runner.run(coroutine)

    def say(self, message: str) -> str:
        return self.run(self.session.say(message))

    def load(self, file: Path) -> None:
        self.run(import_file(self.database, file))

    def as_person(self, email: str, platform: str = "console", user_id: str | None = None) -> None:
        """Links a chat account to a registered person and talks as them from now on."""
        async def link() -> None:
            async with self.database.transaction() as session:
                person = await repo.person_by_email(session, email)
                assert person is not None, email
                await repo.link_identity(session, person, platform, user_id or email, user_id or email)
        self.run(link())
        self.session = ConsoleSession(self.connect(), user_id or email)
        self.session.platform = platform

    def close(self) -> None:
        self.run(self.app.close())
        self._runner.close()


@pytest.fixture
def chat(index: SearchIndex, tmp_path: Path, backend: str) -> Iterator[Chat]:
    driver = Chat(index, database_url(backend, tmp_path), FixedClock(START))
    yield driver
    driver.close()


@pytest.fixture
async def app(backend: str, tmp_path: Path, index: SearchIndex) -> AsyncIterator[App]:
    """The whole bot on a fresh database with the example operations, at the tests' fixed time."""
    url = database_url(backend, tmp_path)
    database = await fresh_database(url)
    await import_file(database, EXAMPLES / "operations.yaml")
    built = await build_app(Settings(database_url=url), clock=FixedClock(START), index=index, database=database)
    yield built
    await built.close()


@pytest.fixture
async def telegram_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TelegramApiStub]:
    """The stub Bot API on a free loopback port."""
    # PTB 22 warns about its int retry_after each time it builds a RetryAfter, and warnings are errors
    # in this suite: opting in to timedeltas, as PTB advises, keeps 429s quiet.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    stub = TelegramApiStub()
    await stub.start()
    yield stub
    await stub.close()


@pytest.fixture
async def slack_api() -> AsyncIterator[SlackApiStub]:
    """The stub Slack Web API (and Socket Mode) on a free loopback port."""
    stub = SlackApiStub()
    await stub.start()
    yield stub
    await stub.close()
