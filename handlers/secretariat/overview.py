"""Every plan at a glance: the secretariat's ``/plans`` (``/tableau``), ``hcbot admin plans`` and
the secretariat's App Home read the same rows, most urgent first.

A plan is urgent when its update to the ERC is late (the latest first), then when it is due soonest;
plans whose update went to the ERC come last. Days are counted in the operation's own calendar, as
its nudges count them. An HC's ``/plans`` shows their own operation's plans; an HCT member is told
that this is the secretariat's view, and a stranger how to register.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process, utils

from handlers import spreadsheet
from handlers.checkins.dialogue import STATUS_ORDER, status_name
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, italic
from handlers.nudges.deadlines import LadderSettings, update_due_on
from knowledge.text import fold
from storage import accounts
from storage import plans as plan_store
from storage.accounts import PersonListed
from storage.database import Session
from storage.models import Role, Status
from storage.plans import PlanGlance

PAGE_SIZE: Final = 8
"""Plans a chat message shows: two lines each, so a page stays within a phone screen or two."""

HOME_PLANS: Final = 20
"""Plans on the secretariat's App Home: the most urgent; the rest are one ``/plans`` away."""

OVERDUE_WORDS: Final = frozenset({"overdue", "late", "retard", "retards", "late-only", "enretard"})
_NOISE: Final = frozenset({"en", "only", "seulement", "plans", "plan"})

# rapidfuzz WRatio scores (0-100) for an operation name typed in the chat: at or above ACCEPT the
# best match is taken (a slip of a letter or two, a prefix: "sahelai", "lev"); between SUGGEST and
# ACCEPT it is offered as "did you mean"; a second operation within MARGIN of the best makes it a
# question too, so a name two operations share never silently picks one.
ACCEPT: Final = 80.0
SUGGEST: Final = 60.0
MARGIN: Final = 5.0
SHORTEST_FUZZY: Final = 3
"""A query shorter than this is matched exactly: "a" is a prefix of half the world."""

UNKNOWN_LISTS_AT_MOST: Final = 12


@dataclass(frozen=True, slots=True)
class PlanRow:
    """A plan with its update's deadline worked out: the unit every view of the overview shows."""

    glance: PlanGlance
    due_on: date
    today: date
    """The operation's own date when the row was read."""

    @property
    def days_left(self) -> int:
        """Days until the update is due; negative once it is late."""
        return (self.due_on - self.today).days

    @property
    def submitted(self) -> bool:
        return self.glance.submitted_at is not None

    @property
    def late(self) -> bool:
        return not self.submitted and self.days_left < 0

    def count(self, status: Status | None) -> int:
        return self.glance.counts.get(status.value if status is not None else "none", 0)


def urgency(row: PlanRow) -> tuple[int, float, str]:
    """Late first (the latest first), then the fewest days left; sent ones last, the latest sent first."""
    if row.glance.submitted_at is not None:
        return 1, -row.glance.submitted_at.timestamp(), row.glance.code
    return 0, row.days_left, row.glance.code


def plan_rows(glances: Sequence[PlanGlance], now: datetime, ladder: LadderSettings) -> list[PlanRow]:
    """The plans with their deadlines, most urgent first. The due date is the plan's own, or the end
    of its window after adoption, as the nudges compute it."""
    rows = []
    for glance in glances:
        own = ladder
        if glance.window_closes_months:
            own = dataclasses.replace(ladder, window_closes_months=glance.window_closes_months,
                                      window_opens_months=min(ladder.window_opens_months, glance.window_closes_months))
        rows.append(PlanRow(glance, update_due_on(glance.adopted_on, glance.update_due_on, own),
                            now.astimezone(ZoneInfo(glance.timezone)).date()))
    return sorted(rows, key=urgency)


async def read_rows(session: Session, now: datetime, ladder: LadderSettings,
                    operation_id: int | None = None) -> list[PlanRow]:
    return plan_rows(await plan_store.plans_at_a_glance(session, operation_id), now, ladder)


# --- Finding an operation from what was typed ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Operation:
    id: int
    code: str
    name: str
    country: str


@dataclass(frozen=True, slots=True)
class Match:
    """What a typed operation name came to: one operation (``exact`` when no guess was needed), or
    the candidates to offer ("did you mean"), or nothing."""

    operation: Operation | None = None
    exact: bool = True
    suggestions: tuple[Operation, ...] = ()


_FICTIONAL = re.compile(r"\s*\((fictional|fictif|fictive)\)\s*$", re.IGNORECASE)


def _names(operation: Operation, plan_codes: Sequence[str]) -> list[str]:
    """Every way a person may name an operation: its code, its name, its country, its plans' codes."""
    return [operation.code, operation.name, _FICTIONAL.sub("", operation.country), *plan_codes]


def match_operation(typed: str, operations: Sequence[Operation],
                    plan_codes: dict[int, list[str]] | None = None) -> Match:
    """The operation ``typed`` names: exactly (code, name, country, a plan's code; accents and case
    aside), else the closest by rapidfuzz's WRatio (see :data:`ACCEPT`)."""
    wanted = fold(typed).strip().lower()
    codes = plan_codes or {}
    for operation in operations:
        if wanted in {fold(name).lower() for name in _names(operation, codes.get(operation.id, []))}:
            return Match(operation)
    if len(wanted) < SHORTEST_FUZZY:
        return Match()
    choices: list[str] = []
    owners: list[Operation] = []
    for operation in operations:
        for name in _names(operation, codes.get(operation.id, [])):
            choices.append(utils.default_process(fold(name)))
            owners.append(operation)
    best: dict[int, tuple[float, Operation]] = {}
    # The choices are processed once above, so the scorer is told not to process them again.
    for _choice, score, position in process.extract(utils.default_process(wanted), choices, scorer=fuzz.WRatio,
                                                    processor=None, limit=None):
        operation = owners[position]
        if score > best.get(operation.id, (-1.0, operation))[0]:
            best[operation.id] = (score, operation)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name))
    if not ranked or ranked[0][0] < SUGGEST:
        return Match()
    top_score, top = ranked[0]
    close = [operation for score, operation in ranked[1:3] if score >= max(SUGGEST, top_score - MARGIN)]
    if top_score >= ACCEPT and not close:
        return Match(top, exact=False)
    return Match(suggestions=(top, *close))


async def operations(session: Session) -> tuple[list[Operation], dict[int, list[str]]]:
    """Every operation, and the codes of each one's plans (a plan's code names its operation too)."""
    found = [Operation(*row) for row in await plan_store.operations_named(session)]
    codes: dict[int, list[str]] = {}
    for glance in await plan_store.plans_at_a_glance(session):
        codes.setdefault(glance.operation_id, []).append(glance.code)
    return found, codes


# --- The chat: /plans [overdue] [OPERATION] [PAGE] ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asked:
    """``/plans`` arguments: only the late ones, an operation's name, a page."""

    overdue: bool
    operation: str
    page: int


def parse_arguments(args: str) -> Asked:
    words = args.split()
    page = 1
    if words and words[-1].isdigit() and len(words[-1]) <= 4:
        page = max(1, int(words.pop()))
    folded = [fold(word).lower().strip(".,;:!?") for word in words]
    overdue = any(word in OVERDUE_WORDS for word in folded) or "en retard" in " ".join(folded)
    rest = [word for word, plain in zip(words, folded, strict=True)
            if plain not in OVERDUE_WORDS and not (overdue and plain in _NOISE)]
    return Asked(overdue, " ".join(rest).strip(), page)


def _args_text(overdue: bool, operation: str, page: int, language: str) -> str:
    """The arguments as the person would type them again, for the "next page" hint and button."""
    words = [t("plans.overdue_word", language)] if overdue else []
    if operation:
        words.append(operation)
    words.append(str(page))
    return " ".join(words)


def counts_text(row: PlanRow, language: str) -> str:
    """"Done: 1 · Blocked: 1 · No update: 2": only the statuses some action has, in the plan's order."""
    parts = [t("count.label", language, label=status_name(status, language), count=row.count(status))
             for status in reversed(STATUS_ORDER) if row.count(status)]
    if row.count(None):
        parts.append(t("count.label", language, label=t("plans.no_update", language), count=row.count(None)))
    return " · ".join(parts) or t("plans.no_actions", language)


def when_text(row: PlanRow, language: str) -> str:
    """"39 days late, due 15 Oct 2026", "3 days left, due ...", "due today", "update sent 2 Nov 2026"."""
    if row.glance.submitted_at is not None:
        return t("plans.sent", language, date=short_date(row.glance.submitted_at, language))
    days = row.days_left
    if days == 0:
        return t("plans.due_today", language)
    when = t("plan.days_left", language, days=days) if days > 0 else t("plan.days_late", language, days=-days)
    return t("plans.when_due", language, when=when, date=short_date(row.due_on, language))


def last_checkin_text(row: PlanRow, language: str) -> str:
    if row.glance.last_update_at is None:
        return t("plans.no_checkin", language)
    return t("plans.last_checkin", language, date=short_date(row.glance.last_update_at, language))


def add_row(builder: ReplyBuilder, row: PlanRow, language: str) -> None:
    """Two lines a plan: who and which, then where it stands."""
    glance = row.glance
    builder.add(bold(glance.operation_name), f" · {glance.hc_name or t('plans.no_hc', language)} · {glance.code}")
    builder.add("   ", italic(f"{when_text(row, language)} · {counts_text(row, language)} · "
                              f"{last_checkin_text(row, language)}"))


def summary_text(rows: Sequence[PlanRow], language: str) -> str:
    """"4 plans · 2 late · 1 update sent"."""
    parts = [tn("plans.count", len(rows), language)]
    late = sum(row.late for row in rows)
    sent = sum(row.submitted for row in rows)
    if late:
        parts.append(t("plans.late_count", language, count=late))
    if sent:
        parts.append(tn("plans.sent_count", sent, language))
    return " · ".join(parts)


def _names_list(found: Sequence[Operation], language: str) -> str:
    names = [f"{operation.name} ({operation.code})" for operation in found]
    if len(names) == 1:
        return names[0]
    return t("plans.or", language, first=", ".join(names[:-1]), second=names[-1])


async def plans(turn: Turn, args: str) -> list[Reply]:
    """Every plan at a glance, the most urgent first: /plans overdue, /plans OPERATION (an HC sees their own)."""
    person = turn.person
    if person is None:
        raise AccessDenied("stranger.plans")
    language = turn.language
    asked = parse_arguments(args)
    if person.role in (Role.SECRETARIAT, Role.ADMIN):
        return await _secretariat_view(turn, asked, language)
    if person.role is not Role.HC or person.operation_id is None:
        raise AccessDenied("plans.not_allowed")
    named_other = False
    if asked.operation:
        known, codes = await operations(turn.session)
        named = match_operation(asked.operation, known, codes).operation
        named_other = named is None or named.id != person.operation_id
    return _own_view(await read_rows(turn.session, turn.now, turn.context.hours, person.operation_id), asked,
                     named_other, language)


def _own_view(rows: list[PlanRow], asked: Asked, named_other: bool, language: str) -> list[Reply]:
    """An HC's /plans: their operation's plans, whatever operation they named (they see no other's,
    and are told so rather than shown theirs as if it were the one asked for)."""
    builder = ReplyBuilder()
    if named_other:
        builder.add(t("plans.own_only", language))
    title = t("plans.title_overdue" if asked.overdue else "plans.title_own", language)
    if asked.overdue:
        rows = [row for row in rows if row.late]
    if not rows:
        builder.add(t("plans.none_overdue" if asked.overdue else "plan.none", language))
        return [builder.build()]
    return [_page(builder, title, rows, Asked(asked.overdue, "", asked.page), language, footer="plans.footer_own")]


async def _secretariat_view(turn: Turn, asked: Asked, language: str) -> list[Reply]:
    operation_id = None
    builder = ReplyBuilder()
    title = t("plans.title_overdue" if asked.overdue else "plans.title_all", language)
    shown_operation = ""
    if asked.operation:
        known, codes = await operations(turn.session)
        match = match_operation(asked.operation, known, codes)
        if match.operation is None:
            return [_unknown_operation(asked, match, known, language)]
        operation_id = match.operation.id
        shown_operation = match.operation.code
        title = t("plans.title_operation", language, operation=match.operation.name)
        if not match.exact:
            title += " " + t("plans.taken_as", language, typed=asked.operation[:60])
    rows = await read_rows(turn.session, turn.now, turn.context.hours, operation_id)
    if asked.overdue:
        rows = [row for row in rows if row.late]
    if not rows:
        builder.add(t("plans.none_overdue" if asked.overdue else "plans.none", language))
        return [builder.build()]
    return [_page(builder, title, rows, Asked(asked.overdue, shown_operation, asked.page), language)]


def _unknown_operation(asked: Asked, match: Match, known: Sequence[Operation], language: str) -> Reply:
    typed = asked.operation[:60]
    builder = ReplyBuilder()
    if match.suggestions:
        builder.add(t("plans.did_you_mean", language, typed=typed, names=_names_list(match.suggestions, language)))
        for operation in match.suggestions:
            builder.button(operation.name, f"plans:{'overdue ' if asked.overdue else ''}{operation.code}")
    elif known and len(known) <= UNKNOWN_LISTS_AT_MOST:
        builder.add(t("plans.unknown_operation", language, typed=typed, names=", ".join(
            f"{operation.name} ({operation.code})" for operation in known)))
    else:
        builder.add(t("plans.unknown_operation_many", language, typed=typed))
    return builder.build()


def _page(builder: ReplyBuilder, title: str, rows: list[PlanRow], asked: Asked, language: str,
          footer: str = "plans.footer") -> Reply:
    pages = (len(rows) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(asked.page, pages)
    builder.add(bold(title))
    builder.add(summary_text(rows, language))
    if asked.page > pages:
        builder.add(tn("plans.page_past", pages, language, pages=pages,
                      args=_args_text(asked.overdue, asked.operation, pages, language)))
    first = (page - 1) * PAGE_SIZE
    for row in rows[first:first + PAGE_SIZE]:
        add_row(builder, row, language)
    if pages > 1:
        builder.add(t("plans.page", language, first=first + 1, last=min(first + PAGE_SIZE, len(rows)),
                      total=len(rows)))
    if page < pages:
        following = _args_text(asked.overdue, asked.operation, page + 1, language)
        builder.add(t("plans.next", language, args=following))
        builder.button(t("plans.next_button", language), f"plans:{following}")
    else:
        builder.add(t(footer, language))
    return builder.build()


def home_overview(builder: ReplyBuilder, rows: list[PlanRow], language: str) -> None:
    """The secretariat's App Home: the summary, the most urgent plans, buttons for the rest."""
    if not rows:
        builder.add(t("plans.none", language))
        return
    builder.add(bold(t("plans.title_all", language)))
    builder.add(summary_text(rows, language))
    builder.blank()
    for row in rows[:HOME_PLANS]:
        add_row(builder, row, language)
        builder.blank()
    if len(rows) > HOME_PLANS:
        builder.add(tn("plans.more_on_home", len(rows) - HOME_PLANS, language))
    if any(row.late for row in rows):
        builder.button(t("plans.button_overdue", language), "plans:overdue")
    builder.button(t("plans.button_all", language), "plans:")


# --- The shell: hcbot admin plans / people --------------------------------------------------------

PLAN_FIELDS: Final = ("plan", "title", "operation", "operation_name", "country", "hc", "hc_email", "due_on",
                      "days_left", "late", "submitted_at", *(status.value for status in reversed(STATUS_ORDER)),
                      "no_update", "actions", "last_checkin_at")


def plan_record(row: PlanRow) -> dict[str, object]:
    """One plan for ``--json`` and ``--csv``: ISO dates and times (UTC), numbers as numbers;
    ``days_left`` is negative when the update is late (and still counted once it was sent)."""
    glance = row.glance
    record: dict[str, object] = {
        "plan": glance.code, "title": glance.title, "operation": glance.operation_code,
        "operation_name": glance.operation_name, "country": glance.country, "hc": glance.hc_name,
        "hc_email": glance.hc_email, "due_on": row.due_on.isoformat(), "days_left": row.days_left, "late": row.late,
        "submitted_at": glance.submitted_at.isoformat() if glance.submitted_at else None,
    }
    for status in reversed(STATUS_ORDER):
        record[status.value] = row.count(status)
    record["no_update"] = row.count(None)
    record["actions"] = sum(glance.counts.values())
    record["last_checkin_at"] = glance.last_update_at.isoformat() if glance.last_update_at else None
    return record


def plans_text(rows: Sequence[PlanRow]) -> list[str]:
    """The shell's listing, in English: the chat's two lines a plan, most urgent first."""
    if not rows:
        return [t("plans.none", "en")]
    lines = [summary_text(rows, "en")]
    for row in rows:
        builder = ReplyBuilder()
        add_row(builder, row, "en")
        lines.extend("".join(span.text for span in spans) for spans in builder.build().lines)
    return lines


PEOPLE_FIELDS: Final = ("name", "email", "role", "language", "operation", "operation_name", "platforms", "reachable",
                        "last_seen_at", "invite_pending_until")


def person_record(person: PersonListed) -> dict[str, object]:
    """One person for ``--json`` and ``--csv``. ``platforms`` lists each linked chat, "telegram" or
    "slack (inactive: blocked the bot)"; never an invite code (only its expiry, when one waits)."""
    seen = [chat.last_seen_at for chat in person.chats if chat.last_seen_at is not None]
    return {
        "name": person.name, "email": person.email, "role": person.role.value, "language": person.language,
        "operation": person.operation_code, "operation_name": person.operation_name,
        "platforms": [chat.platform if chat.active else f"{chat.platform} (inactive: {chat.inactive_reason or '?'})"
                      for chat in person.chats],
        "reachable": any(chat.active for chat in person.chats),
        "last_seen_at": max(seen).isoformat() if seen else None,
        "invite_pending_until": person.invite_pending_until.isoformat() if person.invite_pending_until else None,
    }


def people_text(people: Sequence[PersonListed]) -> list[str]:
    """The shell's listing, one line a person (English, like every operator's report)."""
    if not people:
        return ["nobody registered"]
    lines = []
    for person in people:
        chats = ", ".join(chat.platform if chat.active else f"{chat.platform} (inactive)" for chat in person.chats)
        seen = [chat.last_seen_at for chat in person.chats if chat.last_seen_at is not None]
        last = f"last seen {max(seen):%Y-%m-%d %H:%M} UTC" if seen else "never seen"
        invite = (f"; invite waiting until {person.invite_pending_until:%Y-%m-%d}"
                  if person.invite_pending_until else "")
        lines.append(f"{person.name} <{person.email}> · {person.role.value} · {person.operation_code or 'no operation'}"
                     f" · {chats or 'no linked chat'} · {last}{invite}")
    return lines


def csv_text(records: Sequence[dict[str, object]], fields: Sequence[str]) -> str:
    """A CSV table with a header; lists joined with "; ", None as an empty cell, booleans as true/false."""
    return spreadsheet.csv_text(fields, ([_cell(record.get(name)) for name in fields] for record in records))


def _cell(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


async def people(session: Session, now: datetime, operation_id: int | None = None) -> list[PersonListed]:
    return await accounts.people_listing(session, now, operation_id)
