"""The check-in conversation: one action at a time, status then an optional note.

Its whole state is a ``CheckinSession`` row (step, action list, position, half-given status), read
and written in the same transaction as the message it answers. Kill the process between two
messages and the next one continues at the same action; start on Telegram and finish on Slack, and
it is the same row, because it belongs to the person.

Every saved answer is said back ("✓ #2 Blocked: no funding since March") with a Change button;
"back" returns to the previous question. An answer to an action already answered in the same
check-in is a correction: a new update that supersedes the earlier one, which stays in the history.
``/update 3 done "note"`` is a one-action check-in answered in one message, so its Change button
works the same way.
"""

from __future__ import annotations

from datetime import datetime

from handlers.checkins.status_words import Answer, Correction, is_bare_question, read_correction, read_status
from handlers.dates import short_date
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, italic, text_reply
from handlers.peers.notes import share_question
from knowledge.text import fold
from storage import checkins
from storage import repositories as repo
from storage.database import Session
from storage.models import Action, ActionPlan, ActionUpdate, CheckinSession, CheckinStep, Person, Role, Status

# A note is a line or two in the draft update to the ERC, not a report: a page at most.
NOTE_LIMIT = 2000

STATUS_ORDER = (Status.NOT_STARTED, Status.ON_TRACK, Status.DELAYED, Status.BLOCKED, Status.DONE)


def status_name(status: Status, language: str) -> str:
    return t(f"status.{status.value}", language)


def owner_text(action: Action) -> str:
    parts = [part for part in (action.owner_label, action.owner.name if action.owner else None) if part]
    return " / ".join(dict.fromkeys(parts)) or "—"


ECHO_NOTE_LIMIT = 140  # the note said back after saving: enough to recognise it on a phone


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters, with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit - 1].rsplit(" ", 1)[0] if " " in flat[:limit - 1] else flat[:limit - 1]
    return cut.rstrip(" ,.;:-") + "…"


# Words that name a body, not a person: "P2P Secretariat" is greeted by no name at all.
_ORGANISATION_WORDS = frozenset("secretariat secrétariat team office unit desk group cell section support "
                                "équipe equipe bureau cellule service groupe".split())


def first_name(person: Person) -> str | None:
    """The name to greet a person by, or None when the name is an organisation's ("P2P Secretariat")."""
    words = person.name.split()
    if not words:
        return None
    if any(word.lower() in _ORGANISATION_WORDS for word in words):
        return None
    first = words[0]
    if any(character.isdigit() for character in first) or (len(first) > 1 and first.isupper()):
        return None  # "P2P", "OCHA"
    return first


def may_answer(person: Person, action: Action) -> bool:
    """The HC and the secretariat answer for every action, an owner for their own."""
    return person.role in (Role.HC, Role.SECRETARIAT, Role.ADMIN) or action.owner_id == person.id


def answered_here(action: Action, checkin: CheckinSession) -> ActionUpdate | None:
    """The action's latest update if it was given in this check-in: a new answer corrects it."""
    last = repo.latest_update(action)
    return last if last is not None and last.checkin_id == checkin.id else None


def _saved_pending(action: Action, checkin: CheckinSession) -> ActionUpdate | None:
    """At the note question, the update stored when its status was given: this check-in's newest
    for the action, with that status, no note yet and not corrected since. Someone else may have
    written to the action in between (an owner's /update): the note still completes this one,
    rather than store the same answer twice and count it twice."""
    superseded = repo.superseded_ids(action)
    for update in reversed(action.updates):  # newest first: the list runs oldest to newest
        if update.checkin_id == checkin.id and update.id not in superseded:
            if update.note is None and update.status is checkin.pending_status:
                return update
            return None
    return None


async def _withdraw(session: Session, action: Action, checkin: CheckinSession, update: ActionUpdate) -> None:
    """"Undo" at the note: the status just given is taken back, as if never said."""
    if update.supersedes_id is None:
        checkin.answered = max(0, checkin.answered - 1)
    if update in action.updates:
        action.updates.remove(update)
    await session.delete(update)
    await session.flush()


def said_back(action: Action, update: ActionUpdate, language: str, replaced: ActionUpdate | None = None) -> str:
    """"✓ #2 Blocked: no funding since March": what was stored, as the person can check it."""
    status = status_name(update.status, language)
    if replaced is not None and replaced.status is not update.status:
        status += " " + t("checkin.was", language, status=status_name(replaced.status, language).lower())
    if update.note:
        return t("checkin.saved_note", language, number=action.number, status=status,
                 note=shorten(update.note, ECHO_NOTE_LIMIT))
    return t("checkin.saved", language, number=action.number, status=status)


def _answer_text(update: ActionUpdate, language: str) -> str:
    status = status_name(update.status, language)
    return f"{status} — {shorten(update.note, 80)}" if update.note else status


def _buttons(builder: ReplyBuilder, checkin: CheckinSession, action: Action, language: str,
             change: int | None) -> None:
    prefix = f"ci:{checkin.id}:{checkin.position}:"
    if checkin.step is CheckinStep.ASK_NOTE:
        builder.button(t("checkin.no_note", language), prefix + Answer.NO_NOTE.value)
        return
    for status in STATUS_ORDER:
        builder.button(status_name(status, language), prefix + status.value)
    if answered_here(action, checkin) is not None:
        builder.button(t("checkin.keep", language), prefix + Answer.SAME.value)
    else:
        builder.button(t("checkin.skip", language), prefix + Answer.SKIP.value)
    builder.button(t("checkin.later", language), prefix + Answer.LATER.value)
    if change is not None:
        builder.button(t("checkin.change", language, number=change), prefix + CHANGE)


# The Change button's value: back to the action said back above it.
CHANGE = "change"


async def prompt(session: Session, checkin: CheckinSession, language: str,
                 intro: str | None = None, change: int | None = None) -> Reply:
    """The question for where the check-in stands now; ``change``: the number of the action just
    saved, said back in ``intro``, for its Change button."""
    actions = await repo.actions_by_ids(session, checkin.action_ids)
    return question(checkin, actions[checkin.action_ids[checkin.position]], language, intro, change)


def question(checkin: CheckinSession, action: Action, language: str, intro: str | None = None,
             change: int | None = None) -> Reply:
    """:func:`prompt` for its action already loaded (with its plan, owner and updates): the
    reconcile pass builds thousands of first questions from a few set-wise queries."""
    builder = ReplyBuilder()
    if intro:
        builder.add(intro)
    if len(checkin.action_ids) == 1:
        builder.add(italic(action.plan.title))
    else:
        builder.add(italic(t("checkin.progress", language, plan=action.plan.title, number=checkin.position + 1,
                             total=len(checkin.action_ids))))
    builder.add(bold(f"#{action.number} {action.title}"))
    due = short_date(action.due_on, language) if action.due_on else "—"
    builder.add(t("checkin.owner_due", language, owner=owner_text(action), due=due))
    here = answered_here(action, checkin)
    if checkin.step is CheckinStep.ASK_NOTE and checkin.pending_status is not None:
        builder.add(t("checkin.ask_note", language, status=status_name(checkin.pending_status, language)))
    elif here is not None:
        builder.add(t("checkin.ask_correction", language, answer=_answer_text(here, language)))
    else:
        last = repo.latest_update(action)
        if last is None:
            builder.add(t("checkin.ask_first", language))
        else:
            status = status_name(last.status, language)
            builder.add(t("checkin.ask_again", language, date=short_date(last.created_at, language),
                          status=status.lower(), again=status.lower()))
    _buttons(builder, checkin, action, language, change)
    return builder.build()


async def start(session: Session, person: Person, plan_code: str | None, now: datetime,
                language: str | None = None) -> list[Reply]:
    """Starts (or resumes) a check-in for a person on their plan, in ``language`` (the one they are
    using in the chat; their registered one when the bot starts it by itself). A plan the person
    may not see is refused, open check-in or not."""
    language = language or person.language
    plans = await repo.plans_visible_to(session, person)
    if plan_code:
        plans = [plan for plan in plans if plan.code == plan_code or f"#{plan.id}" == plan_code]
        if not plans:
            raise NotFound("plan.unknown", code=plan_code[:60])
    existing = await repo.open_checkin(session, person.id)
    closed: list[Reply] = []
    if existing is not None:
        if not plan_code or existing.plan_id == plans[0].id:
            return [await _resume(session, existing, now, language)]
        # Another plan, named on purpose: this check-in ends (its answers are saved) and that one starts.
        existing.step = CheckinStep.FINISHED
        existing.updated_at = now
        old = await repo.plan_by_id(session, existing.plan_id)
        if old is not None:
            closed.append(text_reply(t("checkin.other_plan_closed", language, plan=old.title)))
    plan = _first_plan_with_work(plans, person)
    if plan is None:
        return [*closed, ReplyBuilder().add(t("checkin.nothing", language)).build()]
    actions = repo.actions_answered_by(person, plan)
    checkin = await checkins.start(session, person.id, plan.id, [action.id for action in actions], now)
    return [*closed, await prompt(session, checkin, language, start_intro(person, plan.title, len(actions), language))]


def start_intro(person: Person, plan_title: str, actions: int, language: str) -> str:
    """The first line of a new check-in: whom it greets, on which plan, how many actions."""
    name = first_name(person)
    if name is None:
        return tn("checkin.start_unnamed", actions, language, plan=plan_title)
    return tn("checkin.start", actions, language, name=name, plan=plan_title)


async def _resume(session: Session, checkin: CheckinSession, now: datetime, language: str) -> Reply:
    if checkin.step is CheckinStep.PAUSED:
        checkin.step = CheckinStep.ASK_NOTE if checkin.pending_status else CheckinStep.ASK_STATUS
        checkin.updated_at = now
    return await prompt(session, checkin, language, t("checkin.resumed", language))


def find_action(person: Person, plan: ActionPlan, number: int) -> Action:
    """Action ``number`` of the plan, if this person answers for it; a refusal that says why otherwise."""
    action = next((action for action in plan.actions if action.number == number), None)
    if action is None:
        raise NotFound("checkin.no_such_action", number=number, plan=plan.title)
    if not may_answer(person, action):
        raise AccessDenied("checkin.not_yours", number=number, owner=owner_text(action))
    return action


async def start_single(session: Session, person: Person, plan: ActionPlan, number: int, now: datetime,
                       language: str) -> list[Reply]:
    """``/checkin 3``: that action alone. A check-in under way waits (paused) and is offered again
    when this one is done."""
    action = find_action(person, plan, number)
    existing = await repo.open_checkin(session, person.id)
    intro = None
    if existing is not None:
        if existing.action_ids == [action.id]:
            return [await _resume(session, existing, now, language)]
        if len(existing.action_ids) == 1:
            existing.step = CheckinStep.FINISHED  # another single action: nothing to come back to
        else:
            existing.step = CheckinStep.PAUSED
            intro = t("checkin.walk_paused", language, number=existing.position + 1, total=len(existing.action_ids))
        existing.updated_at = now
    checkin = await checkins.start(session, person.id, plan.id, [action.id], now)
    return [await prompt(session, checkin, language, intro)]


def _note_of(text: str) -> str | None:
    note = text.strip()
    if len(note) >= 2 and note[0] in "\"'“«‘" and note[-1] in "\"'”»’":
        note = note[1:-1].strip()
    return note or None


async def update_now(session: Session, person: Person, plan: ActionPlan, number: int, said: str,
                     platform: str, now: datetime, language: str) -> list[Reply]:
    """``/update 3 done "note"``: a one-action check-in given in one message, said back with its
    Change button. Without a status it is ``/checkin 3``."""
    if not said.strip():
        return await start_single(session, person, plan, number, now, language)
    action = find_action(person, plan, number)
    reading = read_status(said)
    status: Status | None = reading.value if isinstance(reading.value, Status) else None
    if reading.value is Answer.SAME:
        last = repo.latest_update(action)
        status = last.status if last is not None else None
    if status is None:
        raise BadInput("update.usage", statuses=", ".join(status_name(choice, language).lower()
                                                          for choice in STATUS_ORDER))
    note = _note_of(reading.rest)
    if note is not None and len(note) > NOTE_LIMIT:
        return [text_reply(t("checkin.note_too_long", language, limit=NOTE_LIMIT, length=len(note)))]
    checkin = await checkins.start(session, person.id, plan.id, [action.id], now)
    update = await repo.record_update(session, action, status, note, person.id, platform, now, checkin_id=checkin.id)
    checkin.answered, checkin.position, checkin.step = 1, 1, CheckinStep.FINISHED
    builder = ReplyBuilder().add(said_back(action, update, language))
    builder.add(t("checkin.single_next", language, number=action.number))
    builder.button(t("checkin.change", language, number=action.number), f"ci:{checkin.id}:1:{CHANGE}")
    return [builder.build(), *await share_question(session, person, update, language)]


def _first_plan_with_work(plans: list[ActionPlan], person: Person) -> ActionPlan | None:
    for plan in plans:
        if plan.submitted_at is None and repo.actions_answered_by(person, plan):
            return plan
    for plan in plans:
        if repo.actions_answered_by(person, plan):
            return plan
    return None


async def _current(session: Session, checkin: CheckinSession) -> Action:
    action_id = checkin.action_ids[checkin.position]
    return (await repo.actions_by_ids(session, [action_id]))[action_id]


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
    correction = read_correction(text)
    if correction is not None:
        return await _correct(session, person, checkin, correction, platform, now, language)
    if reading.value is Answer.BACK and not reading.rest:
        return await back(session, checkin, language)
    action = await _current(session, checkin)
    if checkin.step is CheckinStep.ASK_NOTE:
        if is_bare_question(text):
            # "what?" at the note: say again what is asked, rather than keep "what?" as the note.
            return [await prompt(session, checkin, language, t("checkin.note_explained", language))]
        if _means_yes(text):
            # "yes" to "Any note?": the note is still to come.
            return [await prompt(session, checkin, language, t("checkin.type_note", language))]
        status = checkin.pending_status or Status.ON_TRACK
        # "no", "skip", "same", "toujours pareil": nothing to add.
        bare = reading.value in (Answer.NO_NOTE, Answer.SKIP, Answer.SAME) and not reading.rest
        saved = _saved_pending(action, checkin)
        if saved is not None and (bare or len(text) <= NOTE_LIMIT):
            # The status was stored when given: the note completes that same answer.
            if not bare:
                saved.note, saved.platform = text, platform
                await session.flush()
            replaced = next((update for update in action.updates if update.id == saved.supersedes_id), None)
            replies = await _advance(session, checkin, now, language, said_back(action, saved, language, replaced),
                                     action.number)
            return [*replies, *await share_question(session, person, saved, language)]
        return await _record(session, person, checkin, action, status, None if bare else text, platform, now,
                             language)
    here = answered_here(action, checkin)
    if reading.value is Answer.SKIP or (reading.value is Answer.SAME and here is not None and not reading.rest):
        # Skipped, or an answer from earlier in this check-in kept as it was.
        if here is None:
            checkin.skipped += 1
            return await _advance(session, checkin, now, language)
        return await _advance(session, checkin, now, language, said_back(action, here, language), action.number)
    chosen: Status | None = reading.value if isinstance(reading.value, Status) else None
    if reading.value is Answer.SAME:
        last = repo.latest_update(action)
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
        return await _record(session, person, checkin, action, chosen, reading.rest, platform, now, language)
    # Saved now, the note asked next fills it in: a person called away before the note (a
    # question, "later", a meeting) has told the plan, /plan and the draft report where it stands.
    await _save(session, person, checkin, action, chosen, None, platform, now, language)
    checkin.pending_status = chosen
    checkin.step = CheckinStep.ASK_NOTE
    return [await prompt(session, checkin, language)]


_YES = frozenset({"yes", "yep", "yeah", "oui", "ok", "okay", "sure", "d accord", "volontiers"})


def _means_yes(text: str) -> bool:
    return " ".join(fold(text).lower().replace("'", " ").strip(" .!").split()) in _YES


async def record_status(session: Session, person: Person, checkin: CheckinSession, status_or_same: Status | Answer,
                        platform: str, now: datetime, language: str) -> tuple[Reply, bool]:
    """The status of a message that also asks a question ("done, and how did others ...?"): saved
    without a note, said back; the question is answered next. Returns the reply and whether the
    check-in goes on (the offer to continue follows the answer)."""
    checkin.updated_at = now
    action = await _current(session, checkin)
    status = status_or_same if isinstance(status_or_same, Status) else None
    if status_or_same is Answer.SAME:
        last = repo.latest_update(action)
        status = last.status if last is not None else None
    if status is None:
        return await prompt(session, checkin, language), True
    echo = await _save(session, person, checkin, action, status, None, platform, now, language)
    _move_on(checkin, now)
    builder = ReplyBuilder().add(echo)
    builder.button(t("checkin.change", language, number=action.number),
                   f"ci:{checkin.id}:{checkin.position}:{CHANGE}")
    if checkin.step is CheckinStep.FINISHED:
        return await summary(session, checkin, language, echo, action.number), False
    return builder.build(), True


async def _correct(session: Session, person: Person, checkin: CheckinSession, correction: Correction,
                   platform: str, now: datetime, language: str) -> list[Reply]:
    """"oops, undo that, I meant still on track": the last answer taken back, never kept as a note."""
    action = await _current(session, checkin)
    if checkin.step is CheckinStep.ASK_NOTE and checkin.pending_status is not None:
        previous = checkin.pending_status
        saved = _saved_pending(action, checkin)
        if correction.status is None:
            if saved is not None:
                await _withdraw(session, action, checkin, saved)
            checkin.step, checkin.pending_status = CheckinStep.ASK_STATUS, None
            return [await prompt(session, checkin, language, t("checkin.undone", language, number=action.number))]
        if saved is not None:
            saved.status = correction.status
            await session.flush()
        checkin.pending_status = correction.status
        return [await prompt(session, checkin, language, t(
            "checkin.pending_changed", language, status=status_name(correction.status, language).lower(),
            previous=status_name(previous, language).lower()))]
    # At a status question: the slip is the previous action's answer, if one was given in this check-in.
    if checkin.position > 0:
        earlier_id = checkin.action_ids[checkin.position - 1]
        earlier = (await repo.actions_by_ids(session, [earlier_id]))[earlier_id]
        given = answered_here(earlier, checkin)
        if given is not None and correction.status is not None:
            # The status changes; the note given with it stays (said back, so it can be changed too).
            echo = await _save(session, person, checkin, earlier, correction.status, given.note, platform, now,
                               language)
            return [await prompt(session, checkin, language, echo, earlier.number)]
        if given is not None:
            return await back(session, checkin, language)
    if correction.status is not None:
        # Nothing to take back: the status is the answer to this question, on record at once.
        await _save(session, person, checkin, action, correction.status, None, platform, now, language)
        checkin.pending_status, checkin.step = correction.status, CheckinStep.ASK_NOTE
        return [await prompt(session, checkin, language)]
    return [await prompt(session, checkin, language, t("checkin.nothing_to_undo", language))]


async def back(session: Session, checkin: CheckinSession, language: str) -> list[Reply]:
    """"back": from the note to this action's status (the status just given taken back, to be
    given again); from a status to the previous action."""
    if checkin.step is CheckinStep.ASK_NOTE:
        action = await _current(session, checkin)
        saved = _saved_pending(action, checkin)
        if saved is not None:
            await _withdraw(session, action, checkin, saved)
        checkin.pending_status = None
        checkin.step = CheckinStep.ASK_STATUS
        return [await prompt(session, checkin, language)]
    checkin.pending_status = None
    if checkin.position == 0:
        return [await prompt(session, checkin, language, t("checkin.first_action", language))]
    checkin.position -= 1
    checkin.step = CheckinStep.ASK_STATUS
    return [await prompt(session, checkin, language)]


async def _save(session: Session, person: Person, checkin: CheckinSession, action: Action, status: Status,
                note: str | None, platform: str, now: datetime, language: str) -> str:
    """Stores an answer (correcting this check-in's earlier answer to the same action) and says it back."""
    here = answered_here(action, checkin)
    update = await repo.record_update(session, action, status, note, person.id, platform, now,
                                      checkin_id=checkin.id, supersedes_id=here.id if here is not None else None)
    if here is None:
        checkin.answered += 1
    return said_back(action, update, language, here)


async def _record(session: Session, person: Person, checkin: CheckinSession, action: Action, status: Status,
                  note: str | None, platform: str, now: datetime, language: str) -> list[Reply]:
    if note is not None and len(note) > NOTE_LIMIT:
        # Nothing is stored: the person shortens it and sends it again, at the same question.
        checkin.pending_status = status
        checkin.step = CheckinStep.ASK_NOTE
        return [text_reply(t("checkin.note_too_long", language, limit=NOTE_LIMIT, length=len(note)))]
    echo = await _save(session, person, checkin, action, status, note, platform, now, language)
    replies = await _advance(session, checkin, now, language, echo, action.number)
    # Asked last, so its buttons are the ones at hand (the console presses the last reply's).
    return [*replies, *await share_question(session, person, answered_here(action, checkin), language)]


def _move_on(checkin: CheckinSession, now: datetime) -> None:
    checkin.pending_status = None
    checkin.position += 1
    checkin.updated_at = now
    checkin.step = CheckinStep.ASK_STATUS if checkin.position < len(checkin.action_ids) else CheckinStep.FINISHED


async def _advance(session: Session, checkin: CheckinSession, now: datetime, language: str,
                   echo: str | None = None, change: int | None = None) -> list[Reply]:
    _move_on(checkin, now)
    if checkin.step is CheckinStep.ASK_STATUS:
        return [await prompt(session, checkin, language, echo, change)]
    return [await summary(session, checkin, language, echo, change)]


async def summary(session: Session, checkin: CheckinSession, language: str, echo: str | None = None,
                  change: int | None = None) -> Reply:
    actions = await repo.actions_by_ids(session, checkin.action_ids)
    builder = ReplyBuilder()
    if echo:
        builder.add(echo)
    if change is not None:
        builder.button(t("checkin.change", language, number=change), f"ci:{checkin.id}:{checkin.position}:{CHANGE}")
    if len(checkin.action_ids) == 1:
        builder.add(t("checkin.finished_single", language) + " "
                    + t("checkin.single_next", language, number=actions[checkin.action_ids[0]].number))
    else:
        counts: dict[Status, int] = {}
        for action in actions.values():
            # Each action's answer in this check-in, as corrected (a later /update does not hide it).
            given = [update for update in repo.standing_updates(action) if update.checkin_id == checkin.id]
            if given:
                counts[given[-1].status] = counts.get(given[-1].status, 0) + 1
        builder.add(t("checkin.finished", language,
                      updated=tn("checkin.answered", checkin.answered, language),
                      skipped=tn("checkin.skipped", checkin.skipped, language)))
        if counts:
            builder.add(" · ".join(t("count.label", language, label=status_name(status, language),
                                     count=counts[status]) for status in STATUS_ORDER if status in counts))
        builder.add(t("checkin.next_steps", language))
    waiting = await repo.open_checkin(session, checkin.person_id)
    if waiting is not None and waiting.id != checkin.id:
        builder.add(t("checkin.walk_waits", language, number=waiting.position + 1, total=len(waiting.action_ids)))
    return builder.build()


async def press(session: Session, person: Person, payload: str, platform: str, now: datetime,
                language: str | None = None) -> list[Reply]:
    """A check-in button: ``ci:<session>:<position>:<value>``. A stale button (an earlier question,
    another person's session) never changes anything; it shows where things stand."""
    language = language or person.language
    _prefix, session_id, position, value = [*payload.split(":", 3), "", "", ""][:4]
    checkin = await repo.open_checkin(session, person.id)
    if value == CHANGE:
        return await _change(session, person, checkin, session_id, position, now, language)
    if checkin is None:
        return [ReplyBuilder().add(t("checkin.none_open", language)).build()]
    if str(checkin.id) != session_id or str(checkin.position) != position:
        return [await prompt(session, checkin, language, t("checkin.stale_button", language))]
    return await answer(session, person, checkin, value.replace("_", " "), platform, now, language)


async def _change(session: Session, person: Person, checkin: CheckinSession | None, session_id: str,
                  position: str, now: datetime, language: str) -> list[Reply]:
    """Change: back to the action said back with the button, in the check-in under way or in a
    finished one (the last answer of a check-in, an ``/update``), which opens again at that action."""
    if checkin is not None and str(checkin.id) == session_id:
        if str(checkin.position) != position or checkin.position == 0:
            return [await prompt(session, checkin, language, t("checkin.stale_button", language))]
        checkin.step = CheckinStep.ASK_STATUS  # at the next action's question: "back" goes to the one saved
        return await back(session, checkin, language)
    finished = await repo.checkin_of(session, person.id, int(session_id)) if session_id.isdigit() else None
    reopens = (finished is not None and finished.step is CheckinStep.FINISHED and str(finished.position) == position
               and finished.position > 0
               and (checkin is None or (checkin.step is CheckinStep.PAUSED and checkin.id < finished.id)))
    if finished is None or not reopens:
        if checkin is None:
            return [ReplyBuilder().add(t("checkin.none_open", language)).build()]
        return [await prompt(session, checkin, language, t("checkin.stale_button", language))]
    finished.position -= 1
    finished.step, finished.pending_status, finished.updated_at = CheckinStep.ASK_STATUS, None, now
    return [await prompt(session, finished, language)]


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
