"""The trends brief, computed from the database: what field operations struggle with, in tables
that the charts draw and that the reader can check.

Four parts: actions across every plan by topic and status, and where they stall; updates to the
ERC (on time, late and by how much, not yet sent) per mission type; what HCs ask (per topic and
month, answered confidently or not, the themes that keep coming back unanswered, feedback); and
the reach of notices per operation.

Confidentiality: the brief aggregates. An operation is named only when its sharing level is not
``none``; the others are counted together as "other operations", and their names are taken out
of the questions quoted. Notes on actions are never read.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from handlers.checkins.dialogue import status_name
from handlers.dates import short_date
from handlers.i18n import t
from handlers.nudges.deadlines import LadderSettings
from handlers.secretariat.overview import PlanRow, plan_rows
from handlers.secretariat.tickets.overview import repeated_questions
from knowledge import SearchIndex, topic_name
from storage import plans as plan_store
from storage import tickets as ticket_store
from storage import trends as stored
from storage.database import Session
from storage.models import MissionKind, OutboxStatus, Sharing, Status
from storage.tickets import QuestionRow
from storage.trends import ActionHistory, OperationShared

STATUS_COLUMNS: Final = (Status.DONE, Status.ON_TRACK, Status.DELAYED, Status.BLOCKED, Status.NOT_STARTED)
STALLED: Final = frozenset({Status.BLOCKED, Status.DELAYED})
NO_TOPIC: Final = "-"
STALL_TOPICS: Final = 10
THEMES_SHOWN: Final = 10
MONTHS_SHOWN: Final = 12
"""The questions table shows the latest twelve months of the period (a year, side by side)."""
CHART_TOPICS: Final = 8
OTHER_OPERATIONS: Final = -1
"""The row key of the operations whose sharing keeps them unnamed."""
NO_OPERATION: Final = -2


@dataclass(frozen=True, slots=True)
class Chart:
    """How a table is drawn: ``kind`` "barh" (stacked horizontal bars, one a row), "bars" (grouped
    vertical bars, one group a row) or "line" (one line a column over the rows); ``series`` are the
    columns drawn (indexes into the table's columns)."""

    kind: str
    x_label: str
    y_label: str
    series: tuple[int, ...]
    without_total: bool = False
    """The table's last row is a total: drawn beside the topics, it would squash them."""


@dataclass(frozen=True, slots=True)
class TrendTable:
    """A table of the brief: the first column names the row, the others are numbers (or text)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]
    chart: Chart | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    lines: tuple[str, ...]
    tables: tuple[TrendTable, ...]


@dataclass(frozen=True, slots=True)
class Brief:
    language: str
    generated_at: datetime
    since: date | None
    sections: tuple[Section, ...]

    @property
    def title(self) -> str:
        return t("trends.title", self.language)

    @property
    def period(self) -> str:
        day = short_date(self.generated_at.date(), self.language)
        if self.since is None:
            return t("trends.period_all", self.language, date=day)
        return t("trends.period_since", self.language, since=short_date(self.since, self.language), date=day)

    def tables(self) -> list[TrendTable]:
        return [table for section in self.sections for table in section.tables]

    def table(self, key: str) -> TrendTable:
        return next(table for table in self.tables() if table.key == key)


# ------------------------------------------------------------------------------------------ actions


def current_status(history: ActionHistory) -> Status:
    """The status that stands: the latest reported, "not started" for an action never reported on."""
    return history.statuses[-1][0] if history.statuses else Status.NOT_STARTED


def stalled_since(history: ActionHistory) -> datetime | None:
    """When the action's current stretch of "blocked" or "delayed" began (None when it is neither)."""
    since = None
    for status, moment in reversed(history.statuses):
        if status not in STALLED:
            break
        since = moment
    return since


def _topics_of(history: ActionHistory) -> list[str]:
    return history.topics or [NO_TOPIC]


def _topic_label(topic: str, language: str) -> str:
    return t("trends.no_topic", language) if topic == NO_TOPIC else topic_name(topic, language)


def actions_table(histories: Sequence[ActionHistory], language: str) -> TrendTable:
    """Actions by topic and status; an action with two topics counts under each, and once in the total."""
    counts: dict[str, Counter[Status]] = defaultdict(Counter)
    total: Counter[Status] = Counter()
    for history in histories:
        status = current_status(history)
        total[status] += 1
        for topic in _topics_of(history):
            counts[topic][status] += 1
    ordered = sorted(counts, key=lambda topic: (-sum(counts[topic].values()), topic == NO_TOPIC, topic))
    rows: list[tuple[str | int, ...]] = [
        (_topic_label(topic, language), *(counts[topic][status] for status in STATUS_COLUMNS),
         sum(counts[topic].values())) for topic in ordered]
    rows.append((t("trends.all_actions", language), *(total[status] for status in STATUS_COLUMNS),
                 sum(total.values())))
    columns = (t("trends.col_topic", language), *(status_name(status, language) for status in STATUS_COLUMNS),
               t("trends.col_total", language))
    return TrendTable("actions", t("trends.actions_title", language), columns, tuple(rows),
                      Chart("barh", t("trends.axis_actions", language), t("trends.col_topic", language),
                            tuple(range(1, 1 + len(STATUS_COLUMNS))), without_total=True),
                      note=t("trends.actions_note", language))


def stalls_table(histories: Sequence[ActionHistory], now: datetime, language: str) -> TrendTable:
    """Per topic, the actions blocked or delayed now and for how long (days since the stretch
    began): the topics stalled longest first."""
    days: dict[str, list[int]] = defaultdict(list)
    blocked: Counter[str] = Counter()
    for history in histories:
        since = stalled_since(history)
        if since is None:
            continue
        for topic in _topics_of(history):
            days[topic].append((now - since).days)
            blocked[topic] += current_status(history) is Status.BLOCKED
    ordered = sorted(days, key=lambda topic: (-statistics.median(days[topic]), -len(days[topic]), topic))
    rows = [(_topic_label(topic, language), len(days[topic]), blocked[topic], len(days[topic]) - blocked[topic],
             round(statistics.median(days[topic])), max(days[topic])) for topic in ordered[:STALL_TOPICS]]
    columns = (t("trends.col_topic", language), t("trends.col_stalled", language),
               status_name(Status.BLOCKED, language), status_name(Status.DELAYED, language),
               t("trends.col_median_days", language), t("trends.col_longest_days", language))
    return TrendTable("stalls", t("trends.stalls_title", language), columns, tuple(rows),
                      Chart("barh", t("trends.axis_days", language), t("trends.col_topic", language), (4,)),
                      note=t("trends.stalls_note", language))


# ---------------------------------------------------------------------------------- updates to the ERC


@dataclass(frozen=True, slots=True)
class UpdateOutcome:
    """Where a plan's update to the ERC stands: "on_time", "late" (``days_late`` after its due
    date), "overdue" (not sent, past due) or "not_due" (not sent, not due yet)."""

    plan_id: int
    kind: MissionKind
    outcome: str
    days_late: int


def update_outcome(row: PlanRow, kind: MissionKind) -> UpdateOutcome:
    submitted = row.glance.submitted_at
    if submitted is not None:
        sent_on = submitted.astimezone(ZoneInfo(row.glance.timezone)).date()
        late = (sent_on - row.due_on).days
        return UpdateOutcome(row.glance.id, kind, "late" if late > 0 else "on_time", max(late, 0))
    if row.days_left < 0:
        return UpdateOutcome(row.glance.id, kind, "overdue", -row.days_left)
    return UpdateOutcome(row.glance.id, kind, "not_due", 0)


def updates_table(outcomes: Sequence[UpdateOutcome], language: str) -> TrendTable:
    rows = []
    for kind in MissionKind:
        mine = [outcome for outcome in outcomes if outcome.kind is kind]
        late = [outcome.days_late for outcome in mine if outcome.outcome == "late"]
        overdue = [outcome.days_late for outcome in mine if outcome.outcome == "overdue"]
        rows.append((t(f"trends.kind_{kind.value}", language), len(mine),
                     sum(outcome.outcome == "on_time" for outcome in mine), len(late),
                     round(statistics.median(late)) if late else 0, max(late, default=0), len(overdue),
                     max(overdue, default=0), sum(outcome.outcome == "not_due" for outcome in mine)))
    columns = (t("trends.col_mission", language), t("trends.col_plans", language), t("trends.col_on_time", language),
               t("trends.col_late", language), t("trends.col_median_late", language),
               t("trends.col_longest_late", language), t("trends.col_overdue", language),
               t("trends.col_longest_overdue", language), t("trends.col_not_due", language))
    return TrendTable("updates", t("trends.updates_title", language), columns, tuple(rows),
                      Chart("bars", t("trends.col_mission", language), t("trends.axis_plans", language), (2, 3, 6, 8)),
                      note=t("trends.updates_note", language))


# ---------------------------------------------------------------------------------------- questions


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def question_topics(index: SearchIndex, question: str) -> list[str]:
    """The topics a question names, as the search reads it (none: "no topic")."""
    return sorted(index.parse(question).topics) or [NO_TOPIC]


def questions_table(index: SearchIndex, rows: Sequence[QuestionRow], language: str) -> TrendTable:
    """Questions per topic per month (the latest twelve months of the period)."""
    months = sorted({month_of(row.asked_at) for row in rows})[-MONTHS_SHOWN:]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        month = month_of(row.asked_at)
        if month not in months:
            continue
        for topic in question_topics(index, row.question):
            counts[topic][month] += 1
    ordered = sorted(counts, key=lambda topic: (-sum(counts[topic].values()), topic == NO_TOPIC, topic))
    table_rows: list[tuple[str | int, ...]] = [
        (_topic_label(topic, language), *(counts[topic][month] for month in months), sum(counts[topic].values()))
        for topic in ordered]
    columns = (t("trends.col_topic", language), *months, t("trends.col_total", language))
    return TrendTable("questions", t("trends.questions_title", language), columns, tuple(table_rows),
                      Chart("barh", t("trends.axis_questions", language), t("trends.col_topic", language),
                            (len(months) + 1,)), note=t("trends.questions_note", language))


def answers_table(rows: Sequence[QuestionRow], language: str) -> TrendTable:
    """Per month: questions, answered confidently (and the share), feedback useful and not useful."""
    by_month: dict[str, list[QuestionRow]] = defaultdict(list)
    for row in rows:
        by_month[month_of(row.asked_at)].append(row)
    table_rows = []
    for month in sorted(by_month)[-MONTHS_SHOWN:]:
        asked = by_month[month]
        confident = sum(row.confident for row in asked)
        table_rows.append((month, len(asked), confident, round(100 * confident / len(asked)),
                           sum(row.feedback == "useful" for row in asked),
                           sum(row.feedback == "not_useful" for row in asked)))
    columns = (t("trends.col_month", language), t("trends.col_questions", language),
               t("trends.col_confident", language), t("trends.col_share", language),
               t("trends.col_useful", language), t("trends.col_not_useful", language))
    return TrendTable("answers", t("trends.answers_title", language), columns, tuple(table_rows),
                      Chart("line", t("trends.col_month", language), t("trends.axis_questions", language), (1, 2)))


def themes_table(index: SearchIndex, rows: Sequence[QuestionRow], language: str) -> TrendTable:
    """The unanswered questions asked again and again, grouped as the secretariat's desk groups them,
    each group as its topic, how many asked and in which months. No question is quoted: a question's
    words can name an operation that does not share (its people, its country in another language, a
    demonym), which no list of names catches; the desk's own questions page shows them, to the
    secretariat alone."""
    unanswered = [row for row in rows if not row.confident or row.passed_on or row.feedback == "not_useful"]
    asked = {row.id: row.asked_at for row in unanswered}
    table_rows = []
    for group in repeated_questions(index, unanswered)[:THEMES_SHOWN]:
        months = sorted({month_of(asked[number]) for number in group.question_ids})
        table_rows.append((_topic_label(group.topic or NO_TOPIC, language), group.people, len(group.question_ids),
                           ", ".join(months)))
    columns = (t("trends.col_topic", language), t("trends.col_people", language),
               t("trends.col_questions", language), t("trends.col_months", language))
    return TrendTable("themes", t("trends.themes_title", language), columns, tuple(table_rows),
                      note=t("trends.themes_note", language))


# ------------------------------------------------------------------------------------------ notices


def reach_table(operations: Sequence[OperationShared], reach: Sequence[stored.OperationReach],
                opted_out: dict[int | None, int], language: str) -> TrendTable:
    """Per operation: messages of notices written for its people, delivered, failed, waiting, and
    its people who turned notices off. Operations that do not share are one "other operations" row."""
    named = {operation.id: operation for operation in operations if operation.sharing is not Sharing.NONE}
    others = {operation.id for operation in operations if operation.sharing is Sharing.NONE}

    def key(operation_id: int | None) -> int:
        if operation_id is None:
            return NO_OPERATION
        return operation_id if operation_id in named else OTHER_OPERATIONS

    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for found in reach:
        bucket = counts[key(found.operation_id)]
        bucket["targeted"] += found.count
        bucket[found.status.value] += found.count
    for operation_id, people in opted_out.items():
        if operation_id is None or operation_id in named or operation_id in others:
            counts[key(operation_id)]["opted_out"] += people
    ordered = sorted((operation_id for operation_id in counts if operation_id >= 0),
                     key=lambda operation_id: named[operation_id].name.lower())
    ordered += [special for special in (OTHER_OPERATIONS, NO_OPERATION) if special in counts]
    labels = {OTHER_OPERATIONS: t("trends.other_operations", language),
              NO_OPERATION: t("trends.no_operation", language)}
    rows = [(labels.get(operation_id) or named[operation_id].name, counts[operation_id]["targeted"],
             counts[operation_id][OutboxStatus.SENT.value], counts[operation_id][OutboxStatus.FAILED.value],
             counts[operation_id][OutboxStatus.PENDING.value] + counts[operation_id][OutboxStatus.SENDING.value],
             counts[operation_id]["opted_out"]) for operation_id in ordered]
    columns = (t("trends.col_operation", language), t("trends.col_targeted", language),
               t("trends.col_delivered", language), t("trends.col_failed", language),
               t("trends.col_waiting", language), t("trends.col_opted_out", language))
    return TrendTable("reach", t("trends.reach_title", language), columns, tuple(rows),
                      Chart("barh", t("trends.axis_messages", language), t("trends.col_operation", language),
                            (2, 3, 4)), note=t("trends.reach_note", language))


# ------------------------------------------------------------------------------------------ the brief


@dataclass(slots=True)
class _Read:
    operations: list[OperationShared] = field(default_factory=list)
    histories: list[ActionHistory] = field(default_factory=list)
    outcomes: list[UpdateOutcome] = field(default_factory=list)
    questions: list[QuestionRow] = field(default_factory=list)
    reach: list[stored.OperationReach] = field(default_factory=list)
    opted_out: dict[int | None, int] = field(default_factory=dict)
    notices: int = 0


def start_of(since: date | None) -> datetime | None:
    return datetime.combine(since, time(), tzinfo=UTC) if since is not None else None


async def _read(session: Session, now: datetime, ladder: LadderSettings, since: date | None) -> _Read:
    read = _Read()
    read.operations = await stored.operations(session)
    read.histories = await stored.action_histories(session, since)
    kinds = await stored.plan_kinds(session)
    glances = [glance for glance in await plan_store.plans_at_a_glance(session)
               if since is None or glance.adopted_on >= since]
    read.outcomes = [update_outcome(row, kinds[row.glance.id]) for row in plan_rows(glances, now, ladder)]
    read.questions = await ticket_store.question_rows(session, since=start_of(since))
    read.reach = await stored.notice_reach(session, start_of(since))
    read.opted_out = await stored.opted_out_by_operation(session)
    read.notices = await stored.released_count(session, start_of(since))
    return read


async def build_brief(session: Session, index: SearchIndex, now: datetime, ladder: LadderSettings, *,
                      since: date | None = None, language: str = "en") -> Brief:
    """The whole brief, read in one transaction."""
    read = await _read(session, now, ladder, since)
    hidden = [operation for operation in read.operations if operation.sharing is Sharing.NONE]
    named = len(read.operations) - len(hidden)
    histories = read.histories
    stalled = sum(current_status(history) in STALLED for history in histories)
    overview = (t("trends.intro", language, operations=len(read.operations), plans=len(read.outcomes),
                  actions=len(histories), questions=len(read.questions), notices=read.notices),
                t("trends.confidentiality", language, named=named, others=len(hidden)))
    confident = sum(row.confident for row in read.questions)
    share = round(100 * confident / len(read.questions)) if read.questions else 0
    late = sum(outcome.outcome in ("late", "overdue") for outcome in read.outcomes)
    sections = (
        Section(t("trends.section_actions", language),
                (t("trends.actions_summary", language, stalled=stalled, total=len(histories)),),
                (actions_table(histories, language), stalls_table(histories, now, language))),
        Section(t("trends.section_updates", language),
                (t("trends.updates_summary", language, late=late, plans=len(read.outcomes)),),
                (updates_table(read.outcomes, language),)),
        Section(t("trends.section_questions", language),
                (t("trends.questions_summary", language, questions=len(read.questions), share=share),),
                (questions_table(index, read.questions, language), answers_table(read.questions, language),
                 themes_table(index, read.questions, language))),
        Section(t("trends.section_notices", language), (),
                (reach_table(read.operations, read.reach, read.opted_out, language),)),
    )
    return Brief(language, now, since, (Section(t("trends.section_overview", language), overview, ()), *sections))
