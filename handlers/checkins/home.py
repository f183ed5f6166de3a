"""The home a chat platform shows beside the conversation (Slack's App Home tab): a person's plans
at a glance, with buttons to check in and to draft the update; for a stranger, how to get access.

Platform-neutral like every handler: it returns a reply and the adapter renders it. It shows what
``/plan`` shows, shorter, and follows the same access rule (a person sees their own operation's
plans). The secretariat, who watches every operation, gets the overview of ``/plans`` instead:
every plan, the most urgent first, two lines each.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

from handlers.checkins.dialogue import status_name
from handlers.checkins.plans import due_state
from handlers.dates import short_date
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic
from handlers.nudges.deadlines import LadderSettings
from handlers.peers import chat as peers_chat
from handlers.secretariat import overview
from knowledge import SearchIndex
from storage import repositories as repo
from storage.database import Database
from storage.models import ActionPlan, Person

# A home is a glance, not a report: an operation with several plans shows the first few (the
# secretariat's home is the overview of every plan, in handlers.secretariat.overview).
HOME_PLANS: Final = 3

def _add_plan(builder: ReplyBuilder, person: Person, plan: ActionPlan, today: date, language: str,
              name_buttons: bool) -> None:
    due = short_date(plan.update_due_on, language) if plan.update_due_on else "—"
    builder.add(bold(t("plan.header", language, plan=plan.title, due=due)), f" ({due_state(plan, today, language)})")
    for action in plan.actions:
        last = repo.latest_update(action)
        state = status_name(last.status, language) if last else t("report.no_status", language)
        builder.add(bold(f"#{action.number} "), action.title, " · ", italic(state))
    builder.blank()
    # With several plans on one home, a bare "Check in" would not say which plan it is for.
    suffix = f" · {plan.code}" if name_buttons else ""
    # Plan codes rather than "#ID": the check-in command looks plans up by code.
    if repo.actions_answered_by(person, plan):
        builder.button(t("home.checkin", language) + suffix, f"checkin:{plan.code}")
    builder.button(t("nudge.draft", language) + suffix, f"report:{plan.code}")


def _stranger() -> Reply:
    builder = ReplyBuilder().add(bold(t("home.title", "en")))
    # Nothing says which language a stranger reads: both, English first.
    for language in ("en", "fr"):
        builder.blank()
        builder.add(t("home.stranger", language), " ", t("invite.how", language))
        builder.add(t("home.ask", language))
    return builder.build()


async def home(database: Database, platform: str, user_id: str, now: datetime,
               ladder: LadderSettings | None = None, index: SearchIndex | None = None) -> Reply:
    """What the home shows to this chat account at ``now`` (``ladder``: the deadlines' settings;
    ``index``: reads the topics of actions imported without any, for the other operations' lines)."""
    async with database.transaction() as session:
        person = await repo.person_by_identity(session, platform, user_id)
        if person is None:
            return _stranger()
        language = person.language
        builder = ReplyBuilder().add(bold(t("home.title", language)))
        builder.add(t("home.greeting", language, name=person.name.split()[0] if person.name else ""))
        builder.blank()
        if repo.may_see_all_plans(person):
            rows = await overview.read_rows(session, now, ladder or LadderSettings())
            overview.home_overview(builder, rows, language)
            await peers_chat.secretariat_home_line(session, builder, language)
            builder.blank()
            builder.add(t("home.ask", language))
            return builder.build()
        plans = await repo.plans_visible_to(session, person)
        # Plans still waiting for their update first: those are the ones a person acts on.
        plans.sort(key=lambda plan: plan.submitted_at is not None)
        shown = plans[:HOME_PLANS]
        if not shown:
            builder.add(t("plan.none", language))
            builder.blank()
        for plan in shown:
            _add_plan(builder, person, plan, now.date(), language, name_buttons=len(shown) > 1)
        if len(plans) > len(shown):
            builder.add(t("home.more_plans", language, count=len(plans) - len(shown)))
        if index is not None:
            await peers_chat.home_lines(session, index, person, builder, language)
        builder.add(t("home.ask", language))
        return builder.build()
