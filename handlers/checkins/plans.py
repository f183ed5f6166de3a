"""The action plan: check-ins, the plan at a glance, and the draft update to the ERC.

Access: a person sees only their own operation's plans; the secretariat sees all; a stranger gets
an explanation of how to get access and no data at all.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from handlers.checkins import dialogue
from handlers.checkins.dialogue import status_name
from handlers.checkins.report import build_report, report_docx, report_filename
from handlers.checkins.status_words import bare_status
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import colon, t, tn
from handlers.messages import Attachment, Reply, ReplyBuilder, bold, italic, text_reply
from knowledge.text import fold
from storage import repositories as repo
from storage.models import ActionPlan, Operation, Person, Status
from storage.repositories import may_see_all_plans


def require_person(turn: Turn, refusal: str = "stranger") -> Person:
    """The registered person talking, or the refusal that says what this command needs (each
    command its own words: a stranger's /pause is not about showing a plan)."""
    if turn.person is None:
        raise AccessDenied(refusal)
    return turn.person


async def chosen_plan(turn: Turn, person: Person, code: str) -> ActionPlan:
    """The plan ``code`` names among those the person may see (or their open one when none is named)."""
    plans = await repo.plans_visible_to(turn.session, person)
    if code:
        wanted = code.strip()
        # Buttons name a plan "#ID": a code can be 60 characters, and Telegram allows 64 bytes a button.
        chosen = [plan for plan in plans if plan.code == wanted or f"#{plan.id}" == wanted]
        if not chosen:
            # The same answer whether the plan does not exist or belongs to another operation:
            # a person must not learn which plans exist elsewhere.
            raise NotFound("plan.unknown", code=code.strip()[:60])
        return chosen[0]
    if not plans:
        raise NotFound("plan.none")
    open_plans = [plan for plan in plans if plan.submitted_at is None]
    return (open_plans or plans)[0]


async def bare_status_hint(turn: Turn, text: str) -> list[Reply] | None:
    """"en cours" or "done" typed with no check-in open: which action it is about, and how to say
    so, rather than a library search for the word. None when the message is not a bare status or
    the person has no plan to update."""
    if turn.person is None or bare_status(text) is None:
        return None
    try:
        plan = await chosen_plan(turn, turn.person, "")
    except NotFound:
        return None
    # The example names an action the person answers for, so that it can be typed as it is.
    theirs = repo.actions_answered_by(turn.person, plan) or plan.actions
    number = theirs[0].number if theirs else 1
    said = " ".join(text.split()).strip(" .!?,;:")[:30]  # "Done!" -> /update 2 Done
    return [text_reply(t("update.which_action", turn.language, said=said, number=number))]


def due_state(plan: ActionPlan, today: date, language: str) -> str:
    """Days left or late for the update, or when it went to the ERC."""
    due = plan.update_due_on
    if plan.submitted_at is not None:
        return t("plan.submitted", language, date=short_date(plan.submitted_at, language))
    if due is None:
        return "—"
    if due >= today:
        return t("plan.days_left", language, days=(due - today).days)
    return t("plan.days_late", language, days=(today - due).days)


def _number_and_plan(args: str, *, said_after: bool = False) -> tuple[int | None, str, str]:
    """"3", "#3", "sahelia-2026 3", "3 sahelia-2026": the action number and the plan code; with
    ``said_after`` ("3 done \"note\""), what follows the number is the status and note of ``/update``
    and a plan code comes before the number."""
    words = args.split()
    for index, word in enumerate(words[:2]):
        digits = word.lstrip("#")
        if digits.isdigit() and len(digits) <= 4:
            before, after = " ".join(words[:index]), " ".join(words[index + 1:])
            if said_after:
                return int(digits), before, after
            return int(digits), before or after, ""
    return None, args.strip(), ""


async def start_checkin(turn: Turn, args: str) -> list[Reply]:
    """Report progress on your actions one by one (/checkin), or on one of them (/checkin 3)."""
    person = require_person(turn, "stranger.checkin")
    number, code, _rest = _number_and_plan(args)
    if number is None:
        try:
            return await dialogue.start(turn.session, person, code or None, turn.now, turn.language)
        except NotFound as refused:
            return [text_reply(refused.user_message(turn.language)), *await _waiting(turn, person)]
    plan = await chosen_plan(turn, person, code)
    return await dialogue.start_single(turn.session, person, plan, number, turn.now, turn.language)


async def _waiting(turn: Turn, person: Person) -> list[Reply]:
    """After a refusal, where the person's check-in waits, if one does: nothing else changed."""
    open_checkin = await repo.open_checkin(turn.session, person.id)
    if open_checkin is None:
        return []
    return [await dialogue.after_question(turn.session, open_checkin, turn.language)]


async def update(turn: Turn, args: str) -> list[Reply]:
    """Update one action in one message: /update 3 done "the note"."""
    person = require_person(turn, "stranger.checkin")
    number, code, said = _number_and_plan(args, said_after=True)
    if number is None:
        raise BadInput("update.usage", statuses=_statuses(turn.language))
    plan = await chosen_plan(turn, person, code)
    return await dialogue.update_now(turn.session, person, plan, number, said, turn.message.platform, turn.now,
                                     turn.language)


def _statuses(language: str) -> str:
    return ", ".join(status_name(status, language).lower() for status in dialogue.STATUS_ORDER)


HISTORY_SHOWN = 12


async def history(turn: Turn, args: str) -> list[Reply]:
    """An action's updates, with dates, who gave them and notes (/history 3)."""
    person = require_person(turn)
    number, code, _rest = _number_and_plan(args)
    if number is None:
        raise BadInput("history.usage")
    plan = await chosen_plan(turn, person, code)
    action = next((action for action in plan.actions if action.number == number), None)
    if action is None:
        raise NotFound("checkin.no_such_action", number=number, plan=plan.title)
    language = turn.language
    builder = ReplyBuilder().add(bold(f"#{action.number} {action.title}"))
    due = short_date(action.due_on, language) if action.due_on else "—"
    builder.add(t("checkin.owner_due", language, owner=dialogue.owner_text(action), due=due))
    if not action.updates:
        builder.add(t("history.none", language, number=action.number))
        return [builder.build()]
    builder.add(t("history.header", language))
    replaced = repo.superseded_ids(action)
    newest_first = list(reversed(action.updates))
    for given in newest_first[:HISTORY_SHOWN]:
        who = (t("history.you", language) if given.person_id == person.id
               else given.person.name if given.person is not None else "—")
        parts = [short_date(given.created_at, language), status_name(given.status, language), who]
        if given.id in replaced:
            parts.append(t("history.replaced", language))
        builder.add(italic(" · ".join(parts)))
        if given.note:
            builder.add("   ", dialogue.shorten(given.note, 300))
    if len(newest_first) > HISTORY_SHOWN:
        builder.add(tn("history.earlier", len(newest_first) - HISTORY_SHOWN, language))
    return [builder.build()]


# The latest note beside each status in /plan: a phone line or so.
PLAN_NOTE_LIMIT = 60


async def plan_view(turn: Turn, args: str) -> list[Reply]:
    """Your plan at a glance: each action's latest status, how old it is, what is overdue."""
    person = require_person(turn)
    plan = await chosen_plan(turn, person, args)
    language = turn.language
    today = turn.now.date()
    builder = ReplyBuilder()
    due = plan.update_due_on
    when = due_state(plan, today, language)
    builder.add(bold(t("plan.header", language, plan=plan.title,
                       due=short_date(due, language) if due else "—")), f" ({when})")
    overdue = 0
    for action in plan.actions:
        last = repo.latest_update(action)
        if last is None:
            state = t("report.no_status", language)
        else:
            age = (turn.now - last.created_at).days
            ago = t("plan.today", language) if age == 0 else t("plan.age", language, days=age)
            state = f"{status_name(last.status, language)}, {ago}"
            if last.note:
                note = dialogue.shorten(last.note, PLAN_NOTE_LIMIT)
                state += f"{colon(language)} " + (f"«\u00a0{note}\u00a0»" if language == "fr" else f"“{note}”")
        late = action.due_on is not None and action.due_on < today and (last is None or last.status is not Status.DONE)
        overdue += late
        due_text = short_date(action.due_on, language) if action.due_on else "—"
        flag = f" · {t('report.overdue', language).upper()}" if late else ""
        builder.add(bold(f"#{action.number} "), action.title)
        builder.add("   ", italic(f"{state} · {dialogue.owner_text(action)} · {t('report.due_short', language)} "
                                  f"{due_text}{flag}"))
    if overdue:
        builder.add(t("plan.overdue_count", language, count=overdue))
    builder.add(t("plan.footer", language))
    return [builder.build()]


_DURATION = re.compile(
    r"^(\d{1,3})\s*(d|j|days?|jours?|w|s|weeks?|sem|semaines?|m|months?|mois)$")
_UNIT_DAYS = {"d": 1, "j": 1, "w": 7, "s": 7, "m": 30}
MAX_PAUSE = timedelta(days=183)
PAUSE_OFF = frozenset({"off", "stop", "resume", "fin", "reprendre"})
"""What ends a pause: /pause off."""


def parse_pause(text: str) -> timedelta | None:
    """"2w", "10 days", "3 semaines", "1m": how long to hold check-ins and nudges."""
    match = _DURATION.match(fold(text).strip().lower())
    if match is None:
        return None
    unit = match.group(2)
    days = int(match.group(1)) * _UNIT_DAYS["m" if unit.startswith("mo") else unit[0]]
    return timedelta(days=days) if days else None


async def pause(turn: Turn, args: str) -> list[Reply]:
    """Hold your check-ins and nudges: /pause 2w (or 10d, 1m); /pause off to resume."""
    person = require_person(turn, "stranger.pause")
    language = turn.language
    words = args.split()
    target: Person | Operation = person
    if words and may_see_all_plans(person) and len(words) >= 2:
        # The secretariat pauses a whole operation: /pause OPERATION 2w.
        operation = await repo.operation_by_code(turn.session, words[0])
        if operation is None:
            raise NotFound("pause.unknown_operation", code=words[0][:60])
        target, words = operation, words[1:]
    wanted = " ".join(words)
    name = target.name
    # Said to the person about themselves ("Paused until ..."); an operation is named.
    own = "_self" if target is person else ""
    if wanted.lower() in PAUSE_OFF:
        target.paused_until = None
        return [text_reply(t("pause.off" + own, language, **({} if own else {"name": name})))]
    if not wanted:
        if target.paused_until is not None and target.paused_until > turn.now:
            return [text_reply(t("pause.status" + own, language, date=short_date(target.paused_until, language),
                                 **({} if own else {"name": name})))]
        return [text_reply(t("pause.usage", language))]
    length = parse_pause(wanted)
    if length is None or length > MAX_PAUSE:
        raise BadInput("pause.usage")
    target.paused_until = turn.now + length
    return [text_reply(t("pause.on" + own, language, date=short_date(target.paused_until, language),
                         **({} if own else {"name": name})))]


async def report(turn: Turn, args: str) -> list[Reply]:
    """The draft progress update to the ERC, as a Word document to edit and send (/report or /report PLAN)."""
    from storage.plans import operation_hc

    person = require_person(turn)
    plan = await chosen_plan(turn, person, args)
    language = turn.language
    hc = await operation_hc(turn.session, plan.mission.operation_id)
    draft = build_report(plan, turn.now, hc.name if hc else None)
    labelled = [(status_name(status, language), draft.counts[status.value]) for status in dialogue.STATUS_ORDER]
    # The actions nobody has reported on yet, too: the draft is incomplete until they are.
    labelled.append((t("report.no_status", language), draft.counts["no_status"]))
    counts = " · ".join(t("count.label", language, label=label, count=count) for label, count in labelled if count)
    builder = ReplyBuilder().add(t("report.ready", language, plan=plan.title))
    if counts:
        builder.add(counts)
    attachment = Attachment(report_filename(draft, "docx"), report_docx(draft, language), DOCX_TYPE)
    return [Reply(tuple(builder.lines), attachment=attachment)]


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
