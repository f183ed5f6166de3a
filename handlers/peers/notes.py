"""Shareable notes, and the learning they may become.

A check-in's note never leaves its operation unless its author says so: after a Done or On-track
update with a note, in an operation that shares its plan, the author is asked "share this note with
peers?". A Done action with a shared note is what the secretariat turns into learning products: it
is offered one, through the outbox, with ``hcbot kb draft`` to start it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Final

from handlers.context import HandlerContext
from handlers.dates import short_date
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic, reply_to_json
from handlers.peers.visibility import shorten
from storage import outbox
from storage import peers as stored
from storage import repositories as repo
from storage import tickets as desk
from storage.database import Session
from storage.models import Action, ActionUpdate, Person, Sharing, Status

logger = logging.getLogger(__name__)

SHAREABLE_STATUSES: Final = frozenset({Status.DONE, Status.ON_TRACK})
CANDIDATE_NOTES: Final = 3
CANDIDATE_NOTE_LIMIT: Final = 300


def action_reference(action: Action) -> str:
    """How ``hcbot kb draft`` names an action: its plan's code and its number."""
    return f"{action.plan.code}:{action.number}"


async def share_question(session: Session, person: Person, update: ActionUpdate | None, language: str) -> list[Reply]:
    """The question after a Done or On-track update with a note, when the operation shares its plan
    (with no sharing, no peer would ever read it: nothing to ask)."""
    if update is None or not update.note or update.status not in SHAREABLE_STATUSES or update.person_id != person.id:
        return []
    loaded = await stored.update_by_id(session, update.id)
    if loaded is None or loaded.action.plan.mission.operation.sharing is Sharing.NONE:
        return []
    builder = ReplyBuilder().add(t("peers.note_question", language, number=loaded.action.number))
    builder.button(t("peers.note_share", language), f"peers:note:{update.id}:y")
    builder.button(t("peers.note_keep", language), f"peers:note:{update.id}:n")
    return [builder.build()]


async def press_share(context: HandlerContext, session: Session, person: Person, update_id: str, answer: str,
                      now: datetime, language: str) -> list[Reply]:
    """"Share" or "Keep private" under the question: only the note's author decides."""
    update = await stored.update_by_id(session, int(update_id)) if update_id.isdigit() else None
    if update is None or update.person_id != person.id or answer not in ("y", "n"):
        return [ReplyBuilder().add(t("peers.not_yours", language)).build()]
    shared = answer == "y"
    await stored.mark_shareable(session, update.id, shared)
    update.shareable = shared
    if not shared:
        return [ReplyBuilder().add(t("peers.note_kept", language)).build()]
    if update.status is Status.DONE:
        await offer_learning(context, session, update.action_id, now)
    return [ReplyBuilder().add(t("peers.note_shared", language, number=update.action.number)).build()]


def candidate_reply(action: Action, language: str) -> Reply:
    """"Turn this into a practical note?": the action, its operation, its shared notes and dates."""
    operation = action.plan.mission.operation
    standing = repo.standing_updates(action)
    last = standing[-1] if standing else None
    builder = ReplyBuilder().add(bold(t("peers.candidate_title", language)))
    builder.add(t("peers.candidate_action", language, where=operation.country, number=action.number,
                  title=shorten(action.title, 200), plan=action.plan.code))
    if last is not None:
        builder.add(t("peers.candidate_dates", language, adopted=short_date(action.plan.adopted_on, language),
                      done=short_date(last.created_at.date(), language)))
    notes = [update for update in standing if update.shareable and update.note][-CANDIDATE_NOTES:]
    for update in notes:
        builder.add("“" + shorten(update.note or "", CANDIDATE_NOTE_LIMIT) + "” ",
                    italic(short_date(update.created_at.date(), language)))
    builder.add(t("peers.candidate_draft", language, reference=action_reference(action)))
    return builder.build()


async def offer_learning(context: HandlerContext, session: Session, action_id: int, now: datetime) -> int:
    """Queues the candidate to the secretariat (its channel, or each member), once per action:
    a second shared note on a Done action is already in the draft the first one started."""
    action = await stored.action_by_id(session, action_id)
    if action is None:
        return 0
    key = f"peers:learning:{action.id}"
    if context.desk.channel:
        payload = {**reply_to_json(candidate_reply(action, "en")), "language": "en", "proactive": True,
                   "to": t("ticket.channel_label", "en")}
        return int(await desk.enqueue_to_chat(session, dedupe_key=f"{key}:channel", kind="learning",
                                              platform=context.desk.channel_platform, chat_id=context.desk.channel,
                                              payload=payload, due_at=now, now=now))
    members = await desk.secretariat(session)
    if not members:
        logger.warning("a learning candidate (action %s) has no secretariat member to go to", action.id)
    queued = 0
    for member in members:
        queued += await outbox.enqueue(session, dedupe_key=f"{key}:{member.id}", kind="learning", person_id=member.id,
                                       payload=reply_to_json(candidate_reply(action, member.language)),
                                       due_at=now, now=now)
    return queued
