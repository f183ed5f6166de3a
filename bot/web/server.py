"""The web desk's pages: plans at a glance (sortable, each plan's deadline ladder as a timeline),
passed questions and repeated unanswered ones, broadcasts and their delivery reports, and the
trends with their charts; every table also as CSV.

Everything is read through the same functions as the chat and the shell (``/plans``,
``/questions``, ``/broadcast status``, ``hcbot trends``), so the desk never shows other numbers.
Security: a page needs a signed session cookie (HttpOnly, SameSite=Strict, 12 hours) that only a
single-use link from ``/desk`` gives; the CSP allows no script at all and no framing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

import jinja2
import markupsafe
from aiohttp import web

from bot.web.sessions import COOKIE, LANGUAGE_COOKIE, LIFETIME, session_link, session_value
from handlers.broadcasts import desk as broadcast_desk
from handlers.broadcasts import sending
from handlers.checkins.dialogue import STATUS_ORDER, status_name
from handlers.dates import short_date
from handlers.i18n import number, t, tn
from handlers.nudges.schedule import plan_schedule
from handlers.secretariat import overview
from handlers.secretariat.tickets import overview as tickets
from handlers.secretariat.web_desk import Opened, desk_session, forget_sent_links, open_link, sign_out
from handlers.spreadsheet import csv_text
from handlers.trends.brief import Brief, build_brief
from handlers.trends.charts import chart_image
from handlers.trends.render import brief_docx, brief_html, table_csv, table_html
from storage import broadcasts as broadcast_store
from storage import tickets as ticket_store
from storage.models import Person

if TYPE_CHECKING:
    from bot.app import App

logger = logging.getLogger(__name__)
HERE: Final = Path(__file__).parent
PAGE_CSP: Final = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                   "frame-ancestors 'none'; base-uri 'none'")
# An SVG chart is drawn with its own style attributes; as an <img> it can run nothing.
SVG_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
LOCAL_PATH: Final = re.compile(r"/[a-z][a-z0-9_.-]*(/[A-Za-z0-9_.-]+)*")
BRIEF_KEPT_SECONDS: Final = 60.0
SWEEP_SECONDS: Final = 60.0
OPEN_PATHS: Final = ("/signin/", "/static/", "/signout", "/signed-out")
DESK_KEY: Final[web.AppKey[Desk]] = web.AppKey("desk")
PERSON: Final[web.RequestKey[Person]] = web.RequestKey("person", Person)
LANGUAGE: Final[web.RequestKey[str]] = web.RequestKey("language", str)


@dataclass(slots=True)
class Desk:
    app: App
    secret: bytes
    secure_cookie: bool
    templates: jinja2.Environment
    # The trends page asks for its brief once and for each of its six charts: one reading of the
    # database serves them all for a minute (by period and language).
    briefs: dict[tuple[date | None, str], tuple[float, Brief]] = field(default_factory=dict)


def _language(request: web.Request, person: Any) -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in ("en", "fr"):
        return chosen
    return person.language if person is not None and person.language in ("en", "fr") else "en"


def _render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    desk = request.app[DESK_KEY]
    person = request.get(PERSON)
    language = request.get(LANGUAGE) or _language(request, person)

    def say(key: str, **more: object) -> str:
        return t(key, language, **more)

    def say_n(key: str, count: int, **more: object) -> str:
        return tn(key, count, language, **more)

    page = desk.templates.get_template(template).render(
        t=say, tn=say_n, language=language, person=person, path=request.path, number=lambda value: number(
            value, language), **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def _refusal(request: web.Request, key: str, status: int = 403) -> web.Response:
    return _render(request, "message.html", status=status, title_key="desk.refused_title", message_key=key)


@web.middleware
async def _headers(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                   ) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        # A redirect or aiohttp's own 404 is raised, not returned: it gets the same headers.
        _secure(request, error)
        raise
    _secure(request, response)
    return response


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The sign-in link's token is in its URL: no other site may learn it as a referrer.
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def _signed_in(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                     ) -> web.StreamResponse:
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    link_id = session_link(desk.secret, request.cookies.get(COOKIE), now)
    person = None
    if link_id is not None:
        async with desk.app.database.transaction() as session:
            person = await desk_session(session, link_id, now)
            if person is not None:
                session.expunge(person)
    if person is None:
        return _refusal(request, "desk.sign_in_first")
    request[PERSON] = person
    request[LANGUAGE] = _language(request, person)
    return await handler(request)


async def signin(request: web.Request) -> web.StreamResponse:
    """GET shows the link's page with a "Sign in" button; only its POST spends the link. Link
    previews (Slack's, Teams') and mail scanners fetch a link without a person, and the cookie of a
    same-site POST is sent at once, where a redirect from a chat app's click would be cross-site."""
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    token = request.match_info["token"]
    posted = request.method == "POST"
    if posted and request.headers.get("Sec-Fetch-Site") == "cross-site":
        return _refusal(request, "desk.link_unknown", 403)
    async with desk.app.database.transaction() as session:
        opened = await open_link(session, token, now, use=posted)
    request[LANGUAGE] = request.cookies.get(LANGUAGE_COOKIE) or opened.language
    if opened.outcome is not Opened.OK or opened.link_id is None:
        status = 403 if opened.outcome is Opened.FORBIDDEN else 410 if opened.outcome in (
            Opened.USED, Opened.EXPIRED) else 404
        return _refusal(request, f"desk.link_{opened.outcome.value}", status)
    if not posted:
        return _render(request, "signin.html", action=request.path)
    response = web.HTTPSeeOther("/plans")
    response.set_cookie(COOKIE, session_value(desk.secret, opened.link_id, now),
                        max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="Strict",
                        secure=desk.secure_cookie, path="/")
    raise response


async def signout(request: web.Request) -> web.StreamResponse:
    """Ends the session on the server too: a copy of the cookie opens nothing afterwards."""
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    link_id = session_link(desk.secret, request.cookies.get(COOKIE), now)
    if link_id is not None:
        async with desk.app.database.transaction() as session:
            await sign_out(session, link_id, now)
    response = web.HTTPSeeOther("/signed-out")
    response.del_cookie(COOKIE, path="/")
    raise response


async def signed_out(request: web.Request) -> web.StreamResponse:
    return _render(request, "message.html", title_key="desk.signed_out_title", message_key="desk.signed_out")


async def language(request: web.Request) -> web.StreamResponse:
    chosen = request.match_info["language"]
    back = request.query.get("back", "/plans")
    # Only one of the desk's own paths: "//site" or "/\\site" would send the browser elsewhere.
    response = web.HTTPSeeOther(back if LOCAL_PATH.fullmatch(back) else "/plans")
    response.set_cookie(LANGUAGE_COOKIE, chosen if chosen in ("en", "fr") else "en", max_age=365 * 86400,
                        httponly=True, samesite="Strict", path="/")
    raise response


def _csv(text: str, name: str) -> web.Response:
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------------------------------- plans

SORTABLE: Final = ("operation_name", "hc", "plan", "due_on", "days_left", "submitted_at",
                   *(status.value for status in reversed(STATUS_ORDER)), "no_update", "actions", "last_checkin_at")


def _sorted_records(rows: list[overview.PlanRow], sort: str, descending: bool) -> list[dict[str, object]]:
    records = [overview.plan_record(row) for row in rows]
    if sort not in SORTABLE:
        return records  # the overview's own order: the most urgent first
    present = [record for record in records if record[sort] is not None]
    missing = [record for record in records if record[sort] is None]
    present.sort(key=lambda record: (str(record[sort]).lower() if isinstance(record[sort], str) else record[sort],
                                     str(record["plan"])), reverse=descending)
    return present + missing


async def plans_page(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    async with desk.app.database.transaction() as session:
        rows = await overview.read_rows(session, now, desk.app.settings.schedule().ladder)
    if request.path.endswith(".csv"):
        return _csv(overview.csv_text([overview.plan_record(row) for row in rows], overview.PLAN_FIELDS),
                    "plans.csv")
    sort = request.query.get("sort", "")
    descending = request.query.get("order") == "desc"
    language = request[LANGUAGE]
    columns = [("operation_name", t("desk.col_operation", language)), ("hc", t("desk.col_hc", language)),
               ("plan", t("desk.col_plan", language)), ("due_on", t("desk.col_due", language)),
               ("days_left", t("desk.col_days_left", language)), ("submitted_at", t("desk.col_sent", language)),
               *((status.value, status_name(status, language)) for status in reversed(STATUS_ORDER)),
               ("no_update", t("plans.no_update", language)), ("actions", t("desk.col_actions", language)),
               ("last_checkin_at", t("desk.col_last_checkin", language))]
    return _render(request, "plans.html", columns=columns, records=_sorted_records(rows, sort, descending),
                   sort=sort, descending=descending, summary=overview.summary_text(rows, language) if rows else "",
                   day=lambda text: short_date(date.fromisoformat(str(text)[:10]), language) if text else "")


STATE_GROUPS: Final = (("sent", "sent"), ("pending", "queued"), ("sending", "queued"), ("failed", "failed"),
                       ("coming", "coming"), ("past", "past"), ("skipped", "skipped"), ("stopped", "stopped"))


def step_label(key: str, language: str) -> str:
    """"30 days before", "Due", "Escalated to the secretariat (14 days late)"... for a ladder rung's key."""
    name, _, days = key.rpartition("-")
    if not days.isdigit():
        return t(f"desk.step_{key.replace('-', '_')}", language)
    return tn(f"desk.step_{name}", int(days), language)


def state_group(state: str) -> str:
    return next((group for prefix, group in STATE_GROUPS if state.startswith(prefix)), "coming")


async def plan_page(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    code = request.match_info["code"]
    async with desk.app.database.transaction() as session:
        schedule = await plan_schedule(session, code, now, desk.app.settings.schedule())
        rows = [row for row in await overview.read_rows(session, now, desk.app.settings.schedule().ladder)
                if row.glance.code == code]
    if schedule is None or not rows:
        return _refusal(request, "desk.no_such_plan", 404)
    language = request[LANGUAGE]
    steps = [{"when": step.local_time, "label": step_label(step.key, language), "group": state_group(step.state),
              "to_secretariat": step.to_secretariat, "past": step.local_time <= now} for step in schedule.steps]
    today = now.astimezone(ZoneInfo(schedule.timezone))
    return _render(request, "plan.html", row=rows[0], record=overview.plan_record(rows[0]), schedule=schedule,
                   steps=steps, today=today, when=overview.when_text(rows[0], language),
                   counts=overview.counts_text(rows[0], language),
                   day=lambda moment: short_date(moment, language))


# --------------------------------------------------------------------------------------- questions


async def questions_page(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    async with desk.app.database.transaction() as session:
        waiting = await ticket_store.open_tickets(session)
        waiting_rows = [{"id": ticket.id, "asked": ticket.created_at, "operation": ticket.operation.name
                         if ticket.operation else "", "who": ticket.person.name if ticket.person else
                         (ticket.asker_name or ticket.platform), "question": ticket.question, "note": ticket.note or ""}
                        for ticket in waiting]
        everything = await ticket_store.question_rows(session) if request.path == "/questions.csv" else []
        recent = await ticket_store.question_rows(session, unanswered_only=True, since=now - tickets.GROUP_WINDOW)
    groups = tickets.repeated_questions(desk.app.index, recent)
    if request.path == "/questions.csv":
        return _csv(tickets.csv_text(everything), "questions.csv")
    language = request[LANGUAGE]
    if request.path == "/questions/groups.csv":
        header = [t("trends.col_people", language), t("trends.col_topic", language), t("trends.col_example", language),
                  t("desk.col_question_ids", language)]
        lines = [[group.people, group.topic or "", group.example, " ".join(map(str, group.question_ids))]
                 for group in groups]
        return _csv(_plain_csv(header, lines), "repeated-questions.csv")
    if request.path == "/questions/open.csv":
        header = ["ticket", "created_at", "operation", "asker", "question", "note"]
        lines = [[row["id"], _iso(row["asked"]), row["operation"], row["who"], row["question"], row["note"]]
                 for row in waiting_rows]
        return _csv(_plain_csv(header, lines), "open-tickets.csv")
    from knowledge import topic_name

    return _render(request, "questions.html", waiting=waiting_rows, groups=groups,
                   topic=lambda slug: topic_name(slug, language) if slug else t("trends.no_topic", language),
                   day=lambda moment: short_date(moment, language))


def _iso(moment: object) -> str:
    return moment.isoformat(timespec="seconds") if isinstance(moment, datetime) else ""


def _plain_csv(header: list[str], lines: list[list[Any]]) -> str:
    return csv_text(header, lines)


# --------------------------------------------------------------------------------------- broadcasts


async def _broadcast_rows(request: web.Request) -> list[dict[str, Any]]:
    desk = request.app[DESK_KEY]
    now = desk.app.clock.now()
    async with desk.app.database.transaction() as session:
        found = await broadcast_store.newest_first(session)
        rows = []
        for broadcast in found:
            if broadcast.status.value == "draft":
                continue
            report = await sending.report(session, broadcast, now)
            rows.append({"id": broadcast.id, "status": broadcast.status.value,
                         "when": broadcast.released_at or broadcast.send_at or broadcast.created_at,
                         "title": broadcast_desk.title_of(broadcast),
                         "audience": sending.describe_audience(broadcast.audience, request[LANGUAGE]),
                         "targeted": broadcast_desk.meant_for(report.targeted, report.skipped), "sent": report.sent,
                         "failed": report.failed, "pending": report.pending, "in_doubt": report.in_doubt,
                         "skipped": sum(count for reason, count in report.skipped.items() if reason != "cancelled"),
                         "failures": report.failures, "skipped_by": report.skipped,
                         "took": report.took.total_seconds() if report.took else None})
    return rows


BROADCAST_FIELDS: Final = ("id", "status", "when", "title", "audience", "targeted", "sent", "failed", "pending",
                           "in_doubt", "skipped")


async def broadcasts_page(request: web.Request) -> web.StreamResponse:
    rows = await _broadcast_rows(request)
    if request.path.endswith(".csv"):
        return _csv(_plain_csv(list(BROADCAST_FIELDS), [
            [row["when"].isoformat(timespec="seconds") if name == "when" else row[name] for name in BROADCAST_FIELDS]
            for row in rows]), "broadcasts.csv")
    language = request[LANGUAGE]
    return _render(request, "broadcasts.html", rows=rows, day=lambda moment: short_date(moment, language))


async def broadcast_page(request: web.Request) -> web.StreamResponse:
    wanted = request.match_info["number"]
    rows = [row for row in await _broadcast_rows(request) if str(row["id"]) == wanted]
    if not rows:
        return _refusal(request, "desk.no_such_broadcast", 404)
    language = request[LANGUAGE]
    return _render(request, "broadcast.html", row=rows[0], day=lambda moment: short_date(moment, language))


# ------------------------------------------------------------------------------------------- trends


async def _brief(request: web.Request) -> Brief | web.Response:
    desk = request.app[DESK_KEY]
    language = request[LANGUAGE]
    typed = request.query.get("since", "").strip()
    since = None
    if typed:
        try:
            since = date.fromisoformat(typed)
        except ValueError:
            return _refusal(request, "desk.bad_since", 400)
    kept = desk.briefs.get((since, language))
    if kept is not None and time.monotonic() - kept[0] < BRIEF_KEPT_SECONDS:
        return kept[1]
    async with desk.app.database.transaction() as session:
        brief = await build_brief(session, desk.app.index, desk.app.clock.now(), desk.app.settings.schedule().ladder,
                                  since=since, language=language)
    desk.briefs[(since, language)] = (time.monotonic(), brief)
    return brief


async def trends_page(request: web.Request) -> web.StreamResponse:
    brief = await _brief(request)
    if isinstance(brief, web.Response):
        return brief
    name = request.match_info.get("name", "")
    if name:
        key, _, extension = name.rpartition(".")
        table = next((table for table in brief.tables() if table.key == key), None)
        if table is None or extension not in ("csv", "svg"):
            return _refusal(request, "desk.no_such_table", 404)
        if extension == "csv":
            return _csv(table_csv(table), f"trends-{key}.csv")
        if table.chart is None or not table.rows:
            return _refusal(request, "desk.no_such_table", 404)
        return web.Response(body=chart_image(table, "svg"), content_type="image/svg+xml",
                            headers={"Content-Security-Policy": SVG_CSP})
    if request.path == "/trends.docx":
        return web.Response(body=brief_docx(brief), headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Content-Disposition": 'attachment; filename="trends.docx"'})
    if request.path == "/trends.html":
        return web.Response(text=brief_html(brief), content_type="text/html", charset="utf-8",
                            headers={"Content-Disposition": 'attachment; filename="trends.html"'})
    query = f"?since={brief.since.isoformat()}" if brief.since else ""
    return _render(request, "trends.html", brief=brief, query=query,
                   # table_html escapes every cell itself (handlers.trends.render).
                   table_html=lambda table: markupsafe.Markup(table_html(table, brief.language)))  # noqa: S704


async def home(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPSeeOther("/plans")


def web_application(app: App, *, secret: bytes | None = None) -> web.Application:
    """The desk as an aiohttp application (``WebDesk`` serves it)."""
    settings = app.settings
    if secret is None:
        secret = (settings.desk_secret.get_secret_value().encode("utf-8") if settings.desk_secret
                  else secrets.token_bytes(32))
    templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                                   undefined=jinja2.StrictUndefined)
    application = web.Application(middlewares=[_headers, _signed_in])
    application[DESK_KEY] = Desk(app, secret, (settings.desk_url() or "").startswith("https://"), templates)
    application.router.add_get("/", home)
    application.router.add_get("/signin/{token}", signin)
    application.router.add_post("/signin/{token}", signin)
    application.router.add_get("/signout", signout)
    application.router.add_get("/signed-out", signed_out)
    application.router.add_get("/language/{language}", language)
    application.router.add_get("/plans", plans_page)
    application.router.add_get("/plans.csv", plans_page)
    application.router.add_get("/plans/{code}", plan_page)
    application.router.add_get("/questions", questions_page)
    application.router.add_get("/questions.csv", questions_page)
    application.router.add_get("/questions/open.csv", questions_page)
    application.router.add_get("/questions/groups.csv", questions_page)
    application.router.add_get("/broadcasts", broadcasts_page)
    application.router.add_get("/broadcasts.csv", broadcasts_page)
    application.router.add_get("/broadcasts/{number}", broadcast_page)
    application.router.add_get("/trends", trends_page)
    application.router.add_get("/trends.docx", trends_page)
    application.router.add_get("/trends.html", trends_page)
    application.router.add_get("/trends/{name}", trends_page)
    application.router.add_static("/static/", HERE / "static")
    return application


class WebDesk:
    """Serves the desk on HCBOT_WEB_HOST:HCBOT_WEB_PORT (127.0.0.1 unless told otherwise)."""

    def __init__(self, app: App, host: str, port: int, *, secret: bytes | None = None) -> None:
        self.application = web_application(app, secret=secret)
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        self._sweeping: asyncio.Task[None] | None = None

    async def _sweep(self) -> None:
        """Blanks, every minute, the outbox rows of sign-in links that went out in the background (a
        retry after a restart) or lapsed unsent: no usable token rests in the database."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await forget_sent_links(self.app.database, self.app.clock.now())
            except Exception:  # a busy database this minute: the next minute tries again
                logger.exception("blanking the desk's sent sign-in links failed")

    async def start(self) -> None:
        await forget_sent_links(self.app.database, self.app.clock.now())
        self._sweeping = asyncio.create_task(self._sweep())
        self._runner = web.AppRunner(self.application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
            self._sweeping = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
