"""The check-in conversation: one action at a time, status then an optional note.

Its whole state is a ``CheckinSession`` row (step, action list, position, half-given status), read
and written in the same transaction as the message it answers. Kill the process between two
messages and the next one continues at the same action; start on Telegram and finish on Slack, and
it is the same row, because it belongs to the person.
"""

from __future__ import annotations

from datetime import datetime

from handlers.checkins.status_words import Answer, is_bare_question, read_status
from handlers.dates import short_date
from handlers.errors import NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, italic, text_reply
from storage import checkins
from storage import repositories as repo
from storage.database import Session
from storage.models import Action, ActionPlan, CheckinSession, CheckinStep, Person, Status

# A note is a line or two in the draft update to the ERC, not a report: a page at most.
NOTE_LIMIT = 2000

STATUS_ORDER = (Status.NOT_STARTED, Status.ON_TRACK, Status.DELAYED, Status.BLOCKED, Status.DONE)


def status_name(status: Status, language: str) -> str:
    return t(f"status.{status.value}", language)


def owner_text(action: Action) -> str:
    parts = [part for part in (action.owner_label, action.owner.name if action.owner else None) if part]
    return " / ".join(dict.fromkeys(parts)) or "—"


def _buttons(builder: ReplyBuilder, checkin: CheckinSession, language: str) -> None:
    prefix = f"ci:{checkin.id}:{checkin.position}:"
    if checkin.step is CheckinStep.ASK_NOTE:
        builder.button(t("checkin.no_note", language), prefix + Answer.NO_NOTE.value)
        return
    for status in STATUS_ORDER:
        builder.button(status_name(status, language), prefix + status.value)
    builder.button(t("checkin.skip", language), prefix + Answer.SKIP.value)
    builder.button(t("checkin.later", language), prefix + Answer.LATER.value)


async def prompt(session: Session, checkin: CheckinSession, language: str,
                 intro: str | None = None) -> Reply:
    """The question for where the check-in stands now."""
    actions = await repo.actions_by_ids(session, checkin.action_ids)
    action = actions[checkin.action_ids[checkin.position]]
    builder = ReplyBuilder()
    if intro:
        builder.add(intro)
    builder.add(italic(t("checkin.progress", language, plan=action.plan.title, number=checkin.position + 1,
                         total=len(checkin.action_ids))))
    builder.add(bold(f"#{action.number} {action.title}"))
    due = short_date(action.due_on, language) if action.due_on else "—"
    builder.add(t("checkin.owner_due", language, owner=owner_text(action), due=due))
    if checkin.step is CheckinStep.ASK_NOTE and checkin.pending_status is not None:
        builder.add(t("checkin.ask_note", language, status=status_name(checkin.pending_status, language)))
    else:
        last = repo.latest_update(action)
        if last is None:
            builder.add(t("checkin.ask_first", language))
        else:
            status = status_name(last.status, language)
            builder.add(t("checkin.ask_again", language, date=short_date(last.created_at, language),
                          status=status.lower(), again=status.lower()))
    _buttons(builder, checkin, language)
    return builder.build()


async def start(session: Session, person: Person, plan_code: str | None, now: datetime,
                language: str | None = None) -> list[Reply]:
    """Starts (or resumes) a check-in for a person on their plan, in ``language`` (the one they are
    using in the chat; their registered one when the bot starts it by itself)."""
    language = language or person.language
    existing = await repo.open_checkin(session, person.id)
    if existing is not None:
        if existing.step is CheckinStep.PAUSED:
            existing.step = CheckinStep.ASK_NOTE if existing.pending_status else CheckinStep.ASK_STATUS
            existing.updated_at = now
        return [await prompt(session, existing, language, t("checkin.resumed", language))]
    plans = await repo.plans_visible_to(session, person)
    if plan_code:
        plans = [plan for plan in plans if plan.code == plan_code or f"#{plan.id}" == plan_code]
        if not plans:
            raise NotFound("plan.unknown", code=plan_code[:60])
    plan = _first_plan_with_work(plans, person)
    if plan is None:
        return [ReplyBuilder().add(t("checkin.nothing", language)).build()]
    actions = repo.actions_answered_by(person, plan)
    checkin = await checkins.start(session, person.id, plan.id, [action.id for action in actions], now)
    intro = tn("checkin.start", len(actions), language, name=person.name.split()[0], plan=plan.title)
    return [await prompt(session, checkin, language, intro)]


def _first_plan_with_work(plans: list[ActionPlan], person: Person) -> ActionPlan | None:
    for plan in plans:
        if plan.submitted_at is None and repo.actions_answered_by(person, plan):
            return plan
    for plan in plans:
        if repo.actions_answered_by(person, plan):
            return plan
    return None


async def answer(session: Session, person: Person, checkin: CheckinSession, text: str,
                 platform: str, now: datetime, language: str | None = None) -> list[Reply]:
    """One answer (typed or a button's value) to the current question."""
    language = language or person.language
    checkin.updated_at = now
    reading = read_status(text)
    if checkin.step is CheckinStep.PAUSED:
        if reading.value is Answer.LATER and not reading.rest:
            # "Later" pressed again (the offer after a question): it stays paused.
            return [ReplyBuilder().add(t("checkin.paused", language)).build()]
        # Any other message after "later" brings the person back where they were; it is not an answer.
        checkin.step = CheckinStep.ASK_NOTE if checkin.pending_status else CheckinStep.ASK_STATUS
        return [await prompt(session, checkin, language, t("checkin.resumed", language))]
    if reading.value is Answer.LATER:
        checkin.step = CheckinStep.PAUSED
        return [ReplyBuilder().add(t("checkin.paused", language)).build()]
    if reading.value is Answer.RESUME and not reading.rest:
        # "Continue" after a question asked mid-check-in: the same question again.
        return [await prompt(session, checkin, language)]
    action_id = checkin.action_ids[checkin.position]
    if checkin.step is CheckinStep.ASK_NOTE:
        if is_bare_question(text):
            # "what?" at the note: say again what is asked, rather than keep "what?" as the note.
            return [await prompt(session, checkin, language, t("checkin.note_explained", language))]
        status = checkin.pending_status or Status.ON_TRACK
        note = None if reading.value in (Answer.NO_NOTE, Answer.SKIP) and not reading.rest else text
        return await _record(session, person, checkin, action_id, status, note, platform, now, language)
    if reading.value is Answer.SKIP:
        checkin.skipped += 1
        return await _advance(session, checkin, now, language)
    chosen: Status | None = reading.value if isinstance(reading.value, Status) else None
    if reading.value is Answer.SAME:
        actions = await repo.actions_by_ids(session, [action_id])
        last = repo.latest_update(actions[action_id])
        chosen = last.status if last else None
    if chosen is None:
        builder = ReplyBuilder().add(t("checkin.not_understood", language))
        builder.add(" · ".join(status_name(choice, language) for choice in STATUS_ORDER)
                    + " · " + t("checkin.skip", language) + " · " + t("checkin.later", language))
        builder.add(t("checkin.question_hint", language))
        reminder = await prompt(session, checkin, language)
        return [builder.build(), reminder]
    if reading.rest:
        # "Delayed: the partner pulled out" is a status and its note in one message.
        return await _record(session, person, checkin, action_id, chosen, reading.rest, platform, now, language)
    checkin.pending_status = chosen
    checkin.step = CheckinStep.ASK_NOTE
    return [await prompt(session, checkin, language)]


async def _record(session: Session, person: Person, checkin: CheckinSession, action_id: int, status: Status,
                  note: str | None, platform: str, now: datetime, language: str) -> list[Reply]:
    if note is not None and len(note) > NOTE_LIMIT:
        # Nothing is stored: the person shortens it and sends it again, at the same question.
        checkin.pending_status = status
        checkin.step = CheckinStep.ASK_NOTE
        return [text_reply(t("checkin.note_too_long", language, limit=NOTE_LIMIT, length=len(note)))]
    await repo.add_update(session, action_id, status, note, person.id, platform, now)
    checkin.answered += 1
    return await _advance(session, checkin, now, language)


async def _advance(session: Session, checkin: CheckinSession, now: datetime, language: str) -> list[Reply]:
    checkin.pending_status = None
    checkin.position += 1
    checkin.updated_at = now
    if checkin.position < len(checkin.action_ids):
        checkin.step = CheckinStep.ASK_STATUS
        return [await prompt(session, checkin, language)]
    checkin.step = CheckinStep.FINISHED
    return [await summary(session, checkin, language)]


async def summary(session: Session, checkin: CheckinSession, language: str) -> Reply:
    actions = await repo.actions_by_ids(session, checkin.action_ids)
    counts: dict[Status, int] = {}
    for action in actions.values():
        last = repo.latest_update(action)
        if last is not None and last.created_at >= checkin.started_at:
            counts[last.status] = counts.get(last.status, 0) + 1
    builder = ReplyBuilder().add(t("checkin.finished", language,
                                   updated=tn("checkin.answered", checkin.answered, language),
                                   skipped=tn("checkin.skipped", checkin.skipped, language)))
    if counts:
        builder.add(" · ".join(t("count.label", language, label=status_name(status, language), count=counts[status])
                               for status in STATUS_ORDER if status in counts))
    builder.add(t("checkin.next_steps", language))
    return builder.build()


async def press(session: Session, person: Person, payload: str, platform: str, now: datetime,
                language: str | None = None) -> list[Reply]:
    """A check-in button: ``ci:<session>:<position>:<value>``. A stale button (an earlier question,
    another person's session) never changes anything; it shows where things stand."""
    language = language or person.language
    _prefix, session_id, position, value = [*payload.split(":", 3), "", "", ""][:4]
    checkin = await repo.open_checkin(session, person.id)
    if checkin is None:
        return [ReplyBuilder().add(t("checkin.none_open", language)).build()]
    if str(checkin.id) != session_id or str(checkin.position) != position:
        return [await prompt(session, checkin, language, t("checkin.stale_button", language))]
    return await answer(session, person, checkin, value.replace("_", " "), platform, now, language)


async def after_question(session: Session, checkin: CheckinSession, language: str) -> Reply:
    """Said after a question answered in the middle of a check-in: where it waits, and how to go
    on. A paused check-in stays paused (the question did not mean "I am ready")."""
    number, total = checkin.position + 1, len(checkin.action_ids)
    prefix = f"ci:{checkin.id}:{checkin.position}:"
    if checkin.step is CheckinStep.PAUSED:
        builder = ReplyBuilder().add(t("checkin.still_paused", language, number=number, total=total))
        builder.button(t("checkin.continue", language), prefix + Answer.RESUME.value)
        return builder.build()
    builder = ReplyBuilder().add(t("checkin.resume_offer", language, number=number, total=total))
    builder.button(t("checkin.continue", language), prefix + Answer.RESUME.value)
    builder.button(t("checkin.later", language), prefix + Answer.LATER.value)
    return builder.build()
