"""Queries and writes, one function each, on an ``AsyncSession`` the caller controls.

Relationships are loaded eagerly where a caller needs them: async sessions cannot lazy-load.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    ChatIdentity,
    CheckinSession,
    CheckinStep,
    Mission,
    Operation,
    Person,
    QuestionLog,
    Role,
    Status,
)

OPEN_CHECKIN_STEPS = (CheckinStep.ASK_STATUS, CheckinStep.ASK_NOTE, CheckinStep.PAUSED)


async def person_by_identity(session: AsyncSession, platform: str, external_user_id: str) -> Person | None:
    found = await session.execute(_PERSON_BY_IDENTITY, {"platform": platform, "user_id": external_user_id})
    return found.scalars().first()


# Built once, with its values as parameters: every message reads it, and a statement built anew
# each time is walked again for its cache key.
_PERSON_BY_IDENTITY = (select(Person).join(ChatIdentity)
                       .where(ChatIdentity.platform == bindparam("platform"),
                              ChatIdentity.external_user_id == bindparam("user_id"))
                       .options(selectinload(Person.operation)))


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    found = await session.execute(
        select(Person).where(func.lower(Person.email) == email.strip().lower()).options(selectinload(Person.operation))
    )
    return found.scalars().first()


async def link_identity(session: AsyncSession, person: Person, platform: str, external_user_id: str,
                        chat_id: str) -> ChatIdentity:
    """Links a chat account to a person; relinking the same account moves it (and reactivates it)."""
    found = await session.execute(
        select(ChatIdentity).where(ChatIdentity.platform == platform, ChatIdentity.external_user_id == external_user_id)
    )
    identity = found.scalars().first()
    if identity is None:
        identity = ChatIdentity(person_id=person.id, platform=platform, external_user_id=external_user_id,
                                chat_id=chat_id, active=True)
        session.add(identity)
    else:
        identity.person_id, identity.chat_id, identity.active = person.id, chat_id, True
    await session.flush()
    return identity


def _plan_loading() -> list[object]:
    return [
        selectinload(ActionPlan.mission).selectinload(Mission.operation),
        selectinload(ActionPlan.actions).selectinload(Action.owner),
        selectinload(ActionPlan.actions).selectinload(Action.updates).selectinload(ActionUpdate.person),
    ]


def may_see_all_plans(person: Person) -> bool:
    return person.role in (Role.SECRETARIAT, Role.ADMIN)


async def plans_visible_to(session: AsyncSession, person: Person) -> list[ActionPlan]:
    """The plans a person may see: their own operation's, or every plan for the secretariat.

    Newest adoption first, so "my plan" is the first one.
    """
    query = select(ActionPlan).join(Mission).options(*_plan_loading()).order_by(ActionPlan.adopted_on.desc())  # type: ignore[arg-type]
    if not may_see_all_plans(person):
        if person.operation_id is None:
            return []
        query = query.where(Mission.operation_id == person.operation_id)
    found = await session.execute(query)
    return list(found.scalars().unique())


async def plan_by_code(session: AsyncSession, code: str) -> ActionPlan | None:
    found = await session.execute(
        select(ActionPlan).where(ActionPlan.code == code).options(*_plan_loading())  # type: ignore[arg-type]
    )
    return found.scalars().first()


async def plan_by_id(session: AsyncSession, plan_id: int) -> ActionPlan | None:
    found = await session.execute(
        select(ActionPlan).where(ActionPlan.id == plan_id).options(*_plan_loading())  # type: ignore[arg-type]
    )
    return found.scalars().first()


def latest_update(action: Action) -> ActionUpdate | None:
    """The action's current update: a correction is a new update, so the latest is always the one
    that stands."""
    return action.updates[-1] if action.updates else None


def superseded_ids(action: Action) -> set[int]:
    """The ids of the action's updates that a later correction replaced (kept in its history)."""
    return {update.supersedes_id for update in action.updates if update.supersedes_id is not None}


def standing_updates(action: Action) -> list[ActionUpdate]:
    """The action's updates in order, without the ones a correction replaced: what a report quotes."""
    replaced = superseded_ids(action)
    return [update for update in action.updates if update.id not in replaced]


def actions_answered_by(person: Person, plan: ActionPlan) -> list[Action]:
    """The open actions a person answers for: the HC (and the secretariat) the whole plan, an owner
    their own ones. Done actions are not asked about again."""
    chosen = []
    for action in plan.actions:
        last = latest_update(action)
        if last is not None and last.status is Status.DONE:
            continue
        if person.role in (Role.HC, Role.SECRETARIAT, Role.ADMIN) or action.owner_id == person.id:
            chosen.append(action)
    return chosen


async def add_update(session: AsyncSession, action_id: int, status: Status, note: str | None,
                     person_id: int | None, platform: str, now: datetime, *, checkin_id: int | None = None,
                     supersedes_id: int | None = None) -> ActionUpdate:
    update = ActionUpdate(action_id=action_id, status=status, note=note, person_id=person_id,
                          platform=platform, created_at=now, checkin_id=checkin_id, supersedes_id=supersedes_id)
    session.add(update)
    await session.flush()
    return update


async def record_update(session: AsyncSession, action: Action, status: Status, note: str | None,
                        person_id: int | None, platform: str, now: datetime, *, checkin_id: int | None = None,
                        supersedes_id: int | None = None) -> ActionUpdate:
    """``add_update`` on a loaded action, whose ``updates`` then include the new one (the rest of
    the turn reads the action's latest update from it)."""
    update = await add_update(session, action.id, status, note, person_id, platform, now, checkin_id=checkin_id,
                              supersedes_id=supersedes_id)
    if "updates" not in inspect(action).unloaded and update not in action.updates:
        action.updates.append(update)
    return update


async def open_checkin(session: AsyncSession, person_id: int) -> CheckinSession | None:
    found = await session.execute(
        select(CheckinSession)
        .where(CheckinSession.person_id == person_id, CheckinSession.step.in_(OPEN_CHECKIN_STEPS))
        .order_by(CheckinSession.id.desc())
        .with_for_update()
    )
    return found.scalars().first()


async def checkin_of(session: AsyncSession, person_id: int, checkin_id: int) -> CheckinSession | None:
    """One of this person's check-ins, open or not (a button can name a finished one)."""
    found = await session.execute(
        select(CheckinSession).where(CheckinSession.id == checkin_id, CheckinSession.person_id == person_id)
        .with_for_update())
    return found.scalars().first()


async def actions_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Action]:
    found = await session.execute(
        select(Action).where(Action.id.in_(ids)).options(
            selectinload(Action.owner), selectinload(Action.updates), selectinload(Action.plan)
        )
    )
    return {action.id: action for action in found.scalars()}


async def log_question(session: AsyncSession, *, person_id: int | None, platform: str, external_user_id: str,
                       question: str, result_ids: list[str], confident: bool, now: datetime) -> int:
    """Logs an asked question; returns its id. One INSERT on the table, built once: every
    question takes it, and an ORM object and its flush cost more than the statement."""
    return int((await session.execute(_LOG_QUESTION, {
        "person_id": person_id, "platform": platform, "external_user_id": external_user_id, "question": question,
        "result_ids": result_ids, "confident": confident, "passed_on": False, "asked_at": now})).scalar_one())


_QUESTION_LOG = cast(Table, QuestionLog.__table__)
_LOG_QUESTION = insert(_QUESTION_LOG).returning(_QUESTION_LOG.c.id)


async def question_of(session: AsyncSession, log_id: int, platform: str, external_user_id: str) -> QuestionLog | None:
    """A logged question, only for the person who asked it: a button cannot touch someone else's."""
    found = await session.execute(
        select(QuestionLog).where(QuestionLog.id == log_id, QuestionLog.platform == platform,
                                  QuestionLog.external_user_id == external_user_id)
    )
    return found.scalars().first()


async def last_question_of(session: AsyncSession, platform: str, external_user_id: str) -> QuestionLog | None:
    found = await session.execute(
        select(QuestionLog).where(QuestionLog.platform == platform, QuestionLog.external_user_id == external_user_id)
        .order_by(QuestionLog.id.desc()).limit(1)
    )
    return found.scalars().first()


async def operation_by_code(session: AsyncSession, code: str) -> Operation | None:
    found = await session.execute(select(Operation).where(Operation.code == code))
    return found.scalars().first()
