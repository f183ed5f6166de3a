"""Passed questions (tickets), the answers being written to them, and the questions listed for the
secretariat. Every query of the "ask an expert" loop is here; handlers/secretariat/tickets decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from storage.models import (
    AnswerDraft,
    AnswerDraftStep,
    Operation,
    OutboxMessage,
    OutboxStatus,
    Person,
    QuestionLog,
    Role,
    Ticket,
    TicketState,
)
from storage.upsert import insert_or_ignore

_LOADED = (selectinload(Ticket.person).selectinload(Person.operation), selectinload(Ticket.operation),
           selectinload(Ticket.answered_by))


async def ticket_by_id(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """A ticket with its asker, operation and answerer, locked for this transaction: two members
    pressing Answer at once are served one after the other."""
    found = await session.execute(select(Ticket).where(Ticket.id == ticket_id).options(*_LOADED).with_for_update())
    return found.scalars().first()


async def ticket_for_question(session: AsyncSession, question_id: int) -> Ticket | None:
    found = await session.execute(select(Ticket).where(Ticket.question_id == question_id).options(*_LOADED)
                                  .with_for_update())
    return found.scalars().first()


async def add_ticket(session: AsyncSession, *, question: QuestionLog, note: str | None, person: Person | None,
                     asker_name: str | None, chat_id: str, language: str, now: datetime) -> Ticket:
    ticket = Ticket(question_id=question.id, question=question.question, note=note,
                    person_id=person.id if person else None, asker_name=asker_name, platform=question.platform,
                    external_user_id=question.external_user_id, chat_id=chat_id,
                    operation_id=person.operation_id if person else None, language=language,
                    result_ids=list(question.result_ids), state=TicketState.OPEN, created_at=now, updated_at=now,
                    told=1, answers_sent=0, reopened=0)
    session.add(ticket)
    await session.flush()
    loaded = await ticket_by_id(session, ticket.id)
    assert loaded is not None
    return loaded


async def answered_for_asker(session: AsyncSession, platform: str, external_user_id: str,
                             person_id: int | None) -> Ticket | None:
    """The asker's most recently answered ticket still waiting for their word (thanks, or it missed).
    A registered person is matched on any of their chats: the answer may reach them on another."""
    asker = Ticket.person_id == person_id if person_id is not None else None
    account = (Ticket.platform == platform) & (Ticket.external_user_id == external_user_id)
    theirs = or_(account, asker) if asker is not None else account
    found = await session.execute(
        select(Ticket).where(Ticket.state == TicketState.ANSWERED, theirs)
        .options(*_LOADED).order_by(Ticket.answered_at.desc(), Ticket.id.desc()).limit(1).with_for_update())
    return found.scalars().first()


async def last_asked_at(session: AsyncSession, platform: str, external_user_id: str) -> datetime | None:
    found = await session.execute(select(QuestionLog.asked_at).where(
        QuestionLog.platform == platform, QuestionLog.external_user_id == external_user_id)
        .order_by(QuestionLog.id.desc()).limit(1))
    return found.scalars().first()


async def open_tickets(session: AsyncSession) -> list[Ticket]:
    """Tickets waiting for the secretariat, oldest first."""
    found = await session.execute(select(Ticket).where(Ticket.state == TicketState.OPEN).options(*_LOADED)
                                  .order_by(Ticket.created_at, Ticket.id))
    return list(found.scalars())


async def secretariat(session: AsyncSession) -> list[Person]:
    """The members told of a passed question (role secretariat, as for overdue plans), each with the
    operation whose hours apply when they set no timezone of their own."""
    found = await session.execute(select(Person).where(Person.role == Role.SECRETARIAT)
                                  .options(selectinload(Person.operation)).order_by(Person.id))
    return list(found.scalars())


async def enqueue_to_chat(session: AsyncSession, *, dedupe_key: str, kind: str, platform: str, chat_id: str,
                          payload: dict[str, Any], due_at: datetime, now: datetime) -> bool:
    """Queues a proactive message for a chat rather than a person (the secretariat's Slack channel;
    a stranger's chat, which belongs to no registration); whether it was new."""
    inserted = await insert_or_ignore(
        session, OutboxMessage,
        {"dedupe_key": dedupe_key, "kind": kind, "person_id": None, "platform": platform, "chat_id": chat_id,
         "thread": None, "payload": payload, "due_at": due_at, "created_at": now, "status": OutboxStatus.PENDING,
         "attempts": 0},
        conflict=["dedupe_key"], returning=[OutboxMessage.id])
    return bool(inserted)


async def answer_reached_asker(session: AsyncSession, dedupe_key: str) -> datetime | None:
    """When the answer queued under this key went out (sent, or handed to the platform: in doubt);
    None while it waits."""
    found = (await session.execute(select(OutboxMessage.status, OutboxMessage.sent_at, OutboxMessage.due_at)
                                   .where(OutboxMessage.dedupe_key == dedupe_key))).first()
    if found is None or found.status not in (OutboxStatus.SENT, OutboxStatus.SENDING):
        return None
    moment: datetime = found.sent_at or found.due_at
    return moment


async def answer_draft_of(session: AsyncSession, person_id: int) -> AnswerDraft | None:
    """The answer this member is writing, locked for this transaction."""
    found = await session.execute(select(AnswerDraft).where(AnswerDraft.person_id == person_id).with_for_update())
    return found.scalars().first()


async def start_answer_draft(session: AsyncSession, person_id: int, ticket_id: int, now: datetime) -> AnswerDraft:
    """A new answer to write; one a member at a time, so a draft to another ticket is replaced."""
    draft = await answer_draft_of(session, person_id)
    if draft is None:
        draft = AnswerDraft(person_id=person_id, ticket_id=ticket_id, step=AnswerDraftStep.TEXT, started_at=now)
        session.add(draft)
    else:
        draft.ticket_id, draft.step, draft.text, draft.started_at = ticket_id, AnswerDraftStep.TEXT, None, now
    await session.flush()
    return draft


async def drop_answer_draft(session: AsyncSession, draft: AnswerDraft) -> None:
    await session.delete(draft)
    await session.flush()


@dataclass(frozen=True, slots=True)
class QuestionRow:
    """A logged question for the secretariat's lists: who asked, from where, what became of it."""

    id: int
    asked_at: datetime
    platform: str
    external_user_id: str
    question: str
    confident: bool
    feedback: str | None
    passed_on: bool
    result_ids: list[str]
    person_id: int | None
    name: str
    email: str
    operation: str
    ticket_id: int | None
    ticket_state: TicketState | None
    note: str | None
    answer: str | None
    answered_by: str
    answered_at: datetime | None
    library_id: str | None

    @property
    def asker_key(self) -> str:
        """One key a person: their registration, else their chat account."""
        return f"person:{self.person_id}" if self.person_id is not None else f"{self.platform}:{self.external_user_id}"


async def question_rows(session: AsyncSession, *, unanswered_only: bool = False,
                        since: datetime | None = None) -> list[QuestionRow]:
    """Every logged question (or the unanswered ones: no confident answer, passed on, or marked not
    useful), oldest first, with its asker, their operation (the one the ticket recorded, else the
    person's) and its ticket."""
    asker_operation = aliased(Operation)
    ticket_operation = aliased(Operation)
    answerer = aliased(Person)
    query = (select(QuestionLog, Person.name, Person.email, asker_operation.name, Ticket, ticket_operation.name,
                    answerer.name)
             .outerjoin(Person, QuestionLog.person_id == Person.id)
             .outerjoin(asker_operation, Person.operation_id == asker_operation.id)
             .outerjoin(Ticket, Ticket.question_id == QuestionLog.id)
             .outerjoin(ticket_operation, Ticket.operation_id == ticket_operation.id)
             .outerjoin(answerer, Ticket.answered_by_id == answerer.id)
             .order_by(QuestionLog.asked_at, QuestionLog.id))
    if unanswered_only:
        query = query.where(QuestionLog.confident.is_(False) | QuestionLog.passed_on.is_(True)
                            | (QuestionLog.feedback == "not_useful"))
    if since is not None:
        query = query.where(QuestionLog.asked_at >= since)
    rows = []
    for entry, name, email, operation, ticket, recorded_operation, answered_by in await session.execute(query):
        rows.append(QuestionRow(
            id=entry.id, asked_at=entry.asked_at, platform=entry.platform, external_user_id=entry.external_user_id,
            question=entry.question, confident=entry.confident, feedback=entry.feedback, passed_on=entry.passed_on,
            result_ids=list(entry.result_ids), person_id=entry.person_id,
            name=name or (ticket.asker_name if ticket is not None and ticket.asker_name else ""), email=email or "",
            operation=recorded_operation or operation or "", ticket_id=ticket.id if ticket is not None else None,
            ticket_state=ticket.state if ticket is not None else None,
            note=ticket.note if ticket is not None else None, answer=ticket.answer if ticket is not None else None,
            answered_by=answered_by or "", answered_at=ticket.answered_at if ticket is not None else None,
            library_id=ticket.library_id if ticket is not None else None))
    return rows
