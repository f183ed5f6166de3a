"""Queries of peer-to-peer support: the actions other operations share, the notes their authors
marked shareable, and introductions ("Put me in touch") with their limits and counts.

What a person may see is decided in ``handlers.peers.visibility``; these functions only read and
write what they are asked for."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, and_, cast, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    ChatIdentity,
    Introduction,
    IntroductionState,
    Mission,
    Operation,
    Person,
    Role,
    Sharing,
    Status,
)


def _action_loading() -> list[object]:
    return [
        selectinload(Action.plan).selectinload(ActionPlan.mission).selectinload(Mission.operation),
        selectinload(Action.updates),
        selectinload(Action.owner),
    ]


def _shared_actions(levels: Collection[Sharing] | None,
                    excluded_operation_id: int | None) -> Select[int, str, list[str]]:
    query = (select(Action.id, Action.title, Action.topics).join(ActionPlan, Action.plan_id == ActionPlan.id)
             .join(Mission, ActionPlan.mission_id == Mission.id)
             .join(Operation, Mission.operation_id == Operation.id))
    if levels is not None:
        query = query.where(Operation.sharing.in_(list(levels)))
    if excluded_operation_id is not None:
        query = query.where(Operation.id != excluded_operation_id)
    return query


async def shared_actions_on(session: AsyncSession, topics: Collection[str], *, levels: Collection[Sharing] | None,
                            excluded_operation_id: int | None) -> list[tuple[int, str, list[str]]]:
    """Id, title and imported topics of the actions of the operations at one of ``levels`` (None: at
    any level), but one operation's, that either were imported with one of ``topics`` or with none
    (their titles say what they are about). Three columns a row, whatever the plans' history."""
    stored_topics = cast(Action.topics, String)
    on_topic = [stored_topics.contains(f'"{topic}"', autoescape=True) for topic in topics]
    untagged = or_(Action.topics.is_(None), stored_topics.in_(["[]", "null"]))
    query = (_shared_actions(levels, excluded_operation_id).where(or_(untagged, *on_topic))
             .order_by(Operation.code, ActionPlan.code, Action.number))
    return [(int(row[0]), str(row[1]), list(row[2] or [])) for row in (await session.execute(query)).all()]


@dataclass(frozen=True, slots=True)
class PeerRow:
    """What a peer sees of one action: its operation, and its standing update and shareable note."""

    action_id: int
    operation_id: int
    country: str
    status: Status | None
    changed_at: datetime | None
    note: str | None


async def peer_rows(session: AsyncSession, action_ids: Collection[int]) -> dict[int, PeerRow]:
    """For each action: its operation, its latest update (a correction is a later update, so the
    latest always stands) and the latest note its author marked shareable that no correction
    replaced. One row per action, read in one query."""
    if not action_ids:
        return {}
    ids = sorted(set(action_ids))
    latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("update_id"))
              .where(ActionUpdate.action_id.in_(ids)).group_by(ActionUpdate.action_id).subquery())
    replaced = select(ActionUpdate.supersedes_id).where(ActionUpdate.action_id.in_(ids),
                                                        ActionUpdate.supersedes_id.is_not(None))
    noted = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("update_id"))
             .where(ActionUpdate.action_id.in_(ids), ActionUpdate.shareable.is_(True),
                    ActionUpdate.note.is_not(None), ActionUpdate.note != "", ActionUpdate.id.not_in(replaced))
             .group_by(ActionUpdate.action_id).subquery())
    last, note = aliased(ActionUpdate), aliased(ActionUpdate)
    query = (select(Action.id, Operation.id, Operation.country, last.status, last.created_at, note.note)
             .join(ActionPlan, Action.plan_id == ActionPlan.id).join(Mission, ActionPlan.mission_id == Mission.id)
             .join(Operation, Mission.operation_id == Operation.id)
             .outerjoin(latest, latest.c.action_id == Action.id).outerjoin(last, last.id == latest.c.update_id)
             .outerjoin(noted, noted.c.action_id == Action.id).outerjoin(note, note.id == noted.c.update_id)
             .where(Action.id.in_(ids)))
    rows = {}
    for action_id, operation_id, country, status, changed_at, text in (await session.execute(query)).all():
        rows[int(action_id)] = PeerRow(int(action_id), int(operation_id), str(country),
                                       Status(status) if status is not None else None, changed_at, text)
    return rows


async def action_by_id(session: AsyncSession, action_id: int) -> Action | None:
    found = await session.execute(select(Action).where(Action.id == action_id).options(*_action_loading()))  # type: ignore[arg-type]
    return found.scalars().first()


async def action_by_number(session: AsyncSession, plan_code: str, number: int) -> Action | None:
    found = await session.execute(
        select(Action).join(ActionPlan, Action.plan_id == ActionPlan.id)
        .where(ActionPlan.code == plan_code, Action.number == number).options(*_action_loading()))  # type: ignore[arg-type]
    return found.scalars().first()


async def update_by_id(session: AsyncSession, update_id: int) -> ActionUpdate | None:
    found = await session.execute(
        select(ActionUpdate).where(ActionUpdate.id == update_id)
        .options(selectinload(ActionUpdate.action).selectinload(Action.plan).selectinload(ActionPlan.mission)
                 .selectinload(Mission.operation), selectinload(ActionUpdate.person)))
    return found.scalars().first()


async def mark_shareable(session: AsyncSession, update_id: int, shareable: bool) -> None:
    await session.execute(update(ActionUpdate).where(ActionUpdate.id == update_id).values(shareable=shareable))


async def operations(session: AsyncSession) -> list[Operation]:
    return list((await session.execute(select(Operation).order_by(Operation.code))).scalars())


async def set_sharing(session: AsyncSession, levels: dict[int, Sharing]) -> None:
    """Each operation (by id) at its new sharing level."""
    for operation_id, level in levels.items():
        await session.execute(update(Operation).where(Operation.id == operation_id).values(sharing=level))


async def operation_hc(session: AsyncSession, operation_id: int) -> Person | None:
    """The operation's HC (the first registered, should there be two), with their chats."""
    found = await session.execute(
        select(Person).where(Person.operation_id == operation_id, Person.role == Role.HC)
        .options(selectinload(Person.identities), selectinload(Person.operation)).order_by(Person.id).limit(1))
    return found.scalars().first()


async def person_with_chats(session: AsyncSession, person_id: int) -> Person | None:
    found = await session.execute(select(Person).where(Person.id == person_id)
                                  .options(selectinload(Person.identities), selectinload(Person.operation)))
    return found.scalars().first()


async def active_identities(session: AsyncSession, person_id: int) -> list[ChatIdentity]:
    found = await session.execute(select(ChatIdentity).where(ChatIdentity.person_id == person_id,
                                                             ChatIdentity.active.is_(True)).order_by(ChatIdentity.id))
    return list(found.scalars())


async def lock_people(session: AsyncSession, *person_ids: int) -> None:
    """Holds these people's rows until the transaction ends (PostgreSQL's FOR UPDATE, in the order
    of their ids so that two transactions never wait for each other); SQLite's transactions hold
    the one write lock already."""
    await session.execute(select(Person.id).where(Person.id.in_(sorted(set(person_ids))))
                          .order_by(Person.id).with_for_update())


async def recent_introduction(session: AsyncSession, requester_id: int, recipient_id: int, action_id: int,
                              topic: str, since: datetime) -> Introduction | None:
    """The latest request made after ``since`` between these two people, whichever asked whom, on
    ``topic`` or about the action ``action_id``."""
    pair = or_(and_(Introduction.requester_id == requester_id, Introduction.recipient_id == recipient_id),
               and_(Introduction.requester_id == recipient_id, Introduction.recipient_id == requester_id))
    found = await session.execute(
        select(Introduction).where(pair, or_(Introduction.topic == topic, Introduction.action_id == action_id),
                                   Introduction.created_at > since)
        .order_by(Introduction.created_at.desc()).limit(1))
    return found.scalars().first()


async def add_introduction(session: AsyncSession, *, requester_id: int, recipient_id: int, action_id: int,
                           topic: str, now: datetime) -> Introduction:
    introduction = Introduction(requester_id=requester_id, recipient_id=recipient_id, action_id=action_id,
                                topic=topic, state=IntroductionState.PENDING, created_at=now)
    session.add(introduction)
    await session.flush()
    return introduction


async def introduction_by_id(session: AsyncSession, introduction_id: int) -> Introduction | None:
    found = await session.execute(
        select(Introduction).where(Introduction.id == introduction_id)
        .options(selectinload(Introduction.requester).selectinload(Person.identities),
                 selectinload(Introduction.requester).selectinload(Person.operation),
                 selectinload(Introduction.recipient).selectinload(Person.identities),
                 selectinload(Introduction.recipient).selectinload(Person.operation),
                 selectinload(Introduction.action).selectinload(Action.plan).selectinload(ActionPlan.mission)
                 .selectinload(Mission.operation)))
    return found.scalars().first()


async def answer_introduction(session: AsyncSession, introduction_id: int, state: IntroductionState,
                              now: datetime) -> bool:
    """Moves a waiting request to ``state``; False when it was answered already (a second press, a
    press on another replica): only the first answer is acted on."""
    changed = await session.execute(
        update(Introduction).where(Introduction.id == introduction_id,
                                   Introduction.state == IntroductionState.PENDING)
        .values(state=state, answered_at=now))
    return bool(getattr(changed, "rowcount", 0))


async def introduction_counts(session: AsyncSession, since: datetime | None = None) -> dict[IntroductionState, int]:
    """How many introductions were asked for (since ``since``), by state."""
    query = select(Introduction.state, func.count()).group_by(Introduction.state)
    if since is not None:
        query = query.where(Introduction.created_at >= since)
    counts = {state: 0 for state in IntroductionState}
    for state, count in (await session.execute(query)).all():
        counts[IntroductionState(state)] = int(count)
    return counts


async def introduction_topics(session: AsyncSession, limit: int = 5) -> list[tuple[str, int]]:
    """The topics introductions were asked about most, with how many each."""
    found = await session.execute(select(Introduction.topic, func.count().label("asked"))
                                  .group_by(Introduction.topic).order_by(func.count().desc(), Introduction.topic)
                                  .limit(limit))
    return [(str(topic), int(count)) for topic, count in found.all()]
