"""The action plan: check-ins, the plan at a glance, and the draft update to the ERC.

Access: a person sees only their own operation's plans; the secretariat sees all; a stranger gets
an explanation of how to get access and no data at all.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from handlers.checkins import dialogue
from handlers.checkins.dialogue import status_name
from handlers.checkins.report import build_report, report_docx, report_filename
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Attachment, Reply, ReplyBuilder, bold, italic, text_reply
from knowledge.text import fold
from storage import repositories as repo
from storage.database import Session
from storage.models import ActionPlan, Operation, Person, Role, Status
from storage.repositories import may_see_all_plans


def require_person(turn: Turn, refusal: str = "stranger") -> Person:
    """The registered person talking, or the refusal that says what this command needs (each
    command its own words: a stranger's /pause is not about showing a plan)."""
    if turn.person is None:
        raise AccessDenied(refusal)
    return turn.person


async def _chosen_plan(turn: Turn, person: Person, code: str) -> ActionPlan:
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


async def start_checkin(turn: Turn, args: str) -> list[Reply]:
    """Report progress on your actions of the plan, one by one (/checkin or /checkin PLAN)."""
    person = require_person(turn, "stranger.checkin")
    return await dialogue.start(turn.session, person, args.strip() or None, turn.now, turn.language)


async def plan_view(turn: Turn, args: str) -> list[Reply]:
    """Your plan at a glance: each action's latest status, how old it is, what is overdue."""
    person = require_person(turn)
    plan = await _chosen_plan(turn, person, args)
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


async def submitted(turn: Turn, args: str) -> list[Reply]:
    """Mark the progress update as sent to the ERC: the nudges about it stop (/submitted PLAN)."""
    person = require_person(turn, "stranger.submitted")
    if person.role not in (Role.HC, Role.SECRETARIAT, Role.ADMIN):
        raise AccessDenied("submitted.not_allowed")
    plan = await _chosen_plan(turn, person, args)
    language = turn.language
    if not mark_submitted(plan, turn.now):
        assert plan.submitted_at is not None
        return [text_reply(t("submitted.already", language, plan=plan.title,
                             date=short_date(plan.submitted_at, language)))]
    return [text_reply(t("submitted.done", language, plan=plan.title))]


def mark_submitted(plan: ActionPlan, now: datetime) -> bool:
    """Records that the plan's update went to the ERC, which stops its nudges; False when that was
    recorded before (the first date stands)."""
    if plan.submitted_at is not None:
        return False
    plan.submitted_at = now
    return True


async def mark_submitted_by_code(session: Session, code: str, now: datetime) -> ActionPlan | None:
    """``mark_submitted`` for the secretariat's shell (``hcbot admin plan CODE submitted``); None
    when no plan has that code."""
    plan = await repo.plan_by_code(session, code)
    if plan is not None:
        mark_submitted(plan, now)
    return plan


_DURATION = re.compile(
    r"^(\d{1,3})\s*(d|j|days?|jours?|w|s|weeks?|sem|semaines?|m|months?|mois)$")
_UNIT_DAYS = {"d": 1, "j": 1, "w": 7, "s": 7, "m": 30}
MAX_PAUSE = timedelta(days=183)


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
    if wanted.lower() in {"off", "stop", "resume", "fin", "reprendre"}:
        target.paused_until = None
        return [text_reply(t("pause.off", language, name=name))]
    if not wanted:
        if target.paused_until is not None and target.paused_until > turn.now:
            return [text_reply(t("pause.status", language, name=name, date=short_date(target.paused_until, language)))]
        return [text_reply(t("pause.usage", language))]
    length = parse_pause(wanted)
    if length is None or length > MAX_PAUSE:
        raise BadInput("pause.usage")
    target.paused_until = turn.now + length
    return [text_reply(t("pause.on", language, name=name, date=short_date(target.paused_until, language)))]


async def report(turn: Turn, args: str) -> list[Reply]:
    """The draft progress update to the ERC, as a Word document to edit and send (/report or /report PLAN)."""
    from storage.plans import operation_hc

    person = require_person(turn)
    plan = await _chosen_plan(turn, person, args)
    language = turn.language
    hc = await operation_hc(turn.session, plan.mission.operation_id)
    draft = build_report(plan, turn.now, hc.name if hc else None)
    counts = " · ".join(t("count.label", language, label=status_name(status, language),
                          count=draft.counts[status.value])
                        for status in dialogue.STATUS_ORDER if draft.counts[status.value])
    builder = ReplyBuilder().add(t("report.ready", language, plan=plan.title))
    if counts:
        builder.add(counts)
    attachment = Attachment(report_filename(draft, "docx"), report_docx(draft, language), DOCX_TYPE)
    return [Reply(tuple(builder.lines), attachment=attachment)]


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
