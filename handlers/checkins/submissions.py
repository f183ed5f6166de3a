"""``/submitted`` (``/envoye``): the update went to the ERC, so the plan's nudges stop.

One tap on a phone must not silence a plan by mistake, so the bot asks first, naming the plan and
the date it will record ("Yes" / "No" buttons, or the words yes / oui / no / non), and a submission
can be undone for 7 days (``/submitted undo``, ``/envoye annuler``). Undoing puts back what the
submission replaced; the reconcile pass then sees an open plan again and the ladder carries on from
where it was: steps already sent keep their outbox rows and are not sent twice, and the latest step
that fell due meanwhile goes out once (the rules of ``handlers.nudges.reconcile``, unchanged).

The question waits in the database (``submission_questions``) for the next message: a yes or no
answers it; anything else passes it over, and it is dropped, so a "no" meant for a check-in's note
later on is never read as this answer.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from handlers.checkins.plans import chosen_plan, require_person
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, text_reply
from handlers.nudges.deadlines import update_due_on
from handlers.nudges.reconcile import ScheduleSettings, plan_ladder
from knowledge.text import fold
from storage import plans as plan_store
from storage import repositories as repo
from storage.database import Session
from storage.models import ActionPlan, Person, Role

UNDO_WITHIN: Final = timedelta(days=7)
QUESTION_LASTS: Final = timedelta(hours=1)
"""A "yes" later than this answers a question whose date may no longer be today's: it is asked again."""

REPORTERS: Final = (Role.HC, Role.SECRETARIAT, Role.ADMIN)
UNDO_WORDS: Final = frozenset({"undo", "annuler", "annule", "cancel", "defaire"})
YES: Final = frozenset({"yes", "y", "yep", "yeah", "oui", "o", "ouais", "ok", "okay", "sure", "confirm", "confirmer",
                        "d'accord", "daccord", "si"})
NO: Final = frozenset({"no", "n", "non", "nope", "nan"})
NOT_YET: Final = ("not yet", "pas encore")
_WORD = re.compile(r"[\w']+")


def yes_or_no(text: str) -> bool | None:
    """True for a yes, False for a no, None for anything else. A short answer only: "yes, sent
    today" is a yes; "no idea how others did it?" is a question, not an answer."""
    plain = fold(text).lower().strip()
    if not plain or plain.endswith("?") or plain.startswith("/"):
        return None
    words = _WORD.findall(plain)
    if not words or len(words) > 4:
        return None
    if plain.startswith(NOT_YET):
        return False
    if words[0] in YES:
        return True
    if words[0] in NO:
        return False
    return None


async def submitted(turn: Turn, args: str) -> list[Reply]:
    """Mark the update as sent to the ERC (asked first): its reminders stop; /submitted undo within 7 days."""
    person = require_person(turn, "stranger.submitted")
    words = args.split()
    if words and fold(words[0]).lower() in UNDO_WORDS:
        return await undo(turn, person, " ".join(words[1:]))
    if person.role not in REPORTERS:
        raise AccessDenied("submitted.not_allowed")
    plan = await _plan_to_submit(turn, person, args.strip())
    return [await _ask(turn, person, plan)]


async def press(turn: Turn, argument: str) -> list[Reply]:
    """A button: "#ID" or "CODE" (the nudge's "Mark as sent"), "yes:#ID" or "no:#ID" (the question's)."""
    person = require_person(turn, "stranger.submitted")
    if person.role not in REPORTERS:
        raise AccessDenied("submitted.not_allowed")
    answer, _, code = argument.partition(":")
    if answer in {"yes", "no"}:
        plan = await chosen_plan(turn, person, code)
        waiting = await plan_store.submission_question(turn.session, person.id)
        if waiting is None or waiting.plan_id != plan.id:
            # Answered already, passed over, or a button of an older question: ask about this plan afresh.
            return [await _ask(turn, person, plan)]
        return await _answer(turn, person, plan, waiting.asked_at, answer == "yes")
    return [await _ask(turn, person, await _plan_to_submit(turn, person, argument))]


async def answer_waiting(turn: Turn) -> list[Reply] | None:
    """The person's next message after "Mark as sent?": a yes or no is the answer (replies); any
    other message drops the question and is handled as usual (None). The /submitted command and its
    buttons see to the question themselves."""
    person = turn.person
    if person is None or person.role not in REPORTERS:
        return None
    waiting = await plan_store.submission_question(turn.session, person.id)
    if waiting is None:
        return None
    message = turn.message
    if message.button is not None:
        if message.button.startswith("submitted:"):
            return None
        said = None
    else:
        text = message.text.strip()
        if _is_submitted_command(text):
            return None
        said = yes_or_no(text)
    if said is None:
        await plan_store.drop_submission_question(turn.session, person.id)
        return None
    plan = await repo.plan_by_id(turn.session, waiting.plan_id)
    if plan is None or not _may_see(person, plan):
        await plan_store.drop_submission_question(turn.session, person.id)
        return None
    return await _answer(turn, person, plan, waiting.asked_at, said)


def _is_submitted_command(text: str) -> bool:
    name = fold(text[1:].split(" ", 1)[0].split("@", 1)[0]).lower() if text.startswith("/") else ""
    return name in {"submitted", "envoye"}


def _may_see(person: Person, plan: ActionPlan) -> bool:
    return repo.may_see_all_plans(person) or plan.mission.operation_id == person.operation_id


async def _plan_to_submit(turn: Turn, person: Person, code: str) -> ActionPlan:
    if code:
        return await chosen_plan(turn, person, code)
    if repo.may_see_all_plans(person):
        # The secretariat sees every plan: "the" plan would be a guess among many.
        open_plans = [plan for plan in await repo.plans_visible_to(turn.session, person) if plan.submitted_at is None]
        if len(open_plans) != 1:
            example = open_plans[0].code if open_plans else "sahelia-2026"
            raise BadInput("submitted.which", example=example)
        return open_plans[0]
    return await chosen_plan(turn, person, "")


async def _ask(turn: Turn, person: Person, plan: ActionPlan) -> Reply:
    language = turn.language
    if plan.submitted_at is not None:
        await plan_store.drop_submission_question(turn.session, person.id)
        return _already(turn, plan)
    await plan_store.ask_submission(turn.session, person.id, plan.id, turn.now)
    return (ReplyBuilder()
            .add(t("submitted.confirm", language, plan=plan.title, date=short_date(turn.now, language)))
            .button(t("submitted.yes", language), f"submitted:yes:#{plan.id}")
            .button(t("submitted.no", language), f"submitted:no:#{plan.id}")
            .build())


def _already(turn: Turn, plan: ActionPlan) -> Reply:
    assert plan.submitted_at is not None
    language = turn.language
    builder = ReplyBuilder().add(t("submitted.already", language, plan=plan.title,
                                   date=short_date(plan.submitted_at, language)))
    if turn.now - plan.submitted_at <= UNDO_WITHIN:
        builder.add(t("submitted.undo_hint", language, until=short_date(plan.submitted_at + UNDO_WITHIN, language)))
    return builder.build()


async def _answer(turn: Turn, person: Person, plan: ActionPlan, asked_at: datetime, yes: bool) -> list[Reply]:
    language = turn.language
    if not yes:
        await plan_store.drop_submission_question(turn.session, person.id)
        return [text_reply(t("submitted.declined", language, plan=plan.title))]
    if turn.now - asked_at > QUESTION_LASTS or asked_at.date() != turn.now.date():
        return [text_reply(t("submitted.asked_again", language)), await _ask(turn, person, plan)]
    await plan_store.drop_submission_question(turn.session, person.id)
    if plan.submitted_at is not None:
        return [_already(turn, plan)]
    await plan_store.record_submission(turn.session, plan, turn.now, person.id)
    return [ReplyBuilder()
            .add(t("submitted.done", language, plan=plan.title, date=short_date(turn.now, language)))
            .add(t("submitted.undo_hint", language, until=short_date(turn.now + UNDO_WITHIN, language)))
            .build()]


async def undo(turn: Turn, person: Person, code: str) -> list[Reply]:
    """``/submitted undo [PLAN]``: the plan named, or the one marked as sent last among those the
    person sees. Refused, each with its sentence: nothing to undo, more than 7 days ago, or a person
    who is not the plan's HC nor the secretariat."""
    language = turn.language
    await plan_store.drop_submission_question(turn.session, person.id)
    if person.role not in REPORTERS:
        # An HCT member sees the plan but does not answer for its update: say whose it is.
        plan = await chosen_plan(turn, person, code)
        raise AccessDenied("submitted.undo_not_allowed", operation=plan.mission.operation.name, plan=plan.title)
    if code:
        plan = await chosen_plan(turn, person, code)
    else:
        sent = [plan for plan in await repo.plans_visible_to(turn.session, person) if plan.submitted_at is not None]
        if not sent:
            raise NotFound("submitted.undo_none")
        plan = max(sent, key=lambda candidate: candidate.submitted_at or turn.now)
    if not repo.may_see_all_plans(person) and plan.mission.operation_id != person.operation_id:
        raise AccessDenied("submitted.undo_not_allowed", operation=plan.mission.operation.name, plan=plan.title)
    submission = await plan_store.standing_submission(turn.session, plan.id)
    if plan.submitted_at is None or submission is None:
        raise NotFound("submitted.undo_nothing", plan=plan.title)
    age = turn.now - submission.submitted_at
    if age > UNDO_WITHIN:
        return [text_reply(tn("submitted.undo_too_late", age.days, language, plan=plan.title,
                              date=short_date(submission.submitted_at, language), days=age.days))]
    await plan_store.undo_submission(turn.session, plan, submission, turn.now, person.id)
    return [text_reply(t("submitted.undo_done", language, plan=plan.title, when=_due_text(turn, plan)))]


def _due_text(turn: Turn, plan: ActionPlan) -> str:
    """"5 days left, due 15 Oct 2026": the deadline the reminders resume towards."""
    language = turn.language
    due = update_due_on(plan.adopted_on, plan.update_due_on, plan_ladder(plan, ScheduleSettings(turn.context.hours)))
    today = turn.now.astimezone(ZoneInfo(plan.mission.operation.timezone)).date()
    days = (due - today).days
    if days == 0:
        return t("plans.due_today", language)
    when = t("plan.days_left", language, days=days) if days > 0 else t("plan.days_late", language, days=-days)
    return t("plans.when_due", language, when=when, date=short_date(due, language))


async def record_from_shell(session: Session, code: str, now: datetime) -> ActionPlan | None:
    """``hcbot admin plan submitted PLAN``: the operator asked at the terminal, so no question; the
    submission is recorded like the chat's (by nobody in particular) and can be undone the same way.
    None when no plan has that code."""
    plan = await repo.plan_by_code(session, code)
    if plan is not None and plan.submitted_at is None:
        await plan_store.record_submission(session, plan, now, None)
    return plan
