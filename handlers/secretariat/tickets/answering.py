"""The secretariat answers a passed question, and the asker says whether it helped.

Two ways to answer: ``/answer 7 TEXT`` in one message, or the Answer button (or ``/answer 7``
alone), which opens a short dialogue kept in the ``answer_drafts`` table: the text, then a preview
with Send / Send and add to the library / Cancel. A restart, or switching platforms, resumes it.

The answer goes to the asker through the outbox, in their working hours, quoting their question,
with "Thanks, it helps" and "Not what I needed" buttons; the same words typed count too, as long as
the answer is the last thing the asker heard about (no question asked since it arrived). Thanks
closes the ticket; "not what I needed" reopens it and the secretariat is told again.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from handlers.answers.bridge import small_talk
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic, reply_to_json, text_reply
from handlers.nudges.deadlines import sending_slot
from handlers.secretariat.tickets import library
from handlers.secretariat.tickets.passing import WEEKDAYS, asker, is_secretariat, quoted, reopen
from knowledge.text import STOPWORDS, words
from storage import outbox
from storage import tickets as stored
from storage.models import AnswerDraft, AnswerDraftStep, Person, Ticket, TicketState

MAX_ANSWER = 3000
"""An answer fits one chat message with its quote (Telegram takes 4,096); more belongs in a link."""
CANCEL_WORDS = frozenset({"cancel", "annuler", "stop"})
SEND_WORDS = frozenset({"send", "envoyer", "yes", "oui", "ok"})

# What an asker says to an answer, in English and French, compared as folded words ("ça" is "ca").
MISSED = tuple(" ".join(words(phrase)) for phrase in (
    "not what I needed", "not what I need", "not really what I needed", "not really what I need",
    "not what I was looking for", "not what I asked", "does not help", "doesn't help", "did not help",
    "didn't help", "doesnt help", "didnt help", "not helpful", "no help", "not useful", "does not answer",
    "doesn't answer", "that's not it",
    "pas ce qu'il me fallait", "pas ce qu'il me faut", "pas ce dont j'avais besoin", "pas ce dont j'ai besoin",
    "pas ce que je cherchais", "pas ce que je demandais", "ça n'aide pas", "cela n'aide pas", "ça ne m'aide pas",
    "pas utile", "ne répond pas", "ça ne répond pas",
))
HELPED = tuple(" ".join(words(phrase)) for phrase in (
    "thanks", "thank you", "that helps", "it helps", "this helps", "helpful", "very helpful", "perfect", "great",
    "merci", "ça aide", "ça m'aide", "cela m'aide", "parfait", "super", "très utile", "utile",
))
# "No thanks" / "non merci" turns something down: not a word on whether the answer helped.
REFUSING = frozenset({"no", "non", "nope"})
REACTION_WORDS = 10
"""A reaction is a short message: longer, or asking something, it is a new question (even with "thanks")."""
FUZZY_PHRASE = 12
"""Phrases at least this long are matched despite a typo ("not waht I needed")."""


@lru_cache(maxsize=4)
def _prepared(phrases: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The phrases padded with a space either side, and those long enough to match despite a typo."""
    return (tuple(f" {phrase} " for phrase in phrases),
            tuple(phrase for phrase in phrases if len(phrase) >= FUZZY_PHRASE))


def _says(said: str, phrases: tuple[str, ...]) -> bool:
    padded_phrases, long_phrases = _prepared(phrases)
    padded = f" {said} "
    if any(phrase in padded for phrase in padded_phrases):
        return True
    # Only against a message about as long as the phrase: a short one ("ok") always lies
    # somewhere inside a long phrase ("looking"). One call into rapidfuzz for all of them: this
    # runs on every short message, most of which are questions.
    near = [phrase for phrase in long_phrases if len(said) >= len(phrase) - 3]
    return bool(near) and process.extractOne(said, near, scorer=fuzz.partial_ratio, score_cutoff=90) is not None


# Words that only point at the answer being judged ("the PSEA *answer* did not help"): they say
# nothing the person wants to know about.
POINTING = frozenset({"answer", "answers", "reply", "replies", "response", "result", "results", "one", "help",
                      "helps", "helped", "useful", "helpful", "really", "reponse", "reponses", "resultat",
                      "resultats", "aide", "aident", "besoin", "fallait", "faut", "vraiment", "utile"})


def beyond_reaction(text: str) -> str:
    """What a message says besides a "not what I needed" phrase and words pointing at the answer:
    "the cluster system does not help with access negotiation" leaves "cluster system access
    negotiation", "the PSEA answer did not help" leaves "psea", "pas ce dont j'ai besoin" nothing."""
    padded = f" {' '.join(words(text))} "
    for phrase in MISSED:
        padded = padded.replace(f" {phrase} ", " ")
    return " ".join(word for word in padded.split() if word not in STOPWORDS and word not in POINTING)


def reaction_kind(turn: Turn, text: str) -> str | None:
    """"missed", "helped", or None: what a short message says about an answer (words only)."""
    said = words(text)
    if not said or len(said) > REACTION_WORDS or ("?" in text and len(said) > 3):
        return None
    folded = " ".join(said)
    if _says(folded, MISSED):
        return "missed"
    if REFUSING.intersection(said):
        return None
    chat = small_talk(turn.context.index, text)
    if (chat is not None and chat.kind == "thanks") or _says(folded, HELPED):
        return "helped"
    return None


def require_secretariat(turn: Turn, refusal: str = "ticket.not_secretariat") -> Person:
    if not is_secretariat(turn.person):
        raise AccessDenied(refusal)
    assert turn.person is not None
    return turn.person


def ticket_number(text: str, usage: str) -> int:
    wanted = text.strip().lstrip("#").removeprefix("n°").strip()
    if not wanted.isdigit() or len(wanted) > 9:
        raise BadInput(usage)
    return int(wanted)


async def find_ticket(turn: Turn, number: int) -> Ticket:
    ticket = await stored.ticket_by_id(turn.session, number)
    if ticket is None:
        raise NotFound("ticket.unknown", id=number)
    return ticket


def _blocked(ticket: Ticket, language: str) -> str | None:
    """Why this ticket cannot be answered now, or None."""
    if ticket.state is TicketState.ANSWERED and ticket.answered_at is not None:
        name = ticket.answered_by.name if ticket.answered_by is not None else t("ticket.someone", language)
        return t("ticket.already_answered", language, id=ticket.id, name=name,
                 date=short_date(ticket.answered_at, language))
    if ticket.state is TicketState.CLOSED:
        return t("ticket.already_closed", language, id=ticket.id,
                 date=short_date(ticket.closed_at or ticket.updated_at, language))
    return None


def _asker_slot(turn: Turn, ticket: Ticket) -> datetime:
    """The asker's working hours: their zone and their operation's days; a stranger, whose hours
    nobody knows, gets it at once (they are waiting in that chat)."""
    person = ticket.person
    if person is None:
        return turn.now
    operation = person.operation
    zone = person.timezone or (operation.timezone if operation is not None else None) or turn.context.desk.timezone
    days = frozenset(operation.working_days) if operation is not None else frozenset(WEEKDAYS)
    return sending_slot(turn.now, zone, days, turn.context.hours)


def asker_reply(ticket: Ticket, answerer: Person, language: str) -> Reply:
    """The answer as the asker reads it: their question quoted, the words, who gave them, and the
    two buttons that say whether it helped."""
    assert ticket.answer is not None
    builder = ReplyBuilder().add(bold(t("ticket.answer_title", language, id=ticket.id)))
    builder.add(italic(t("ticket.you_asked", language, date=short_date(ticket.created_at, language),
                         question=quoted(ticket.question))))
    builder.blank()
    for paragraph in ticket.answer.splitlines():
        if paragraph.strip():
            builder.add(paragraph.rstrip())
        else:
            builder.blank()
    builder.add(t("ticket.signed", language, name=answerer.name))
    builder.blank().add(t("ticket.did_it_help", language))
    builder.button(t("button.thanks", language), f"tk:thanks:{ticket.id}")
    builder.button(t("button.missed", language), f"tk:missed:{ticket.id}")
    return builder.build()


def _answer_text(text: str) -> str:
    cleaned = "\n".join(line.rstrip() for line in text.strip().splitlines()).strip()
    if len(cleaned) < 2:
        raise BadInput("ticket.answer_usage")
    if len(cleaned) > MAX_ANSWER:
        raise BadInput("ticket.answer_too_long", limit=MAX_ANSWER)
    return cleaned


async def _send(turn: Turn, person: Person, ticket: Ticket, text: str, *, add: bool = False) -> list[Reply]:
    """Records the answer and queues it to the asker; says to whom and when, and offers the library."""
    language = turn.language
    ticket.answer, ticket.state = text, TicketState.ANSWERED
    ticket.answered_by_id, ticket.answered_at, ticket.updated_at = person.id, turn.now, turn.now
    ticket.answered_by = person
    ticket.answers_sent += 1
    key = f"ticket:{ticket.id}:answer:{ticket.answers_sent}"
    due_at = _asker_slot(turn, ticket)
    reply = asker_reply(ticket, person, ticket.language)
    if ticket.person is not None:
        await outbox.enqueue(turn.session, dedupe_key=key, kind="ticket-answer", person_id=ticket.person.id,
                             payload=reply_to_json(reply), due_at=due_at, now=turn.now)
    else:
        await stored.enqueue_to_chat(
            turn.session, dedupe_key=key, kind="ticket-answer", platform=ticket.platform, chat_id=ticket.chat_id,
            payload={**reply_to_json(reply), "language": ticket.language, "proactive": True,
                     "to": asker(ticket, "en")},
            due_at=due_at, now=turn.now)
    draft = await stored.answer_draft_of(turn.session, person.id)
    if draft is not None and draft.ticket_id == ticket.id:
        await stored.drop_answer_draft(turn.session, draft)
    builder = ReplyBuilder().add(t("ticket.sent", language, id=ticket.id, who=asker(ticket, language)))
    if due_at > turn.now and ticket.person is not None:
        zone = ticket.person.timezone or (ticket.person.operation.timezone if ticket.person.operation else None)
        local = due_at.astimezone(ZoneInfo(zone or turn.context.desk.timezone))
        builder.add(t("ticket.sent_later", language, date=short_date(local.date(), language), time=f"{local:%H:%M}"))
    if add:
        return [builder.build(), await library.add_to_library(turn, ticket)]
    builder.add(t("ticket.offer_library", language))
    builder.button(t("button.add_library", language), f"tk:lib:{ticket.id}")
    return [builder.build()]


def _ask_text(turn: Turn, ticket: Ticket) -> Reply:
    language = turn.language
    builder = ReplyBuilder().add(bold(t("ticket.ask_text", language, id=ticket.id, who=asker(ticket, language))))
    builder.add(italic(f"“{quoted(ticket.question)}”"))
    if ticket.note:
        builder.add(t("ticket.note", language, note=quoted(ticket.note)))
    builder.add(t("ticket.ask_text_hint", language))
    builder.button(t("button.cancel", language), f"tk:cancel:{ticket.id}")
    return builder.build()


def _preview(turn: Turn, ticket: Ticket, draft: AnswerDraft, *, replaced: bool = False) -> Reply:
    language = turn.language
    builder = ReplyBuilder()
    if replaced:
        builder.add(t("ticket.replaced", language))
    builder.add(bold(t("ticket.confirm", language, id=ticket.id, who=asker(ticket, language))))
    for paragraph in (draft.text or "").splitlines():
        if paragraph.strip():
            builder.add(paragraph)
        else:
            builder.blank()
    builder.add(italic(t("ticket.confirm_hint", language)))
    builder.button(t("button.send", language), f"tk:send:{ticket.id}")
    builder.button(t("button.send_library", language), f"tk:sendlib:{ticket.id}")
    builder.button(t("button.cancel", language), f"tk:cancel:{ticket.id}")
    return builder.build()


async def _begin(turn: Turn, person: Person, ticket: Ticket) -> list[Reply]:
    blocked = _blocked(ticket, turn.language)
    if blocked is not None:
        return [text_reply(blocked)]
    await stored.start_answer_draft(turn.session, person.id, ticket.id, turn.now)
    return [_ask_text(turn, ticket)]


async def answer(turn: Turn, args: str) -> list[Reply]:
    """Secretariat: answer a passed question: /answer 7 and your answer (or /answer 7 alone)."""
    person = require_secretariat(turn)
    number, _, text = args.strip().partition(" ")
    if not number:
        raise BadInput("ticket.answer_usage")
    ticket = await find_ticket(turn, ticket_number(number, "ticket.answer_usage"))
    if not text.strip():
        return await _begin(turn, person, ticket)
    blocked = _blocked(ticket, turn.language)
    if blocked is not None:
        return [text_reply(blocked)]
    return await _send(turn, person, ticket, _answer_text(text))


async def close(turn: Turn, args: str) -> list[Reply]:
    """Secretariat: close a passed question without answering it: /close 7."""
    person = require_secretariat(turn)
    if not args.strip():
        raise BadInput("ticket.close_usage")
    ticket = await find_ticket(turn, ticket_number(args.split()[0], "ticket.close_usage"))
    return await _close(turn, person, ticket)


async def _close(turn: Turn, person: Person, ticket: Ticket) -> list[Reply]:
    language = turn.language
    if ticket.state is TicketState.CLOSED:
        return [text_reply(t("ticket.already_closed", language, id=ticket.id,
                             date=short_date(ticket.closed_at or ticket.updated_at, language)))]
    ticket.state, ticket.closed_at, ticket.closed_by_id, ticket.updated_at = (TicketState.CLOSED, turn.now, person.id,
                                                                             turn.now)
    draft = await stored.answer_draft_of(turn.session, person.id)
    if draft is not None and draft.ticket_id == ticket.id:
        await stored.drop_answer_draft(turn.session, draft)
    return [text_reply(t("ticket.closed", language, id=ticket.id))]


async def open_draft(turn: Turn) -> AnswerDraft | None:
    if not is_secretariat(turn.person):
        return None
    assert turn.person is not None
    return await stored.answer_draft_of(turn.session, turn.person.id)


def is_cancel(text: str) -> bool:
    return text.strip().lower().lstrip("/") in CANCEL_WORDS


async def continue_draft(turn: Turn, draft: AnswerDraft, text: str) -> list[Reply]:
    """A typed message while an answer is being written: its text, "send", a new text, or cancel."""
    person = require_secretariat(turn)
    ticket = await find_ticket(turn, draft.ticket_id)
    if is_cancel(text):
        await stored.drop_answer_draft(turn.session, draft)
        return [text_reply(t("ticket.draft_cancelled", turn.language))]
    blocked = _blocked(ticket, turn.language)
    if blocked is not None:
        # Someone else answered or closed it meanwhile: this draft has nowhere to go.
        await stored.drop_answer_draft(turn.session, draft)
        return [text_reply(blocked)]
    if draft.step is AnswerDraftStep.CONFIRM and text.strip().lower() in SEND_WORDS:
        return await _send(turn, person, ticket, draft.text or "")
    replaced = draft.step is AnswerDraftStep.CONFIRM
    draft.text, draft.step = _answer_text(text), AnswerDraftStep.CONFIRM
    return [_preview(turn, ticket, draft, replaced=replaced)]


async def react(turn: Turn, ticket: Ticket, kind: str) -> list[Reply]:
    """The asker's word on an answer: thanks closes the ticket, "not what I needed" reopens it."""
    language = turn.language
    if ticket.state is TicketState.CLOSED:
        return [text_reply(t("ticket.asker_closed", language, id=ticket.id))]
    if ticket.state is TicketState.OPEN:
        return [text_reply(t("ticket.asker_open", language, id=ticket.id))]
    if kind == "helped":
        ticket.state, ticket.closed_at, ticket.updated_at = TicketState.CLOSED, turn.now, turn.now
        ticket.closed_by_id = turn.person.id if turn.person is not None else None
        return [text_reply(t("ticket.thanked", language, id=ticket.id))]
    await reopen(turn.context, turn.session, ticket, turn.now)
    return [text_reply(t("ticket.reopened", language, id=ticket.id))]


def _is_asker(turn: Turn, ticket: Ticket) -> bool:
    if turn.person is not None and ticket.person_id == turn.person.id:
        return True
    return ticket.platform == turn.message.platform and ticket.external_user_id == turn.message.user_id


async def reaction(turn: Turn, kind: str | None) -> list[Reply] | None:
    """Typed thanks or "not what I needed" (``kind``, from :func:`reaction_kind`) in answer to the
    secretariat, or None when the message is not that (it is then a message like any other)."""
    if kind is None:
        return None
    person_id = turn.person.id if turn.person is not None else None
    ticket = await stored.answered_for_asker(turn.session, turn.message.platform, turn.message.user_id, person_id)
    if ticket is None:
        return None
    reached = await stored.answer_reached_asker(turn.session, f"ticket:{ticket.id}:answer:{ticket.answers_sent}")
    if reached is None:
        return None  # still waiting for their working hours: "thanks" is about something else
    asked = await stored.last_asked_at(turn.session, turn.message.platform, turn.message.user_id)
    if asked is not None and asked > reached:
        return None  # they asked the library something since: thanks are for that answer
    return await react(turn, ticket, kind)


async def press(turn: Turn, payload: str) -> list[Reply]:
    """The loop's buttons, ``tk:ACTION:TICKET``: answer, close, send, sendlib, cancel and lib for the
    secretariat; thanks and missed for the asker."""
    _prefix, action, number = [*payload.split(":", 2), "", ""][:3]
    if not number.isdigit():
        raise NotFound("unknown_button")
    if action in ("thanks", "missed"):
        ticket = await find_ticket(turn, int(number))
        if not _is_asker(turn, ticket):
            raise AccessDenied("ticket.not_yours")
        return await react(turn, ticket, "helped" if action == "thanks" else "missed")
    person = require_secretariat(turn)
    ticket = await find_ticket(turn, int(number))
    if action == "answer":
        return await _begin(turn, person, ticket)
    if action == "close":
        return await _close(turn, person, ticket)
    if action == "lib":
        return [await library.add_to_library(turn, ticket)]
    draft = await stored.answer_draft_of(turn.session, person.id)
    if draft is None or draft.ticket_id != ticket.id:
        return [text_reply(t("ticket.stale_button", turn.language, id=ticket.id))]
    if action == "cancel":
        await stored.drop_answer_draft(turn.session, draft)
        return [text_reply(t("ticket.draft_cancelled", turn.language))]
    if action in ("send", "sendlib") and draft.step is AnswerDraftStep.CONFIRM and draft.text:
        blocked = _blocked(ticket, turn.language)
        if blocked is not None:
            await stored.drop_answer_draft(turn.session, draft)
            return [text_reply(blocked)]
        return await _send(turn, person, ticket, draft.text, add=action == "sendlib")
    return [text_reply(t("ticket.stale_button", turn.language, id=ticket.id))]
