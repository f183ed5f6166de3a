"""The ``hcbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import peers_cli
from bot.clock import Clock, SystemClock
from bot.settings import Settings
from knowledge import (
    ANSWER_TYPE,
    BUNDLED_LIBRARY,
    BUNDLED_THESAURUS,
    PRODUCT_TYPES,
    LibraryError,
    SearchFilters,
    SearchIndex,
    Thesaurus,
    ThesaurusError,
    TopicModelError,
    build_index,
    validate_answers,
    validate_library,
)

if TYPE_CHECKING:
    from bot.app import App
    from bot.platforms import Platform
    from storage.database import Database

# Commands that touch the database import it (SQLAlchemy, Alembic, python-docx) inside their function:
# `hcbot ask` is run once per question from the shell and must start in well under a second.

EXIT_INVALID = 2
DEMO_FILE = Path(__file__).parent / "demo.yaml"
DEMO_HC = "hc@demo.invalid"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hcbot", description="A chat bot for Humanitarian Coordinators.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="talk to the bot in this terminal (reads piped input line by line)")
    who = chat.add_mutually_exclusive_group()
    who.add_argument("--demo", action="store_true", help="load a fictional demo operation and talk as its HC")
    who.add_argument("--as", dest="as_email", metavar="EMAIL", help="talk as this registered person")

    ask = commands.add_parser("ask", help="answer questions from the library; no QUESTION reads one a line from stdin")
    ask.add_argument("question", nargs="*", help="the question (omit to read questions from standard input)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question)")
    ask.add_argument("--limit", type=int, default=5, help="how many results (default 5)")
    ask.add_argument("--type", choices=sorted([*PRODUCT_TYPES, ANSWER_TYPE]), action="append",
                     help="only this product type (answer: the secretariat's answers)")
    ask.add_argument("--country", action="append", help="only products about this country (Chad, Tchad, RCA...)")
    ask.add_argument("--language", choices=["en", "fr"], help="only products in this language")

    kb = commands.add_parser("kb", help="the library of learning products")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    validate = kb_commands.add_parser("validate", help="check every product file; exit 2 on any problem")
    validate.add_argument("directory", nargs="?", type=Path, help="folder to check (default: the configured library)")
    listing = kb_commands.add_parser("list", help="list the learning products")
    listed = listing.add_mutually_exclusive_group()
    listed.add_argument("--json", action="store_true", help="a JSON array with every field and the text")
    listed.add_argument("--stats", action="store_true", help="how many products are real and illustrative, per topic")
    listed.add_argument("--stale", action="store_true", help="the products past their review_by date")
    new_product = kb_commands.add_parser("new", help="write a new product file, pre-filled with the fields to complete")
    new_product.add_argument("--type", required=True, choices=list(PRODUCT_TYPES), help="the product's type")
    new_product.add_argument("--title", help="its title (also gives the id when --id is not given)")
    new_product.add_argument("--id", help="its id and file name (default: from the title)")
    new_product.add_argument("--directory", type=Path, help="where to write it (default: the configured library)")
    kb_import = kb_commands.add_parser("import", help="products from a spreadsheet saved as CSV (one row a product), "
                                                      "written as Markdown files; all or nothing")
    kb_import.add_argument("file", type=Path, help="the .csv file (Excel: save as CSV UTF-8)")
    kb_import.add_argument("--directory", type=Path,
                           help="the library folder to write into (default: the configured one)")
    peers_cli.add_draft_parser(kb_commands)
    peers_cli.add_peers_parser(commands)

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_commands.add_parser("upgrade", help="bring the schema up to the latest migration")

    admin = commands.add_parser("admin", help="the secretariat's tools")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True, metavar="ADMIN_COMMAND")
    importing = admin_commands.add_parser("import", help="import operations, people, missions, plans, actions")
    importing.add_argument("file", type=Path, help="a .yaml file, or a .csv of people or of actions")
    asked = admin_commands.add_parser("questions", help="the questions people asked: passed ones (tickets) "
                                                        "with asker, e-mail, operation, date and state; "
                                                        "repeated ones grouped")
    asked.add_argument("--unanswered", action="store_true",
                       help="only those with no confident answer, passed on, or marked not useful")
    output = asked.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object a question")
    output.add_argument("--csv", action="store_true", help="a CSV table, one row a question with its ticket")

    commands.add_parser("run", help="the bot with its scheduler, on every platform it has credentials for "
                                    "(Telegram, Slack; the console otherwise); SIGTERM stops it cleanly")
    tick = commands.add_parser("tick", help="one reconcile and deliver pass (for cron, demos and tests)")
    tick.add_argument("--now", help="the time to act as, ISO 8601 with a zone (default: now)")
    schedule = commands.add_parser("schedule", help="a plan's nudges with their local times")
    schedule.add_argument("plan", help="the plan's code")
    invite = admin_commands.add_parser("invite", help="a single-use, expiring code (and Telegram link) that links a "
                                                      "person's chat account")
    invite.add_argument("email", help="the registered person's e-mail")
    invite.add_argument("--days", type=int, help="how long the code stays valid (default: HCBOT_INVITE_DAYS, 7)")
    plans_admin = admin_commands.add_parser("plans", help="every plan at a glance, the most urgent first: HC, "
                                                          "deadline, days left or late, submitted, counts by status, "
                                                          "last check-in")
    plans_admin.add_argument("--overdue", action="store_true", help="only the plans whose update is late")
    plans_admin.add_argument("--operation", metavar="OPERATION", help="only this operation's plans (code or name)")
    plans_output = plans_admin.add_mutually_exclusive_group()
    plans_output.add_argument("--json", action="store_true", help="a JSON array, one object a plan")
    plans_output.add_argument("--csv", action="store_true", help="a CSV table, one row a plan")
    people_admin = admin_commands.add_parser("people", help="registered people with role, operation, linked chats "
                                                            "and when they were last seen (no invite codes)")
    people_admin.add_argument("--operation", metavar="OPERATION", help="only this operation's people (code or name)")
    people_output = people_admin.add_mutually_exclusive_group()
    people_output.add_argument("--json", action="store_true", help="a JSON array, one object a person")
    people_output.add_argument("--csv", action="store_true", help="a CSV table, one row a person")
    plan_admin = admin_commands.add_parser("plan", help="act on a plan")
    plan_admin.add_argument("action", choices=["submitted"], help="submitted: the update was sent to the ERC")
    plan_admin.add_argument("plan", help="the plan's code")

    broadcast = commands.add_parser("broadcast", help="the secretariat's notices to HCs and HCT members")
    broadcast_commands = broadcast.add_subparsers(dest="broadcast_command", required=True, metavar="BROADCAST_COMMAND")
    send = broadcast_commands.add_parser("send", help="send (or schedule) a notice from a Markdown file")
    what = send.add_mutually_exclusive_group(required=True)
    what.add_argument("--file", type=Path, help="the notice: optional webinar front matter, the "
                                                "English text, then ---fr--- and the French text")
    what.add_argument("--product", metavar="ID", help="announce an upcoming webinar of the library from its record")
    send.add_argument("--audience", default="all", help='"all", or key=value pairs: role, operation, country, '
                                                         'language, topic (e.g. "role=hc,country=Chad")')
    send.add_argument("--at", help="when to send, ISO 8601 with a zone (default: now)")
    send.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    send.add_argument("--right-away", action="store_true",
                      help="send to everyone at once, whatever their local time (default: each person in their "
                           "working hours, 09:00-18:00 their time)")
    for name, text in (("status", "how far a broadcast got: sent, failed, skipped, pending"),
                       ("cancel", "stop a broadcast: what has not gone out yet is withdrawn")):
        sub = broadcast_commands.add_parser(name, help=text)
        sub.add_argument("id", type=int, help="the broadcast's number")
    broadcast_commands.add_parser("list", help="the broadcasts, newest first")

    from bot import desk_commands

    desk_commands.add_commands(commands)
    report = commands.add_parser("report", help="the draft progress update on a plan to the ERC")
    report.add_argument("plan", help="the plan's code")
    report.add_argument("--format", choices=["md", "docx"], default="md")
    report.add_argument("--language", choices=["en", "fr"],
                        help="the draft's language (default: the language of the plan's HC)")
    report.add_argument("--output", "-o", type=Path, help="file to write (default: standard output for md, "
                                                           "PLAN-update-DATE.docx for docx)")
    return parser


def _configure_logging(settings: Settings, *, console: bool = False) -> None:
    """Logs to standard error; with the console attached, to a file instead, so that no log line
    lands inside the transcript."""
    from bot.logs import configure

    # A log file asked for is always used; without one, logs go to standard error unless the
    # console is attached.
    configure(settings.log_level, file=_log_file(settings) if console or settings.log_file else None)


def _log_file(settings: Settings) -> Path:
    if settings.log_file is not None:
        return settings.log_file
    url = settings.database_url
    if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
        return Path(url.split(":///", 1)[1]).parent / "hcbot.log"
    return Path("hcbot.log")


def _count(count: int, noun: str) -> str:
    # The handlers' helper, imported late: `hcbot ask` must not pay for the message catalogue.
    from handlers.i18n import english_count

    return english_count(count, noun)


def _print_problems(problems: Sequence[object], what: str = "the learning library") -> None:
    print(f"hcbot: {what} has {_count(len(problems), 'problem')}; fix them and start again:", file=sys.stderr)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)


def _index_or_exit(settings: Settings, clock: Clock) -> SearchIndex:
    try:
        return build_index(clock.now().year, settings.knowledge_dir, settings.thesaurus_file, settings.answers_dir(),
                           settings.index_cache_dir())
    except LibraryError as error:
        _print_problems(error.problems)
        raise SystemExit(EXIT_INVALID) from None
    except (ThesaurusError, TopicModelError) as error:
        print(f"hcbot: {error}", file=sys.stderr)
        raise SystemExit(EXIT_INVALID) from None


@contextlib.asynccontextmanager
async def _database(settings: Settings) -> AsyncIterator[Database]:
    """The configured database, brought up to date when it is the embedded SQLite, closed after."""
    from storage.database import Database

    database = Database(settings.database_url)
    try:
        if database.dialect == "sqlite":
            await database.upgrade()
        yield database
    finally:
        await database.dispose()


def _questions(arguments: argparse.Namespace) -> Iterator[str]:
    if arguments.question:
        yield " ".join(arguments.question)
        return
    for raw in sys.stdin:
        if raw.strip():
            yield raw.strip()


def _ask(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    if arguments.limit < 1:
        print("hcbot: --limit must be at least 1", file=sys.stderr)
        return EXIT_INVALID
    index = _index_or_exit(settings, clock)
    # A country in any form the chat understands: "Chad", "Tchad", "RCA", "République centrafricaine".
    countries = {name: index.thesaurus.country(name) for name in arguments.country or ()}
    unknown = sorted(name for name, english in countries.items() if english is None)
    if unknown:
        print(f"hcbot: unknown country {unknown[0]!r}; known: {', '.join(sorted(index.thesaurus.country_names))}",
              file=sys.stderr)
        return EXIT_INVALID
    filters = SearchFilters(
        types=frozenset(arguments.type or ()),
        countries=frozenset(english for english in countries.values() if english is not None),
        language=arguments.language,
    )
    for question in _questions(arguments):
        result = index.search(question, filters=filters or None, limit=arguments.limit)
        if arguments.json:
            print(json.dumps(result.as_json(), ensure_ascii=False), flush=True)
            continue
        print(f"? {question}")
        if not result.confident:
            print("  (no confident answer)")
        for rank, hit in enumerate(result.hits, 1):
            product = hit.product
            where = ", ".join(product.countries) or "global"
            print(f"  {rank}. {product.title} [{product.type}, {where}, {product.year}] {product.id} ({hit.score:.2f})")
    return 0


def _kb(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    try:
        thesaurus = Thesaurus.load(settings.thesaurus_file or BUNDLED_THESAURUS)
    except ThesaurusError as error:
        print(f"hcbot: {error}", file=sys.stderr)
        return EXIT_INVALID
    from bot import kb_commands

    if arguments.kb_command == "new":
        return kb_commands.kb_new(settings, arguments, clock)
    if arguments.kb_command == "import":
        return kb_commands.kb_import(settings, arguments, clock, thesaurus)
    if arguments.kb_command == "list" and (arguments.stats or arguments.stale):
        return kb_commands.kb_listing(settings, arguments, clock)
    if arguments.kb_command == "validate":
        directory = arguments.directory or settings.knowledge_dir or BUNDLED_LIBRARY
        products, problems = validate_library(directory, thesaurus, this_year=clock.now().year)
        answers: list[object] = []
        if arguments.directory is None:
            # The configured library is the curated products and the secretariat's answers together.
            found, answer_problems = validate_answers(settings.answers_dir(), thesaurus, this_year=clock.now().year)
            answers, problems = list(found), [*problems, *answer_problems]
        if problems:
            _print_problems(problems)
            return EXIT_INVALID
        warned = kb_commands.print_warnings(products)
        print(f"{directory}: {len(products)} learning products, no problems"
              + (f", {_count(warned, 'warning')}" if warned else ""))
        if answers:
            print(f"{settings.answers_dir()}: {_count(len(answers), 'answer')} of the secretariat, no problems")
        return 0
    index = _index_or_exit(settings, clock)
    if arguments.json:
        print(json.dumps([product.as_json(with_text=True) for product in index.products], ensure_ascii=False, indent=1))
    else:
        for product in index.products:
            marked = (f"  (an answer from the P2P secretariat, {product.answered_on:%Y-%m-%d})"
                      if product.answered_on is not None else "")
            print(f"{product.id:<50} {product.type:<15} {product.language} {product.day or product.year or '-'} "
                  f"{', '.join(product.topics)}{marked}")
    return 0


async def _load_demo(app: App) -> None:
    """Imports the fictional demo (see handlers.secretariat.demo)."""
    from handlers.secretariat.demo import load_demo

    await load_demo(app.database, DEMO_FILE, DEMO_HC, app.clock.now())


async def _chat(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    from bot.app import build_app, settle_heap
    from bot.console import ConsoleMessenger, ConsoleSession, run_console, stdin_lines
    from storage import repositories as repo

    _configure_logging(settings, console=True)
    index = _index_or_exit(settings, clock)
    console = ConsoleMessenger(sys.stdout)
    app = await build_app(settings, clock=clock, index=index, fallback=console)
    settle_heap()
    app.add_messenger(console)
    stopping = _stop_on_signals()
    user_id = "console"
    try:
        if arguments.demo:
            await _load_demo(app)
            arguments.as_email = DEMO_HC
        if arguments.as_email:
            async with app.database.transaction() as session:
                person = await repo.person_by_email(session, arguments.as_email)
                if person is None:
                    print(f"hcbot: no registered person with e-mail {arguments.as_email!r} "
                          "(import one with `hcbot admin import`)", file=sys.stderr)
                    return EXIT_INVALID
                user_id = person.email
                await repo.link_identity(session, person, "console", user_id, user_id)
        interactive = sys.stdin.isatty()
        if interactive and arguments.as_email:
            print(f"hcbot: talking as {arguments.as_email}.")
        await run_console(ConsoleSession(app.live, user_id), stdin_lines(), sys.stdout, interactive=interactive,
                          stop=stopping)
    finally:
        await app.close()
    return 0


async def _peers(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    """`hcbot peers` and `hcbot kb draft` (bot/peers_cli.py): they read the database and the index."""
    index = _index_or_exit(settings, clock)
    async with _database(settings) as database:
        if arguments.command == "kb":
            return await peers_cli.run_draft(settings, arguments, clock, index, database)
        return await peers_cli.run_peers(settings, arguments, clock, index, database)


def _stop_on_signals() -> asyncio.Event:
    """SIGINT (Ctrl-C) and SIGTERM ask for a clean stop on the first press: what is in flight is
    finished, then the command ends."""
    import signal

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    return stopping


async def _db(settings: Settings) -> int:
    from storage.database import Database

    database = Database(settings.database_url)
    try:
        applied = await database.upgrade()
        print(f"database at revision {await database.current_revision()}"
              + (f" (applied {', '.join(applied)})" if applied else " (already up to date)"))
    finally:
        await database.dispose()
    return 0


async def _admin(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    if arguments.admin_command == "import":
        # First: an import needs none of the chat's modules below, which take most of a second to load.
        return await _import(settings, arguments.file)
    from handlers.checkins.submissions import record_from_shell

    async with _database(settings) as database:
        if arguments.admin_command == "invite":
            return await _invite(settings, database, arguments, clock)
        if arguments.admin_command == "plan":
            async with database.transaction() as session:
                plan = await record_from_shell(session, arguments.plan, clock.now())
                if plan is None:
                    print(f"hcbot: no plan with code {arguments.plan!r}", file=sys.stderr)
                    return EXIT_INVALID
                print(f"{plan.code}: update marked as sent on {plan.submitted_at:%Y-%m-%d %H:%M} UTC; "
                      "its nudges have stopped")
            return 0
        if arguments.admin_command in {"plans", "people"}:
            return await _overview(settings, database, arguments, clock)
        return await _questions_listing(settings, database, arguments, clock)


# A file with a mistake on every row would print 10,000 lines; the first ones show what to mend.
IMPORT_PROBLEMS_SHOWN = 100


async def _import(settings: Settings, path: Path) -> int:
    from handlers.i18n import t, tn
    from handlers.secretariat.imports import ImportRejected, import_file

    try:
        async with _database(settings) as database:
            report = await import_file(database, path, max_bytes=settings.import_max_bytes)
    except ImportRejected as error:
        problems = error.problems
        print(f"hcbot: {tn('import.problems', len(problems), file=str(path))}", file=sys.stderr)
        for problem in problems[:IMPORT_PROBLEMS_SHOWN]:
            print(f"  {problem}", file=sys.stderr)
        if len(problems) > IMPORT_PROBLEMS_SHOWN:
            print(f"  {tn('import.more_problems', len(problems) - IMPORT_PROBLEMS_SHOWN)}", file=sys.stderr)
        print(f"hcbot: {t('import.nothing_imported')}", file=sys.stderr)
        return EXIT_INVALID
    print(t("import.done", file=str(path), report=str(report)))
    return 0


async def _overview(settings: Settings, database: Database, arguments: argparse.Namespace, clock: Clock) -> int:
    """``hcbot admin plans`` and ``hcbot admin people``: what the chat's /plans shows, for the shell."""
    from handlers.secretariat import overview

    now = clock.now()
    async with database.transaction() as session:
        operation_id = None
        if arguments.operation:
            known, codes = await overview.operations(session)
            match = overview.match_operation(arguments.operation, known, codes)
            if match.operation is None:
                names = ", ".join(operation.code for operation in match.suggestions or known) or "none"
                hint = "did you mean" if match.suggestions else "the operations are"
                print(f"hcbot: no operation {arguments.operation!r}; {hint}: {names}", file=sys.stderr)
                return EXIT_INVALID
            operation_id = match.operation.id
        if arguments.admin_command == "people":
            people = await overview.people(session, now, operation_id)
            records = [overview.person_record(person) for person in people]
            fields: Sequence[str] = overview.PEOPLE_FIELDS
            lines = overview.people_text(people)
        else:
            rows = await overview.read_rows(session, now, settings.schedule().ladder, operation_id)
            if arguments.overdue:
                rows = [row for row in rows if row.late]
            records = [overview.plan_record(row) for row in rows]
            fields = overview.PLAN_FIELDS
            lines = overview.plans_text(rows)
    if arguments.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    elif arguments.csv:
        sys.stdout.write(overview.csv_text(records, fields))
    else:
        print("\n".join(lines))
    return 0


async def _questions_listing(settings: Settings, database: Database, arguments: argparse.Namespace,
                             clock: Clock) -> int:
    from handlers.secretariat.tickets import overview

    # The index reads questions as the search does, to group the ones asked again and again.
    found = await overview.listing(database, _index_or_exit(settings, clock), clock.now(),
                                   unanswered_only=arguments.unanswered)
    if arguments.csv:
        sys.stdout.write(overview.csv_text(found.rows))
    elif arguments.json:
        for row in found.rows:
            print(json.dumps(overview.json_row(row), ensure_ascii=False))
    else:
        print("\n".join(overview.text_lines(found)))
    return 0


async def _invite(settings: Settings, database: Database, arguments: argparse.Namespace, clock: Clock) -> int:
    from handlers.accounts import issue_invite
    from handlers.errors import NotFound

    days = arguments.days if arguments.days is not None else settings.invite_days
    if not 1 <= days <= 90:
        print("hcbot: --days must be between 1 and 90", file=sys.stderr)
        return EXIT_INVALID
    try:
        async with database.transaction() as session:
            invite = await issue_invite(session, arguments.email, clock.now(), timedelta(days=days))
    except NotFound as error:
        print(f"hcbot: {error.user_message('en')} (import people with `hcbot admin import`)", file=sys.stderr)
        return EXIT_INVALID
    print(f"Invite code for {invite.person.name} <{invite.person.email}>: {invite.code}")
    print(f"Valid once, until {invite.expires_at:%Y-%m-%d %H:%M} UTC. Earlier codes for this person no longer work.")
    username = await _telegram_username(settings)
    if username:
        from bot.telegram.loop import invite_link

        print(f"Telegram: {invite_link(username, invite.code)}")
    else:
        print(f"Telegram: send /start {invite.code} to the bot")
    print(f"Slack: /hcbot link {invite.code}")
    return 0


async def _telegram_username(settings: Settings) -> str | None:
    """The bot's @username for the t.me link: configured, or asked of Telegram when a token is set."""
    if settings.telegram_bot_username:
        return settings.telegram_bot_username.lstrip("@")
    if settings.telegram_token is None:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    base_url = settings.telegram_api_url or "https://api.telegram.org/bot"
    try:
        async with Bot(settings.telegram_token.get_secret_value(), base_url=base_url) as bot:
            return bot.username
    except TelegramError as error:
        print(f"hcbot: could not ask Telegram for the bot's name ({type(error).__name__}); "
              "set HCBOT_TELEGRAM_BOT_USERNAME", file=sys.stderr)
        return None


async def _report(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    import os

    from handlers.checkins.report import build_report, report_docx, report_filename, report_markdown
    from storage import repositories as repo
    from storage.plans import operation_hc

    async with _database(settings) as database, database.transaction() as session:
        plan = await repo.plan_by_code(session, arguments.plan)
        if plan is None:
            print(f"hcbot: no plan with code {arguments.plan!r}", file=sys.stderr)
            return EXIT_INVALID
        hc = await operation_hc(session, plan.mission.operation_id)
        draft = build_report(plan, clock.now(), hc.name if hc else None)
    # The HC edits and signs the draft: in their language unless asked otherwise.
    language = arguments.language or (hc.language if hc and hc.language in ("en", "fr") else "en")
    if arguments.format == "md":
        text = report_markdown(draft, language)
        if not arguments.output:
            sys.stdout.write(text)
            return 0
        content = text.encode("utf-8")
        output: Path = arguments.output
    else:
        content = report_docx(draft, language)
        output = arguments.output or Path(os.environ.get("HCBOT_REPORT_DIR") or ".") / report_filename(draft, "docx")
    try:
        output.write_bytes(content)
    except FileNotFoundError:
        print(f"hcbot: cannot write {output}: the folder {output.parent} does not exist", file=sys.stderr)
        return EXIT_INVALID
    except OSError as error:
        print(f"hcbot: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {output}")
    return 0


async def _broadcast(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    from handlers.broadcasts import desk, sending
    from storage import broadcasts

    async with _database(settings) as database:
        if arguments.broadcast_command == "send":
            return await _broadcast_send(settings, database, arguments, clock)
        async with database.transaction() as session:
            if arguments.broadcast_command == "list":
                for listed in await broadcasts.newest_first(session):
                    title = (listed.text_en or "").splitlines()[0][:60] if listed.text_en else "(draft)"
                    print(f"{listed.id:>5} {listed.status.value:<10} "
                          f"{listed.send_at or listed.created_at:%Y-%m-%d %H:%M} {title}")
                return 0
            broadcast = await broadcasts.by_id(session, arguments.id)
            if broadcast is None:
                print(f"hcbot: no broadcast {arguments.id}", file=sys.stderr)
                return EXIT_INVALID
            if arguments.broadcast_command == "cancel":
                # The chat's sentences, in English: the shell and the chat say the same thing.
                print(desk.cancellation(broadcast.id, await sending.cancel(session, broadcast, clock.now()), "en"))
                return 0
            print("\n".join((await sending.report(session, broadcast, clock.now())).lines()))
            return 0


async def _broadcast_send(settings: Settings, database: Database, arguments: argparse.Namespace,
                          clock: Clock) -> int:
    from handlers.broadcasts import sending

    if arguments.product is not None:
        from bot.kb_commands import product_notice_or_exit

        announced = product_notice_or_exit(settings, arguments.product, clock)
        if announced is None:
            return EXIT_INVALID
        notice, text = announced, ""
    else:
        try:
            text = arguments.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            print(f"hcbot: cannot read {arguments.file}: {error}", file=sys.stderr)
            return EXIT_INVALID
    try:
        if arguments.file is not None:
            notice = sending.parse_notice(text, str(arguments.file))
        audience = sending.parse_audience(arguments.audience)
    except sending.NoticeRejected as error:
        _print_problems(error.problems, what=str(arguments.file))
        return EXIT_INVALID
    except sending.AudienceRejected as error:
        print(f"hcbot: --audience: {error}", file=sys.stderr)
        return EXIT_INVALID
    from handlers.broadcasts.reach import why_nobody

    now = clock.now()
    send_at = _moment(arguments.at, clock) if arguments.at else now
    async with database.transaction() as session:
        reach = await sending.expand(session, audience)
        why = await why_nobody(session, audience, reach, "en")
    skipped = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(reach.skipped.items()))
    print(f"audience {sending.describe_audience(audience)}: {_count(len(reach.recipients), 'recipient')}; "
          f"skipped: {skipped or 'none'}")
    if reach.matched == 0:
        for reason in why:
            print(f"hcbot: {reason}", file=sys.stderr)
        print("hcbot: that audience matches nobody (check the spelling; `hcbot broadcast send` sends nothing)",
              file=sys.stderr)
        return EXIT_INVALID
    print(f"sends {'now' if send_at <= now else f'at {send_at:%Y-%m-%d %H:%M} UTC'}")
    from bot.console import render

    # Each language the audience reads, as it reads it: French speakers see the French text (or are
    # told they get the English, when there is none).
    readers = Counter(recipient.language for recipient in reach.recipients)
    names = {"en": "English", "fr": "French"}
    shown = [language for language in names if readers[language]] or ["en"]
    if shown == ["fr"] and not notice.text_fr:
        print(f"{_count(readers['fr'], 'French speaker')}: no French text, they get the English")
        shown = ["en"]
    elif "fr" in shown and not notice.text_fr:
        print(f"{_count(readers['fr'], 'French speaker')}: no French text, they get the English")
        shown.remove("fr")
    for language in shown:
        print(f"preview ({names[language]}, {_count(readers[language], 'recipient')}):")
        print(render(sending.render(0, notice, language, "UTC", now=now, uid="preview@hcbot")))
    if not arguments.yes:
        if not sys.stdin.isatty():
            print("hcbot: nothing sent; add --yes to send without a question", file=sys.stderr)
            return EXIT_INVALID
        if (await _terminal_answer("Send it? [y/N] ")).strip().lower() not in {"y", "yes", "o", "oui"}:
            print("nothing sent")
            return 1
    async with database.transaction() as session:
        broadcast = await sending.schedule(session, notice, audience, send_at, now, None,
                                              local_hours=not arguments.right_away, hours=settings.schedule().ladder)
        number = broadcast.id
    print(f"broadcast {number} {'released to the outbox' if send_at <= now else 'scheduled'}; "
          f"`hcbot run` delivers it; `hcbot broadcast status {number}` follows it")
    return 0


async def _terminal_answer(question: str) -> str:
    """A question at the terminal, its answer read by the event loop as the console reads (not a
    blocking ``input()`` inside async code), so Ctrl-C is honoured at once. End of input answers ""."""
    from bot.console import stdin_lines

    print(question, end="", flush=True)
    async with contextlib.aclosing(stdin_lines()) as lines:
        return await anext(lines, "")


def _moment(text: str | None, clock: Clock) -> datetime:
    if text is None:
        return clock.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise SystemExit(f"hcbot: {text!r}: give an ISO 8601 time with a zone, e.g. 2026-10-15T09:00+00:00")
    return moment.astimezone(UTC)


async def _tick(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    from bot.app import build_app
    from bot.clock import FixedClock
    from bot.console import ConsoleMessenger
    from bot.platforms import SetupError

    now = _moment(arguments.now, clock)
    try:
        app = await build_app(settings, clock=FixedClock(now), index=_index_or_exit(settings, clock), platforms=True)
    except SetupError as error:
        print(f"hcbot: {error}", file=sys.stderr)
        return EXIT_INVALID
    if not app.platforms:
        # No chat platform configured (a demo, a trial): the console shows what would be sent.
        app.deliverer.use_fallback(ConsoleMessenger(sys.stdout))
    started = []
    try:
        for platform in app.platforms:
            try:
                await platform.start(receive=False)  # send only: the running bot takes the messages
                started.append(platform)
            except Exception as error:
                # Its rows stay in the outbox for a later pass; the other platforms still get theirs.
                print(f"hcbot: {type(platform).__name__} unreachable ({type(error).__name__}); its messages wait",
                      file=sys.stderr)
        queued = await app.scheduler.reconcile_once()
        delivered = await app.deliverer.deliver()
        print(f"tick at {now.isoformat()}: {queued}; {delivered.sent} sent, {delivered.retried} to retry, "
              f"{delivered.failed} failed")
    finally:
        for platform in started:
            await platform.stop()
        await app.close()
    return 0


async def _schedule(settings: Settings, arguments: argparse.Namespace, clock: Clock) -> int:
    from handlers.nudges.schedule import plan_schedule

    async with _database(settings) as database, database.transaction() as session:
        schedule = await plan_schedule(session, arguments.plan, clock.now(), settings.schedule())
    if schedule is None:
        print(f"hcbot: no plan with code {arguments.plan!r}", file=sys.stderr)
        return EXIT_INVALID
    print("\n".join(schedule.lines()))
    return 0


async def _run(settings: Settings, clock: Clock) -> int:
    from bot.app import build_app, settle_heap
    from bot.console import ConsoleMessenger, ConsoleSession, run_console, stdin_lines
    from bot.platforms import SetupError, refused

    console_attached = settings.console and _console_input()
    _configure_logging(settings, console=console_attached)
    index = _index_or_exit(settings, clock)
    try:
        app = await build_app(settings, clock=clock, index=index, platforms=True)
    except SetupError as error:
        print(f"hcbot: {error}", file=sys.stderr)
        return EXIT_INVALID
    settle_heap()
    platforms = app.platforms
    console = ConsoleMessenger(sys.stdout)
    if not platforms:
        # With no chat platform configured, the console shows what would be sent (a demo, a trial);
        # with one, proactive messages go only to people's chats.
        app.deliverer.use_fallback(console)
    app.add_messenger(console)
    stopping = _stop_on_signals()
    started: list[Platform] = []
    retrying: list[asyncio.Task[None]] = []
    for platform in platforms:
        try:
            await platform.start()
            started.append(platform)
        except Exception as error:
            if not refused(error):
                # Unreachable for now (network, the platform's own trouble): the others run, and
                # this one is tried again with backoff until it starts or the bot stops.
                print(f"hcbot: {type(platform).__name__} unreachable ({type(error).__name__}); trying again "
                      "in the background", file=sys.stderr)
                retrying.append(asyncio.ensure_future(_keep_starting(platform, started, stopping)))
                continue
            # A refused token, a port in use: say which, and stop cleanly.
            print(f"hcbot: could not start {type(platform).__name__}: {error}", file=sys.stderr)
            for running in started:
                await running.stop()
            await app.close()
            return EXIT_INVALID
    desk = None
    if settings.web_port:
        from bot.desk_commands import start_desk

        try:
            desk = await start_desk(app)
        except OSError as error:
            print(f"hcbot: cannot serve the web desk: {error.strerror or error}", file=sys.stderr)
            for running in started:
                await running.stop()
            await app.close()
            return EXIT_INVALID
    await app.scheduler.start()
    from bot.library_reload import LibraryReloader

    # Library edits (and SIGHUP) reach the running bot; an edit that does not validate is logged and ignored.
    reloader = LibraryReloader(app.router.context, settings, clock, on_swap=lambda index: setattr(app, "index", index))
    reloader.start()
    reader = None
    if console_attached:
        piped = not sys.stdin.isatty()
        reader = asyncio.ensure_future(run_console(ConsoleSession(app.live), stdin_lines(), sys.stdout,
                                                   interactive=not piped, stop=stopping))
        if piped:
            # A script piped in: stop once its last message is answered.
            reader.add_done_callback(lambda _done: stopping.set())
    names = ", ".join(type(platform).__name__.removesuffix("Bot") for platform in platforms) or "console only"
    print(f"hcbot: running ({names}) with the scheduler; Ctrl-C or SIGTERM to stop.", file=sys.stderr)
    await stopping.wait()
    if reader is not None:
        await reader  # it stops at the next line it would read, after the answer in flight
    for task in retrying:
        task.cancel()
    await reloader.stop()
    # The scheduler first: its delivery chunk in flight still needs the platforms' connections.
    await app.scheduler.stop()
    if desk is not None:
        await desk.stop()
    for platform in reversed(started):
        await platform.stop()
    await app.close()
    return 0


async def _keep_starting(platform: Platform, started: list[Platform], stopping: asyncio.Event) -> None:
    """Starts a platform that was unreachable, waiting 1 s, 2 s, 4 s ... at most a minute between tries."""
    wait = 1.0
    while not stopping.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=wait)
        if stopping.is_set():
            return
        try:
            await platform.start()
        except Exception as error:
            logging.getLogger(__name__).warning("%s still unreachable: %s", type(platform).__name__,
                                                type(error).__name__)
            wait = min(60.0, wait * 2)
            continue
        started.append(platform)
        print(f"hcbot: {type(platform).__name__} started", file=sys.stderr)
        return


def _console_input() -> bool:
    """A terminal or a pipe on standard input (not /dev/null, not closed)."""
    import os
    import stat

    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return sys.stdin.isatty() or stat.S_ISFIFO(mode)


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """The command line. ``clock``: the one wall clock every command reads (tests may pass another)."""
    try:
        code = _main(argv, clock)
        sys.stdout.flush()  # inside the try: a reader gone shows here, not in Python's flush at exit
    except BrokenPipeError:
        # `hcbot kb list | head`: the reader has gone, which is not an error worth a traceback. Later
        # writes (Python's own flush at exit) go nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return code


def _main(argv: Sequence[str] | None, clock: Clock | None) -> int:
    arguments = _parser().parse_args(argv)
    settings = Settings()
    clock = clock or SystemClock()
    _configure_logging(settings)
    if arguments.command == "ask":
        return _ask(settings, arguments, clock)
    if arguments.command == "kb" and arguments.kb_command != "draft":
        return _kb(settings, arguments, clock)
    from bot import desk_commands

    runners = {"chat": lambda: _chat(settings, arguments, clock), "db": lambda: _db(settings),
               "admin": lambda: _admin(settings, arguments, clock),
               "report": lambda: _report(settings, arguments, clock),
               "tick": lambda: _tick(settings, arguments, clock),
               "schedule": lambda: _schedule(settings, arguments, clock),
               "run": lambda: _run(settings, clock), "broadcast": lambda: _broadcast(settings, arguments, clock),
               "peers": lambda: _peers(settings, arguments, clock), "kb": lambda: _peers(settings, arguments, clock),
               "trends": lambda: desk_commands.trends(settings, arguments, clock,
                                                      lambda: _index_or_exit(settings, clock)),
               "web": lambda: desk_commands.web(settings, arguments, clock, lambda: _index_or_exit(settings, clock),
                                                _stop_on_signals)}
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(runners[arguments.command]())
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
