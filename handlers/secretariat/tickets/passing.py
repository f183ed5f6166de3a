"""``/pass``: a question becomes a ticket, and the secretariat is told where it works.

The telling goes through the outbox, one row for the Slack channel (``HCBOT_SECRETARIAT_CHANNEL``)
or one per secretariat member, under a key made of the ticket and how many times it was told: a
question passed, then reopened, then given a note is told three times, each exactly once, whatever
retries or replicas do. Each row waits for the secretariat's working hours (the member's own zone,
else the channel's), as deadline nudges wait for the operation's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.context import HandlerContext, Turn
from handlers.dates import short_date
from handlers.errors import BadInput
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic, reply_to_json, text_reply
from handlers.nudges.deadlines import sending_slot
from knowledge import shorten
from storage import outbox
from storage import tickets as stored
from storage.database import Session
from storage.models import Person, QuestionLog, Role, Ticket, TicketState

logger = logging.getLogger(__name__)

MAX_NOTE = 500
"""A note says what the question needs ("also in French please"); the question itself says the rest."""
MAX_NOTES = 2000
QUOTED = 300
"""How much of a question a chat message quotes: the whole of most, and a long one stays readable."""
WEEKDAYS = (1, 2, 3, 4, 5)


def quoted(text: str, limit: int = QUOTED) -> str:
    return shorten(text, limit)


def platform_name(platform: str) -> str:
    return {"telegram": "Telegram", "slack": "Slack", "console": "console"}.get(platform, platform)


def asker(ticket: Ticket, language: str) -> str:
    """Who asked, in a few words: "Amina Example", or "someone not registered (Telegram)"."""
    if ticket.person is not None:
        return ticket.person.name
    if ticket.asker_name:
        return t("ticket.stranger_named", language, name=ticket.asker_name, platform=platform_name(ticket.platform))
    return t("ticket.stranger", language, platform=platform_name(ticket.platform))


def _asker_details(ticket: Ticket, language: str) -> str:
    """The asker as the secretariat needs them to follow up: role, operation, e-mail."""
    person = ticket.person
    if person is None:
        return asker(ticket, language)
    parts = [person.name, t(f"role.{person.role.value}", language)]
    if ticket.operation is not None:
        parts.append(ticket.operation.name)
    return f"{', '.join(parts)} · {person.email}"


def told_reply(context: HandlerContext, ticket: Ticket, reason: str, language: str) -> Reply:
    """The secretariat's message about a ticket: who asks what, what the bot had found, and the
    Answer and Close buttons. ``reason``: "new", "reopened" or "note"."""
    builder = ReplyBuilder().add(bold(t(f"ticket.told_{reason}", language, id=ticket.id)))
    describe(builder, context, ticket, language, previous_answer=reason == "reopened")
    builder.add(t("ticket.how", language, id=ticket.id))
    builder.button(t("button.answer", language), f"tk:answer:{ticket.id}")
    builder.button(t("button.close", language), f"tk:close:{ticket.id}")
    return builder.build()


def describe(builder: ReplyBuilder, context: HandlerContext, ticket: Ticket, language: str, *,
             previous_answer: bool) -> None:
    """Who asked, when and what, their note, and what the bot had found."""
    builder.add(t("ticket.from", language, who=_asker_details(ticket, language)))
    builder.add(t("ticket.asked", language, date=short_date(ticket.created_at, language),
                  spoken=t(f"language.{ticket.language}", language)))
    builder.add(italic(f"“{quoted(ticket.question)}”"))
    if ticket.note:
        builder.add(t("ticket.note", language, note=quoted(ticket.note)))
    if previous_answer and ticket.answer and ticket.answered_at is not None:
        builder.add(t("ticket.previous_answer", language, date=short_date(ticket.answered_at, language),
                      answer=quoted(ticket.answer, 200)))
    titles = [product.title for product in (context.index.get(pid) for pid in ticket.result_ids[:3])
              if product is not None]
    builder.add(t("ticket.found", language, titles="; ".join(titles)) if titles
                else t("ticket.found_nothing", language))


def member_slot(context: HandlerContext, member: Person, now: datetime) -> datetime:
    """Now, or the member's next working morning: their own zone, their operation's, or the desk's."""
    operation = member.operation
    zone = member.timezone or (operation.timezone if operation is not None else None) or context.desk.timezone
    days = frozenset(operation.working_days) if operation is not None else frozenset(WEEKDAYS)
    return sending_slot(now, zone, days, context.hours)


async def tell_secretariat(context: HandlerContext, session: Session, ticket: Ticket, reason: str,
                           now: datetime) -> int:
    """Queues the secretariat's message about ``ticket`` (its ``told``-th telling); how many rows."""
    desk = context.desk
    if desk.channel:
        # A channel is read by the whole team, in the language they work in: English.
        payload = {**reply_to_json(told_reply(context, ticket, reason, "en")), "language": "en",
                   "proactive": True, "to": t("ticket.channel_label", "en")}
        due_at = sending_slot(now, desk.timezone, frozenset(WEEKDAYS), context.hours)
        return int(await stored.enqueue_to_chat(
            session, dedupe_key=f"ticket:{ticket.id}:told:{ticket.told}:channel", kind="ticket",
            platform=desk.channel_platform, chat_id=desk.channel, payload=payload, due_at=due_at, now=now))
    members = await stored.secretariat(session)
    if not members:
        logger.warning("ticket %s passed, but there is no secretariat member to tell and no "
                       "HCBOT_SECRETARIAT_CHANNEL", ticket.id)
    queued = 0
    for member in members:
        queued += await outbox.enqueue(
            session, dedupe_key=f"ticket:{ticket.id}:told:{ticket.told}:{member.id}", kind="ticket",
            person_id=member.id, payload=reply_to_json(told_reply(context, ticket, reason, member.language)),
            due_at=member_slot(context, member, now), now=now)
    return queued


def _add_note(ticket: Ticket, note: str) -> None:
    ticket.note = f"{ticket.note}\n{note}"[-MAX_NOTES:] if ticket.note else note


async def reopen(context: HandlerContext, session: Session, ticket: Ticket, now: datetime,
                 note: str | None = None) -> None:
    """The answer missed: the ticket is open again and the secretariat is told again."""
    ticket.state = TicketState.OPEN
    ticket.reopened += 1
    ticket.told += 1
    ticket.closed_at, ticket.closed_by_id, ticket.updated_at = None, None, now
    if note:
        _add_note(ticket, note)
    await tell_secretariat(context, session, ticket, "reopened", now)


async def pass_question(turn: Turn, entry: QuestionLog, note: str) -> list[Reply]:
    """``entry`` (the person's last question, or the one a button named) to the secretariat, with
    ``note``; says which question it was, and, passed before, what became of it."""
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise BadInput("pass.note_too_long", limit=MAX_NOTE)
    language, session, now = turn.language, turn.session, turn.now
    ticket = await stored.ticket_for_question(session, entry.id)
    if ticket is None:
        entry.passed_on = True
        ticket = await stored.add_ticket(session, question=entry, note=note or None, person=turn.person,
                                         asker_name=turn.message.display_name, chat_id=turn.message.chat_id,
                                         language=language, now=now)
        await tell_secretariat(turn.context, session, ticket, "new", now)
        builder = ReplyBuilder().add(t("pass.done", language, id=ticket.id, question=quoted(ticket.question)))
        if note:
            builder.add(t("pass.with_note", language, note=note))
        builder.add(t("pass.when_registered" if turn.person is not None else "pass.when_stranger", language))
        return [builder.build()]
    if ticket.state is TicketState.OPEN:
        if not note:
            return [text_reply(t("pass.already", language, id=ticket.id, question=quoted(ticket.question)))]
        _add_note(ticket, note)
        ticket.told += 1
        ticket.updated_at = now
        await tell_secretariat(turn.context, session, ticket, "note", now)
        return [text_reply(t("pass.note_added", language, id=ticket.id))]
    if not note:
        if ticket.state is TicketState.ANSWERED and ticket.answered_at is not None:
            return [text_reply(t("pass.answered", language, id=ticket.id,
                                 date=short_date(ticket.answered_at, language)))]
        return [text_reply(t("pass.closed", language, id=ticket.id))]
    await reopen(turn.context, session, ticket, now, note)
    return [text_reply(t("pass.reopened", language, id=ticket.id))]


def is_secretariat(person: Person | None) -> bool:
    return person is not None and person.role in (Role.SECRETARIAT, Role.ADMIN)
