"""The secretariat's web desk in a real browser: headless Chromium from the Debian packages, driven
by Playwright with the system browser (never ``playwright install``). One browser and one desk
server for the module; each test opens its own browser context (its own cookies).

The desk runs on its own event loop in a thread (as ``hcbot web`` runs it); the tables' numbers are
checked against the database with plain SQL, not with the desk's own code. Screenshots of the
plans and trends pages land in build/screenshots/ (CI keeps them as artefacts).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
import threading
from collections.abc import Coroutine, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.settings import Settings
from bot.web.server import WebDesk
from handlers.messages import Incoming
from handlers.secretariat.web_desk import new_link
from knowledge import SearchIndex
from storage import repositories as repo
from storage import tickets as ticket_store
from storage.models import Person, QuestionLog, Role
from tests.conftest import START, fresh_database
from tests.test_trends import expected_reach
from tests.trends_data import NOTE_MARK, Truth, generate

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"
SECRETARIAT = "desk@p2p.invalid"
T = TypeVar("T")


class DeskServer:
    """The bot's app and its web desk on a loop of their own, with 12 generated operations."""

    def __init__(self, folder: Path, index: SearchIndex) -> None:
        self.database_file = folder / "desk.sqlite3"
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.truth, self.app, self.desk = self.call(self._start(index))

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def _start(self, index: SearchIndex) -> tuple[Truth, App, WebDesk]:
        url = f"sqlite:///{self.database_file}"
        database = await fresh_database(url)
        async with database.transaction() as session:
            truth = await generate(session, START, 12)
            asked = (await session.execute(QuestionLog.__table__.select().limit(2))).all()
            for row in asked:
                question = await session.get(QuestionLog, row.id)
                assert question is not None
                await ticket_store.add_ticket(session, question=question, note=f"{NOTE_MARK} asker's words",
                                              person=None, asker_name="A stranger", chat_id="c1", language="en",
                                              now=START - timedelta(days=1))
            hc = Person(name="Hana HC", email="hana.hc@ops.invalid", role=Role.HC, language="en")
            session.add(hc)
            await session.flush()
            for email in (SECRETARIAT, hc.email):
                person = await repo.person_by_email(session, email)
                assert person is not None
                await repo.link_identity(session, person, "console", email, email)
        app = await build_app(Settings(database_url=url), clock=FixedClock(START), index=index, database=database)
        desk = WebDesk(app, "127.0.0.1", 0)
        await desk.start()
        app.router.context.web_url = desk.url
        return truth, app, desk

    def say(self, email: str, text: str, *, shared: bool = False) -> str:
        """What the bot answers ``email`` in the chat."""
        replies = self.call(self.app.router.handle(Incoming("console", email, email, text=text, shared=shared)))
        return "\n".join(reply.plain_text for reply in replies)

    def link(self, email: str = SECRETARIAT) -> str:
        """A sign-in link, asked for with /desk as the secretariat would."""
        found = re.search(r"http://\S+/signin/\S+", self.say(email, "/desk"))
        assert found is not None
        return found.group(0)

    def link_at(self, email: str, moment: datetime) -> str:
        async def made() -> str:
            async with self.app.database.transaction() as session:
                person = await repo.person_by_email(session, email)
                assert person is not None
                return await new_link(session, person, moment, self.desk.url)
        return self.call(made())

    def sql(self, query: str, *values: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database_file) as connection:
            return connection.execute(query, values).fetchall()

    def close(self) -> None:
        self.call(self.desk.stop())
        self.call(self.app.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, index: SearchIndex) -> Iterator[DeskServer]:
    running = DeskServer(tmp_path_factory.mktemp("desk"), index)
    yield running
    running.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield opened
    opened.close()


def signed_in(context: BrowserContext, server: DeskServer) -> Page:
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    setattr(page, "problems", problems)  # noqa: B010 (the page's console errors, for the test to read)
    response = page.goto(server.link())
    assert response is not None
    assert response.status == 200
    page.click("button[type=submit]")
    assert page.url.endswith("/plans")
    return page


def cells(page: Page, table: str) -> list[list[str]]:
    return [[cell.strip() for cell in row] for row in page.eval_on_selector_all(
        f"table[data-table='{table}'] tbody tr",
        "rows => rows.map(row => Array.from(row.querySelectorAll('td')).map(cell => cell.textContent))")]


# ----------------------------------------------------------------------------------------- sign-in


def test_a_link_signs_in_once_with_a_strict_httponly_cookie(context: BrowserContext, server: DeskServer) -> None:
    link = server.link()
    page = context.new_page()
    # Opening the link (as a chat app's preview or a mail scanner would) does not spend it.
    for _ in range(2):
        response = page.goto(link)
        assert response is not None
        assert response.status == 200
        assert "works once" in page.inner_text("main")
    assert not context.cookies()
    page.click("button:text-is('Sign in')")
    assert page.url.endswith("/plans")
    assert page.locator("table[data-table='plans']").count() == 1
    cookie = next(cookie for cookie in context.cookies() if cookie["name"] == "hcbot_desk")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert 11.9 * 3600 < cookie["expires"] - datetime.now().timestamp() < 12.1 * 3600  # noqa: DTZ005 (the browser's own clock)
    assert "hcbot_desk" not in page.evaluate("document.cookie")
    again = page.goto(link)
    assert again is not None
    assert again.status == 410
    assert "already used" in page.inner_text("main")
    fresh = server.link()
    forged_form = context.request.post(fresh, headers={"Sec-Fetch-Site": "cross-site"}, max_redirects=0)
    assert forged_form.status == 403
    assert page.goto(fresh) is not None
    assert "works once" in page.inner_text("main")
    stored = server.sql("SELECT token_hash FROM desk_links")
    assert all(link.rsplit("/", 1)[1] not in row[0] for row in stored)


def test_strangers_expired_links_and_the_hc_role_are_refused(context: BrowserContext, server: DeskServer) -> None:
    page = context.new_page()
    response = page.goto(server.desk.url + "/plans")
    assert response is not None
    assert response.status == 403
    assert "/desk" in page.inner_text("main")
    expired = page.goto(server.link_at(SECRETARIAT, START - timedelta(minutes=11)))
    assert expired is not None
    assert expired.status == 410
    assert "expired" in page.inner_text("main")
    made_for_hc = page.goto(server.link_at("hana.hc@ops.invalid", START))
    assert made_for_hc is not None
    assert made_for_hc.status == 403
    for path in ("/plans", "/trends", "/plans.csv", "/trends/actions.svg"):
        refused = page.goto(server.desk.url + path)
        assert refused is not None
        assert refused.status == 403, path
    context.add_cookies([{"name": "hcbot_desk", "value": "1.9999999999.forged", "url": server.desk.url}])
    forged = page.goto(server.desk.url + "/plans")
    assert forged is not None
    assert forged.status == 403


def test_only_the_secretariat_gets_a_link_and_only_in_private(server: DeskServer) -> None:
    assert "/signin/" not in server.say("hana.hc@ops.invalid", "/desk")
    assert "for the P2P secretariat" in server.say("hana.hc@ops.invalid", "/desk")
    channel = server.say(SECRETARIAT, "/desk", shared=True)
    assert "/signin/" not in channel
    french = server.say(SECRETARIAT, "/bureau")
    assert "/signin/" in french
    assert "10 minutes" in french
    context = server.app.router.context
    context.web_url = None
    try:
        assert "HCBOT_WEB_PORT" in server.say(SECRETARIAT, "/desk")
    finally:
        context.web_url = server.desk.url


# ------------------------------------------------------------------------------------------- pages


def test_every_page_opens_with_no_script_and_no_framing(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    for path in ("/plans", "/plans/op00-plan", "/questions", "/broadcasts", "/broadcasts/1", "/trends"):
        response = page.goto(server.desk.url + path)
        assert response is not None
        assert response.status == 200, path
        headers = response.headers
        assert "script-src" not in headers["content-security-policy"]
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert page.eval_on_selector_all("script", "found => found.length") == 0
        assert NOTE_MARK not in page.content() or path == "/questions", path
    assert getattr(page, "problems") == []  # noqa: B009 (no CSP violation, no broken resource)


def _today(zone: str) -> date:
    return START.astimezone(ZoneInfo(zone)).date()


def test_the_plans_table_matches_the_database_and_sorts(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    plans = server.sql("SELECT p.code, p.update_due_on, o.timezone, p.id FROM action_plans p "
                       "JOIN missions m ON p.mission_id = m.id JOIN operations o ON m.operation_id = o.id")
    latest = dict(((plan_id, status), count) for plan_id, status, count in server.sql(
        "SELECT a.plan_id, u.status, COUNT(*) FROM actions a JOIN action_updates u ON u.id = "
        "(SELECT MAX(id) FROM action_updates WHERE action_id = a.id) GROUP BY a.plan_id, u.status"))
    never = dict(server.sql("SELECT a.plan_id, COUNT(*) FROM actions a WHERE NOT EXISTS "
                            "(SELECT 1 FROM action_updates u WHERE u.action_id = a.id) GROUP BY a.plan_id"))
    shown = {row[2]: row for row in cells(page, "plans")}
    assert len(shown) == len(plans) == 12
    for code, due, zone, plan_id in plans:
        row = shown[code]
        assert int(row[4].replace(",", "")) == (date.fromisoformat(due) - _today(zone)).days, code
        assert [int(cell) for cell in row[6:11]] == [latest.get((plan_id, status), 0) for status in (
            "done", "blocked", "delayed", "on_track", "not_started")], code
        assert int(row[11]) == never.get(plan_id, 0), code
    page.click("th a:text-is('Days left')")
    ascending = [int(row[4]) for row in cells(page, "plans")]
    assert ascending == sorted(ascending)
    assert "sort=days_left" in page.url
    page.click("th a:has-text('Days left')")
    descending = [int(row[4]) for row in cells(page, "plans")]
    assert descending == sorted(ascending, reverse=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(server.desk.url + "/plans")
    page.screenshot(path=str(SCREENSHOTS / "desk-plans.png"), full_page=True)


def test_a_plans_deadline_ladder_is_a_timeline(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    page.click("a:text-is('op01-plan')")
    assert page.url.endswith("/plans/op01-plan")
    steps = page.locator("ol.timeline li")
    assert steps.count() >= 6
    labels = steps.all_inner_texts()
    assert any("Update due" in label for label in labels)
    assert any("30 days before" in label for label in labels)
    times = [datetime.fromisoformat(stamp) for stamp in
             page.eval_on_selector_all("ol.timeline time", "found => found.map(time => time.dateTime)")]
    assert times == sorted(times)
    # "Today" sits between what is past and what is coming.
    assert page.locator("ol.timeline li.today").count() == 1
    today = datetime.fromisoformat(page.get_attribute("ol.timeline li.today time", "datetime") or "")
    assert today == START


def test_questions_tickets_and_repeated_ones(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    page.goto(server.desk.url + "/questions")
    open_tickets = server.sql("SELECT id, question FROM tickets WHERE state = 'open' ORDER BY id")
    shown = cells(page, "tickets")
    assert [(int(row[0].lstrip("#")), row[4]) for row in shown] == open_tickets
    since = (START - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    askers = dict(server.sql("SELECT question, COUNT(DISTINCT person_id) FROM question_log WHERE asked_at >= ? AND "
                             "(confident = 0 OR passed_on = 1 OR feedback = 'not_useful') GROUP BY question", since))
    groups = {row[2]: int(row[0]) for row in cells(page, "groups")}
    assert groups
    assert groups == {question: people for question, people in askers.items() if people >= 2}


def test_broadcasts_and_their_delivery_reports(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    page.goto(server.desk.url + "/broadcasts")
    counts: dict[tuple[int, str], int] = {(broadcast, status): count for broadcast, status, count in server.sql(
        "SELECT broadcast_id, status, COUNT(*) FROM outbox WHERE broadcast_id IS NOT NULL GROUP BY 1, 2")}
    rows = cells(page, "broadcasts")
    assert len(rows) == 3
    for row in rows:
        number = int(row[0].lstrip("#"))
        expected = [counts.get((number, status), 0) for status in ("sent", "failed", "pending")]
        assert [int(row[5]), int(row[6]), int(row[7])] == expected
        assert int(row[4]) == sum(count for (broadcast, _), count in counts.items() if broadcast == number)
    page.click("a:text-is('#2')")
    report = dict(page.eval_on_selector_all(
        "table[data-table='report'] tr", "rows => rows.map(row => [row.querySelector('th').textContent, "
                                         "row.querySelector('td').textContent])"))
    assert int(report["Delivered"]) == counts.get((2, "sent"), 0)
    assert int(report["Failed"]) == counts.get((2, "failed"), 0)


def test_trends_with_charts_and_their_numbers(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    page.goto(server.desk.url + "/trends")
    images = page.locator("figure img")
    assert images.count() == 6
    widths = page.eval_on_selector_all("figure img", "found => found.map(image => image.naturalWidth)")
    assert all(width > 0 for width in widths)
    reach = {row[0]: row[1:] for row in cells(page, "reach")}
    assert reach == expected_reach(server.truth)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "desk-trends.png"), full_page=True)
    page.fill("#since", "2026-11-01")
    page.click("button[type=submit]")
    assert "since=2026-11-01" in page.url
    assert "From 1 Nov 2026 to 23 Nov 2026" in page.inner_text("main")


def test_every_table_downloads_as_csv(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    downloads = {}
    for path in ("/plans", "/questions", "/broadcasts", "/trends"):
        page.goto(server.desk.url + path)
        for link in page.eval_on_selector_all("a[download]", "found => found.map(a => a.getAttribute('href'))"):
            response = context.request.get(server.desk.url + link)
            assert response.status == 200, link
            downloads[link.split("?")[0]] = response.text()
    assert {"/plans.csv", "/questions.csv", "/questions/open.csv", "/questions/groups.csv", "/broadcasts.csv",
            "/trends/actions.csv", "/trends/reach.csv", "/trends.docx", "/trends.html"} <= set(downloads)
    plans = list(csv.DictReader(io.StringIO(downloads["/plans.csv"])))
    assert sorted(row["plan"] for row in plans) == sorted(row[0] for row in server.sql("SELECT code FROM action_plans"))
    reach = {row[0]: row[1:] for row in list(csv.reader(io.StringIO(downloads["/trends/reach.csv"])))[1:]}
    assert reach == expected_reach(server.truth)


def test_a_phone_gets_one_column(browser: Browser, server: DeskServer) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = signed_in(phone, server)
        for path in ("/plans", "/questions", "/broadcasts", "/trends"):
            page.goto(server.desk.url + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        page.goto(server.desk.url + "/trends")
        figure = page.locator("#actions + p + .pair figure").bounding_box()
        table = page.locator("#actions + p + .pair table").bounding_box()
        assert figure is not None
        assert table is not None
        assert table["y"] >= figure["y"] + figure["height"]
        page.goto(server.desk.url + "/plans")
        assert page.eval_on_selector("table.cards thead", "head => getComputedStyle(head).display") == "none"
        first = page.locator("table.cards tbody tr").first.locator("td")
        boxes = [first.nth(position).bounding_box() for position in range(3)]
        assert all(box is not None for box in boxes)
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]  # type: ignore[index]
        page.screenshot(path=str(SCREENSHOTS / "desk-plans-phone.png"), full_page=False)
        # The brief as one page (hcbot trends --format html), read on the phone: one column too.
        standalone = phone.new_page()
        standalone.set_content(phone.request.get(server.desk.url + "/trends.html").text())
        assert standalone.evaluate("document.documentElement.scrollWidth") <= 390
        figure = standalone.locator(".pair figure").first.bounding_box()
        table = standalone.locator(".pair table").first.bounding_box()
        assert figure is not None
        assert table is not None
        assert table["y"] >= figure["y"] + figure["height"]
    finally:
        phone.close()


def test_the_language_switch_stays_on_the_desk(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    for elsewhere in ("//example.org/", "/\\example.org/", "https://example.org/"):
        response = context.request.get(f"{server.desk.url}/language/fr?back={elsewhere}", max_redirects=0)
        assert response.status == 303
        assert response.headers["location"] == "/plans", elsewhere
    out = page.goto(server.desk.url + "/signout")
    assert out is not None
    assert out.status == 200
    assert page.url.endswith("/signed-out")
    assert "hcbot_desk" not in {cookie["name"] for cookie in context.cookies()}
    refused = page.goto(server.desk.url + "/plans")
    assert refused is not None
    assert refused.status == 403


def test_the_desk_in_french(context: BrowserContext, server: DeskServer) -> None:
    page = signed_in(context, server)
    page.click("a:text-is('Français')")
    assert page.url.endswith("/plans")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Jours restants" in page.inner_text("table[data-table='plans'] thead")
    page.goto(server.desk.url + "/trends")
    assert "Actions par sujet et statut" in page.inner_text("main")
    page.click("a:text-is('English')")
    assert page.locator("html").get_attribute("lang") == "en"
