"""``hcbot trends`` (the brief for the EDG) and ``hcbot web`` (the secretariat's web desk)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.settings import Settings
    from bot.web.server import WebDesk
    from handlers.trends.brief import Brief
    from knowledge import SearchIndex

EXIT_INVALID = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, such as 2026-01-01"
                                         ) from None


def add_commands(commands: Any) -> None:
    trends = commands.add_parser("trends", help="the trends brief for the EDG: actions by topic and status, updates "
                                                "to the ERC, what HCs ask, reach of notices")
    trends.add_argument("--since", type=_day, metavar="YYYY-MM-DD",
                        help="only plans adopted, questions asked and notices sent from this day")
    trends.add_argument("--format", choices=["md", "docx", "html"], default="md")
    trends.add_argument("--language", choices=["en", "fr"], default="en")
    trends.add_argument("--output", "-o", type=Path, help="file to write (default: standard output for md, "
                                                           "trends-DATE.docx or .html in the working folder)")
    trends.add_argument("--charts", type=Path, metavar="FOLDER",
                        help="also write each chart there as trends-TABLE.svg and .png (for slides and e-mails)")
    web = commands.add_parser("web", help="the secretariat's web desk on HCBOT_WEB_HOST:HCBOT_WEB_PORT "
                                          "(127.0.0.1:8080 by default); sign in with /desk in the chat")
    web.add_argument("--port", type=int, help="the port (default HCBOT_WEB_PORT, else 8080)")


async def trends(settings: Settings, arguments: argparse.Namespace, clock: Clock,
                 index: Callable[[], SearchIndex]) -> int:
    from handlers.trends.brief import build_brief
    from handlers.trends.render import brief_docx, brief_html, brief_markdown
    from storage.database import Database

    now = clock.now()
    database = Database(settings.database_url)
    try:
        if database.dialect == "sqlite":
            await database.upgrade()
        async with database.transaction() as session:
            brief = await build_brief(session, index(), now, settings.schedule().ladder, since=arguments.since,
                                      language=arguments.language)
    finally:
        await database.dispose()
    if arguments.charts is not None and not _write_charts(brief, arguments.charts):
        return EXIT_INVALID
    if arguments.format == "md":
        text = brief_markdown(brief)
        if arguments.output is None:
            sys.stdout.write(text)
            return 0
        content = text.encode("utf-8")
    else:
        content = brief_docx(brief) if arguments.format == "docx" else brief_html(brief).encode("utf-8")
    output: Path = arguments.output or Path(f"trends-{now:%Y-%m-%d}.{arguments.format}")
    try:
        output.write_bytes(content)  # noqa: ASYNC240 (one small file, once, at the end of a command)
    except OSError as error:
        print(f"hcbot: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {output}")
    return 0


def _write_charts(brief: Brief, folder: Path) -> bool:
    from handlers.trends.charts import chart_image

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for table in brief.tables():
            if table.chart is not None and table.rows:
                for extension in ("svg", "png"):
                    (folder / f"trends-{table.key}.{extension}").write_bytes(chart_image(table, extension))
    except OSError as error:
        print(f"hcbot: cannot write the charts in {folder}: {error.strerror or error}", file=sys.stderr)
        return False
    print(f"wrote the charts in {folder}", file=sys.stderr)
    return True


async def start_desk(app: Any, port: int | None = None) -> WebDesk:
    """Starts the web desk for a built app; raises OSError when the port is taken."""
    from bot.settings import DEFAULT_WEB_PORT
    from bot.web.server import WebDesk

    desk = WebDesk(app, app.settings.web_host,
                   port if port is not None else app.settings.web_port or DEFAULT_WEB_PORT)
    await desk.start()
    print(f"hcbot: web desk on {desk.url} (sign in with /desk in the chat)", file=sys.stderr)
    return desk


async def web(settings: Settings, arguments: argparse.Namespace, clock: Clock, index: Callable[[], SearchIndex],
              stopping: Callable[[], Any]) -> int:
    from bot.app import build_app

    app = await build_app(settings, clock=clock, index=index())
    try:
        desk = await start_desk(app, arguments.port)
    except OSError as error:
        print(f"hcbot: cannot serve the web desk: {error.strerror or error}", file=sys.stderr)
        await app.close()
        return EXIT_INVALID
    try:
        await stopping().wait()
    finally:
        await desk.stop()
        await app.close()
    return 0
