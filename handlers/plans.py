"""The action plan: check-ins, the plan at a glance, and the draft update to the ERC.

Access: a person sees only their own operation's plans; the secretariat sees all; a stranger gets
an explanation of how to get access and no data at all.
"""

from __future__ import annotations

from handlers import checkin
from handlers.checkin import short_date, status_name
from handlers.context import Turn
from handlers.errors import AccessDenied, NotFound
from handlers.i18n import t
from handlers.messages import Attachment, Reply, ReplyBuilder, bold, italic, text_reply
from handlers.report import build_report, report_markdown
from storage import repositories as repo
from storage.models import ActionPlan, Person, Role, Status


def require_person(turn: Turn) -> Person:
    if turn.person is None:
        raise AccessDenied("stranger")
    return turn.person


async def _chosen_plan(turn: Turn, person: Person, code: str) -> ActionPlan:
    plans = await repo.plans_visible_to(turn.session, person)
    if code:
        chosen = [plan for plan in plans if plan.code == code.strip()]
        if not chosen:
            # The same answer whether the plan does not exist or belongs to another operation:
            # a person must not learn which plans exist elsewhere.
            raise NotFound("plan.unknown", code=code.strip()[:60])
        return chosen[0]
    if not plans:
        raise NotFound("plan.none")
    open_plans = [plan for plan in plans if plan.submitted_at is None]
    return (open_plans or plans)[0]


async def start_checkin(turn: Turn, args: str) -> list[Reply]:
    """Report progress on your actions of the plan, one by one (/checkin or /checkin PLAN)."""
    person = require_person(turn)
    return await checkin.start(turn.session, person, args.strip() or None, turn.now)


async def plan_view(turn: Turn, args: str) -> list[Reply]:
    """Your plan at a glance: each action's latest status, how old it is, what is overdue."""
    person = require_person(turn)
    plan = await _chosen_plan(turn, person, args)
    language = turn.language
    today = turn.now.date()
    builder = ReplyBuilder()
    due = plan.update_due_on
    if plan.submitted_at is not None:
        when = t("plan.submitted", language, date=short_date(plan.submitted_at, language))
    elif due is None:
        when = "—"
    elif due >= today:
        when = t("plan.days_left", language, days=(due - today).days)
    else:
        when = t("plan.days_late", language, days=(today - due).days)
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
        builder.add("   ", italic(f"{state} · {checkin.owner_text(action)} · {t('report.due_short', language)} "
                                  f"{due_text}{flag}"))
    if overdue:
        builder.add(t("plan.overdue_count", language, count=overdue))
    builder.add(t("plan.footer", language))
    return [builder.build()]


async def submitted(turn: Turn, args: str) -> list[Reply]:
    """Mark the progress update as sent to the ERC: the nudges about it stop (/submitted PLAN)."""
    person = require_person(turn)
    if person.role not in (Role.HC, Role.SECRETARIAT, Role.ADMIN):
        raise AccessDenied("submitted.not_allowed")
    plan = await _chosen_plan(turn, person, args)
    language = turn.language
    if plan.submitted_at is not None:
        return [text_reply(t("submitted.already", language, plan=plan.title,
                             date=short_date(plan.submitted_at, language)))]
    plan.submitted_at = turn.now
    return [text_reply(t("submitted.done", language, plan=plan.title))]


async def report(turn: Turn, args: str) -> list[Reply]:
    """The draft progress update to the ERC, as a Markdown file (/report or /report PLAN)."""
    person = require_person(turn)
    plan = await _chosen_plan(turn, person, args)
    language = turn.language
    draft = build_report(plan, turn.now)
    text = report_markdown(draft, language)
    counts = " · ".join(f"{status_name(status, language)}: {draft.counts[status.value]}"
                        for status in checkin.STATUS_ORDER if draft.counts[status.value])
    builder = ReplyBuilder().add(t("report.ready", language, plan=plan.title))
    if counts:
        builder.add(counts)
    attachment = Attachment(f"{plan.code}-update-{turn.now.date().isoformat()}.md", text.encode("utf-8"),
                            "text/markdown")
    return [Reply(tuple(builder.lines), attachment=attachment)]
