"""Introductions: "Put me in touch" asks the other operation's HC (or the action's owner) through the
outbox; Accept gives both each other's name and contact, Not now shares nothing and the asker is
told kindly. One request per pair of people (whoever asked whom) and topic, or action, per 30 days;
every request is recorded and counted."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import AccessDenied, NotFound
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, Span, bold, link, reply_to_json, text_reply
from handlers.peers.visibility import action_topics, shorten, sight_of
from knowledge import TOPICS, topic_name
from storage import outbox
from storage import peers as stored
from storage.database import Session
from storage.models import Action, Introduction, IntroductionState, Person, Role

logger = logging.getLogger(__name__)

ONCE_PER: Final = timedelta(days=30)
# A chat identity is a way to reach someone only on the platforms people message each other on.
_REACHABLE_PLATFORMS: Final = ("slack", "telegram")


def _may_see(person: Person, action: Action) -> bool:
    sight = sight_of(person)
    operation = action.plan.mission.operation
    if sight.sees_nothing or operation.id == sight.own_operation_id:
        return False
    return sight.levels is None or operation.sharing in sight.levels


def _role(person: Person, language: str) -> str:
    return t(f"peers.role_{person.role.value}", language)


def _who(person: Person, language: str) -> str:
    """"Amina Example, HC in Sahelia"."""
    if person.operation is None:
        return t("peers.who_no_operation", language, name=person.name, role=_role(person, language))
    return t("peers.who", language, name=person.name, role=_role(person, language), where=person.operation.country)


def _topic(slug: str, language: str) -> str:
    return topic_name(slug, language) if slug in TOPICS else slug


async def recipient_for(session: Session, action: Action) -> Person | None:
    """Who is asked: the operation's HC; with no HC registered, the action's owner if they are a
    registered person of that operation."""
    operation = action.plan.mission.operation
    hc = await stored.operation_hc(session, operation.id)
    if hc is not None:
        return hc
    if action.owner_id is not None:
        owner = await stored.person_with_chats(session, action.owner_id)
        if owner is not None and owner.operation_id == operation.id:
            return owner
    return None


def request_reply(introduction: Introduction, language: str) -> Reply:
    action = introduction.action
    builder = ReplyBuilder().add(t("peers.request", language, who=_who(introduction.requester, language),
                                   where=action.plan.mission.operation.country,
                                   title=shorten(action.title, 120), topic=_topic(introduction.topic, language)))
    builder.add(t("peers.request_choice", language))
    builder.button(t("peers.accept", language), f"peers:ok:{introduction.id}")
    builder.button(t("peers.not_now", language), f"peers:no:{introduction.id}")
    return builder.build()


async def ask(turn: Turn, action_id: str, topic: str) -> list[Reply]:
    """"Put me in touch" under an answer or /peers: ``peers:in:<action>:<topic>``."""
    language = turn.language
    person = turn.person
    if person is None:
        raise AccessDenied("peers.stranger")
    action = await stored.action_by_id(turn.session, int(action_id)) if action_id.isdigit() else None
    if action is None or not _may_see(person, action):
        # The same words whether the action is gone or was never shared with this person.
        raise NotFound("peers.gone")
    where = action.plan.mission.operation.country
    recipient = await recipient_for(turn.session, action)
    # Registered but with no chat linked, they would never see the request: the asker is told now.
    if recipient is None or not await stored.active_identities(turn.session, recipient.id):
        return [text_reply(t("peers.nobody", language, where=where))]
    # The button names the topic, but a payload can be forged: only one of the action's own topics
    # is recorded and repeated to the person asked.
    topics = action_topics(turn.context.index, action)
    if not topics:
        raise NotFound("peers.gone")
    topic = topic if topic in topics else topics[0]
    # Two presses at once (two replicas, or both people asking each other) wait here for each other.
    await stored.lock_people(turn.session, person.id, recipient.id)
    earlier = await stored.recent_introduction(turn.session, person.id, recipient.id, action.id, topic,
                                               turn.now - ONCE_PER)
    if earlier is not None:
        key = "peers.already" if earlier.requester_id == person.id else "peers.already_theirs"
        return [text_reply(t(key, language, where=where, topic=_topic(earlier.topic, language),
                             role=_role(recipient, language), date=short_date(earlier.created_at.date(), language),
                             again=short_date((earlier.created_at + ONCE_PER).date(), language)))]
    introduction = await stored.add_introduction(turn.session, requester_id=person.id, recipient_id=recipient.id,
                                                 action_id=action.id, topic=topic, now=turn.now)
    loaded = await stored.introduction_by_id(turn.session, introduction.id)
    assert loaded is not None
    await outbox.enqueue(turn.session, dedupe_key=f"peers:intro:{introduction.id}:ask", kind="introduction",
                         person_id=recipient.id, payload=reply_to_json(request_reply(loaded, recipient.language)),
                         due_at=turn.now, now=turn.now)
    logger.info("introduction %s requested", introduction.id)
    return [text_reply(t("peers.asked", language, where=where, role=_role(recipient, language),
                         topic=_topic(topic, language)))]


def _contact(person: Person, other: Person, language: str) -> list[str | Span]:
    """How to reach ``person``: their e-mail, and their handle on a platform ``other`` uses too."""
    parts: list[str | Span] = [bold(person.name), f" ({_role(person, language)}"
                               + (f", {person.operation.country}" if person.operation is not None else "") + ")",
                               ": ", link(person.email, f"mailto:{person.email}")]
    theirs = {identity.platform: identity for identity in person.identities if identity.active}
    mine = {identity.platform for identity in other.identities if identity.active}
    for platform in _REACHABLE_PLATFORMS:
        identity = theirs.get(platform)
        if identity is None or platform not in mine:
            continue
        if platform == "telegram":
            parts += [" · ", link(t("peers.on_telegram", language), f"tg://user?id={identity.external_user_id}")]
        else:
            parts.append(" · " + t("peers.on_slack", language, id=identity.external_user_id))
    return parts


async def answer(turn: Turn, introduction_id: str, accepted: bool) -> list[Reply]:
    """Accept or Not now, pressed by the person asked: ``peers:ok:<id>`` / ``peers:no:<id>``."""
    language = turn.language
    person = turn.person
    introduction = (await stored.introduction_by_id(turn.session, int(introduction_id))
                    if introduction_id.isdigit() else None)
    if person is None or introduction is None or introduction.recipient_id != person.id:
        return [text_reply(t("peers.not_yours", language))]
    state = IntroductionState.ACCEPTED if accepted else IntroductionState.DECLINED
    if not await stored.answer_introduction(turn.session, introduction.id, state, turn.now):
        return [text_reply(t("peers.answered_already", language))]
    requester, recipient = introduction.requester, introduction.recipient
    topic = introduction.topic
    key = f"peers:intro:{introduction.id}:{state.value}"
    if accepted:
        told = ReplyBuilder().add(t("peers.accepted_asker", requester.language,
                                    topic=_topic(topic, requester.language)))
        told.add(*_contact(recipient, requester, requester.language))
        reply = ReplyBuilder().add(t("peers.accepted_you", language))
        reply.add(*_contact(requester, recipient, language))
    else:
        where = recipient.operation.country if recipient.operation is not None else ""
        told = ReplyBuilder().add(t("peers.declined_asker", requester.language, where=where,
                                    topic=_topic(topic, requester.language)))
        reply = ReplyBuilder().add(t("peers.declined_you", language))
    await outbox.enqueue(turn.session, dedupe_key=key, kind="introduction", person_id=requester.id,
                         payload=reply_to_json(told.build()), due_at=turn.now, now=turn.now)
    logger.info("introduction %s %s", introduction.id, state.value)
    return [reply.build()]


def counts_line(counts: dict[IntroductionState, int], language: str) -> str:
    total = sum(counts.values())
    return t("peers.intro_counts", language, count=total, accepted=counts[IntroductionState.ACCEPTED],
             declined=counts[IntroductionState.DECLINED], waiting=counts[IntroductionState.PENDING])


def may_count(person: Person | None) -> bool:
    return person is not None and person.role in (Role.SECRETARIAT, Role.ADMIN)
