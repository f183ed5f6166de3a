"""What the secretariat sees of the questions: the tickets waiting for it, and what people keep
asking that the library does not answer ("7 people asked about cash..."), in the chat
(``/questions``) and on the command line (``hcbot admin questions``, ``--csv``, ``--json``).

Repeated questions are grouped the way the search reads them: two questions go together when they
name the same topics (or neither names one) and their meaningful words, stemmed, match closely
(rapidfuzz's token set ratio), so "cash in cities" and "urban cash transfers" meet and "cash in
cities" and "PSEA in cities" do not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz, process

from handlers import spreadsheet
from handlers.context import Turn
from handlers.dates import short_date
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, italic
from handlers.secretariat.tickets.answering import find_ticket, require_secretariat, ticket_number
from handlers.secretariat.tickets.passing import asker, describe, quoted
from knowledge import SearchIndex, topic_name
from storage import tickets as stored
from storage.database import Database
from storage.models import Ticket, TicketState
from storage.tickets import QuestionRow

GROUP_SIMILARITY = 70
"""Token set ratio (0-100) over two questions' stems from which they count as the same question."""
GROUP_WINDOW = timedelta(days=30)
LEAST_PEOPLE = 2
SHOWN_TICKETS = 10
SHOWN_GROUPS = 5
MOST_QUESTIONS = 2000
"""Grouping compares every pair: the newest this many unanswered questions are plenty to see a trend."""


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Unanswered questions that ask the same thing: by how many people, about which topic, and the
    question that stands for them (the one closest to all the others)."""

    people: int
    topic: str | None
    example: str
    question_ids: tuple[int, ...]


def _reading(index: SearchIndex, question: str) -> tuple[frozenset[str], str]:
    parsed = index.parse(question)
    stems = sorted(set(parsed.content_stems) | {term for term in parsed.terms if term.startswith("@")})
    return frozenset(parsed.topics), " ".join(stems)


def repeated_questions(index: SearchIndex, rows: Sequence[QuestionRow], *, least: int = LEAST_PEOPLE,
                       similarity: int = GROUP_SIMILARITY) -> list[QuestionGroup]:
    """Groups of the same question asked by at least ``least`` people, the biggest first. Questions
    whose answer is in the library now are not what the library lacks, and are left out."""
    chosen = [row for row in rows if row.library_id is None][-MOST_QUESTIONS:]
    if not chosen:
        return []
    readings = [_reading(index, row.question) for row in chosen]
    texts = [text for _topics, text in readings]
    scores = process.cdist(texts, texts, scorer=fuzz.token_set_ratio, processor=None, workers=-1)
    groups: list[list[int]] = []
    for position, (topics, text) in enumerate(readings):
        if not text:
            continue
        for group in groups:
            seed_topics = readings[group[0]][0]
            same_topic = bool(topics & seed_topics) if topics or seed_topics else True
            if same_topic and scores[position][group[0]] >= similarity:
                group.append(position)
                break
        else:
            groups.append([position])
    found = []
    for group in groups:
        people = len({chosen[position].asker_key for position in group})
        if people < least:
            continue
        medoid = max(group, key=lambda position: (sum(scores[position][other] for other in group), -position))
        counted = Counter(topic for position in group for topic in readings[position][0])
        topic = counted.most_common(1)[0][0] if counted else None
        found.append(QuestionGroup(people, topic, chosen[medoid].question,
                                   tuple(chosen[position].id for position in group)))
    return sorted(found, key=lambda group: (-group.people, group.question_ids[0]))


def group_line(group: QuestionGroup, language: str) -> str:
    example = quoted(group.example, 120)
    if group.topic is not None:
        return tn("questions.group_topic", group.people, language, topic=topic_name(group.topic, language),
                  example=example)
    return tn("questions.group", group.people, language, example=example)


def _state_line(ticket: Ticket, language: str) -> str:
    state = t(f"ticket.state_{ticket.state.value}", language)
    if ticket.answer and ticket.answered_at is not None:
        name = ticket.answered_by.name if ticket.answered_by is not None else t("ticket.someone", language)
        return t("ticket.state_answered_by", language, state=state, name=name,
                 date=short_date(ticket.answered_at, language), answer=quoted(ticket.answer, 200))
    return t("ticket.state_line", language, state=state)


def ticket_detail(turn: Turn, ticket: Ticket) -> Reply:
    """One ticket with its state and the buttons that still apply."""
    language = turn.language
    builder = ReplyBuilder().add(bold(t("ticket.detail_title", language, id=ticket.id)))
    describe(builder, turn.context, ticket, language, previous_answer=False)
    builder.add(italic(_state_line(ticket, language)))
    if ticket.library_id:
        builder.add(italic(t("ticket.in_library", language, product=ticket.library_id)))
    if ticket.state is TicketState.OPEN:
        builder.add(t("ticket.how", language, id=ticket.id))
        builder.button(t("button.answer", language), f"tk:answer:{ticket.id}")
    if ticket.state is not TicketState.CLOSED:
        builder.button(t("button.close", language), f"tk:close:{ticket.id}")
    if ticket.answer and not ticket.library_id:
        builder.button(t("button.add_library", language), f"tk:lib:{ticket.id}")
    return builder.build()


async def questions(turn: Turn, args: str) -> list[Reply]:
    """Secretariat: the passed questions waiting for an answer, and what people keep asking."""
    require_secretariat(turn, "ticket.list_not_secretariat")
    language = turn.language
    if args.strip():
        ticket = await find_ticket(turn, ticket_number(args.split()[0], "questions.usage"))
        return [ticket_detail(turn, ticket)]
    waiting = await stored.open_tickets(turn.session)
    builder = ReplyBuilder()
    if waiting:
        builder.add(bold(tn("questions.open", len(waiting), language)))
        for ticket in waiting[:SHOWN_TICKETS]:
            builder.add(t("questions.item", language, id=ticket.id, date=short_date(ticket.created_at, language),
                          who=asker(ticket, language), question=quoted(ticket.question, 120)))
        if len(waiting) > SHOWN_TICKETS:
            builder.add(tn("questions.more_open", len(waiting) - SHOWN_TICKETS, language))
    else:
        builder.add(bold(t("questions.none_open", language)))
    rows = await stored.question_rows(turn.session, unanswered_only=True, since=turn.now - GROUP_WINDOW)
    groups = repeated_questions(turn.context.index, rows)
    if groups:
        builder.blank().add(bold(t("questions.groups_title", language)))
        for group in groups[:SHOWN_GROUPS]:
            builder.add(group_line(group, language))
    builder.blank().add(italic(t("questions.hint", language, id=waiting[0].id if waiting else 7)))
    return [builder.build()]


# ------------------------------------------------------------------------------ the command line

CSV_COLUMNS = ("question_id", "asked_at", "asker", "email", "operation", "platform", "question", "library_answer",
               "feedback", "ticket", "state", "note", "answered_by", "answered_at", "answer", "in_library")


@dataclass(frozen=True, slots=True)
class Listing:
    rows: list[QuestionRow]
    groups: list[QuestionGroup]


async def listing(database: Database, index: SearchIndex, now: datetime, *, unanswered_only: bool) -> Listing:
    """Everything ``hcbot admin questions`` shows: the questions (with their tickets) and the groups
    of repeated unanswered ones of the last 30 days."""
    async with database.transaction() as session:
        rows = await stored.question_rows(session, unanswered_only=unanswered_only)
        recent = await stored.question_rows(session, unanswered_only=True, since=now - GROUP_WINDOW)
    return Listing(rows, repeated_questions(index, recent))


def _library_answer(row: QuestionRow) -> str:
    if row.confident:
        return "not useful" if row.feedback == "not_useful" else "confident"
    return "none"


def csv_text(rows: Sequence[QuestionRow]) -> str:
    """One line a question, its ticket's columns filled when it was passed: a spreadsheet the
    secretariat can sort by operation, state or date."""
    return spreadsheet.csv_text(CSV_COLUMNS, ([
            row.id, row.asked_at.isoformat(timespec="seconds"), row.name, row.email, row.operation, row.platform,
            row.question, _library_answer(row), row.feedback or "", row.ticket_id or "",
            row.ticket_state.value if row.ticket_state else "", row.note or "", row.answered_by,
            row.answered_at.isoformat(timespec="seconds") if row.answered_at else "", row.answer or "",
            row.library_id or ""] for row in rows))


def json_row(row: QuestionRow) -> dict[str, object]:
    return {"id": row.id, "asked_at": row.asked_at.isoformat(), "platform": row.platform, "question": row.question,
            "confident": row.confident, "feedback": row.feedback, "passed_on": row.passed_on,
            "results": row.result_ids, "asker": row.name or None, "email": row.email or None,
            "operation": row.operation or None, "ticket": row.ticket_id,
            "state": row.ticket_state.value if row.ticket_state else None, "note": row.note,
            "answered_by": row.answered_by or None,
            "answered_at": row.answered_at.isoformat() if row.answered_at else None, "answer": row.answer,
            "in_library": row.library_id}


def _who(row: QuestionRow) -> str:
    if row.email:
        return f"{row.name} <{row.email}>" + (f", {row.operation}" if row.operation else "")
    return f"{row.name or 'not registered'} ({row.platform})"


def text_lines(found: Listing) -> list[str]:
    """The shell's listing: passed questions with their state first, then the rest, then the groups."""
    lines: list[str] = []
    passed = [row for row in found.rows if row.ticket_id is not None]
    others = [row for row in found.rows if row.ticket_id is None]
    if passed:
        lines.append(f"Passed to the secretariat ({len(passed)}):")
        for row in passed:
            state = row.ticket_state.value if row.ticket_state else "?"
            lines.append(f"  #{row.ticket_id} {row.asked_at:%Y-%m-%d %H:%M} [{state}] {_who(row)}: {row.question}")
            if row.note:
                lines.append(f"      note: {' / '.join(row.note.splitlines())}")
            if row.answered_at is not None:
                lines.append(f"      answered by {row.answered_by or '?'} on {row.answered_at:%Y-%m-%d}"
                             + (f"; in the library as {row.library_id}" if row.library_id else ""))
    if others:
        lines.append(f"Other questions ({len(others)}):")
        for row in others:
            flags = [flag for flag, on in (("no answer", not row.confident),
                                           ("not useful", row.feedback == "not_useful")) if on]
            lines.append(f"  {row.asked_at:%Y-%m-%d %H:%M} [{', '.join(flags) or 'answered'}] {_who(row)}: "
                         f"{row.question}")
    if found.groups:
        lines.append("Asked again and again, not answered by the library (last 30 days):")
        for group in found.groups:
            about = f" about {topic_name(group.topic)}" if group.topic else ""
            lines.append(f"  {group.people} people{about}: \"{quoted(group.example, 120)}\" "
                         f"(questions {', '.join(map(str, group.question_ids))})")
    if not lines:
        lines.append("No question yet.")
    return lines
