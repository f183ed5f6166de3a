"""The chat side of peer to peer: ``/share`` (an operation's sharing level), ``/peers TOPIC``, the
buttons (Put me in touch, Accept / Not now, Share this note), and the App Home's few lines."""

from __future__ import annotations

import logging
from typing import Final

from handlers.answers.questions import resolve_topic
from handlers.context import Turn
from handlers.errors import AccessDenied, BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold, italic, text_reply
from handlers.peers import introductions, notes
from handlers.peers.answer_part import touch_label, touch_payload
from handlers.peers.visibility import (
    NOTE_LIMIT,
    Sight,
    action_topics,
    entry_text,
    one_per_operation,
    shorten,
    sight_of,
    visible_entries,
)
from knowledge import SearchIndex, topic_name
from knowledge.text import fold
from storage import peers as stored
from storage import repositories as repo
from storage.database import Session
from storage.models import Operation, Person, Role, Sharing

logger = logging.getLogger(__name__)

PEERS_OPERATIONS: Final = 5
HOME_OPERATIONS: Final = 3

# What people type for each level, in either language ("/share pairs", "/partage tous").
_LEVEL_WORDS: Final = {
    Sharing.NONE: {"none", "no", "off", "nothing", "aucun", "aucune", "rien", "non", "private", "prive"},
    Sharing.PEERS: {"peers", "peer", "pairs", "pair", "hcs"},
    Sharing.ALL: {"all", "everyone", "tous", "tout", "toutes", "public"},
}


def read_level(word: str) -> Sharing | None:
    folded = fold(word).lower().strip(" .!")
    for level, words in _LEVEL_WORDS.items():
        if folded in words:
            return level
    return None


def level_name(level: Sharing, language: str) -> str:
    return t(f"peers.level_{level.value}", language)


def _level_reply(operation: Operation, language: str, *, changed: bool, may_change: bool) -> Reply:
    key = "peers.share_set" if changed else "peers.share_now"
    builder = ReplyBuilder().add(t(key, language, where=operation.country,
                                   level=level_name(operation.sharing, language)))
    builder.add(t(f"peers.means_{operation.sharing.value}", language))
    builder.add(t("peers.notes_private", language))
    if may_change:
        builder.add(t("peers.share_how", language))
        for level in Sharing:
            if level is not operation.sharing:
                builder.button(t("peers.set_button", language, level=level_name(level, language)),
                               f"peers:lvl:{level.value}")
    else:
        builder.add(t("peers.share_ask_hc", language))
    return builder.build()


async def share(turn: Turn, args: str) -> list[Reply]:
    """Say what other operations may see of your plan: /share none, /share peers or /share all."""
    person, language = turn.person, turn.language
    if person is None:
        raise AccessDenied("peers.stranger")
    words = args.split()
    if repo.may_see_all_plans(person):
        return await _share_for_secretariat(turn, words)
    operation = person.operation
    if operation is None:
        raise NotFound("peers.no_operation")
    may_change = person.role is Role.HC
    if not words:
        return [_level_reply(operation, language, changed=False, may_change=may_change)]
    if not may_change:
        raise AccessDenied("peers.share_ask_hc")
    level = read_level(" ".join(words))
    if level is None:
        raise BadInput("peers.share_usage")
    await _set(turn.session, operation, level)
    return [_level_reply(operation, language, changed=True, may_change=True)]


async def _set(session: Session, operation: Operation, level: Sharing) -> None:
    await stored.set_sharing(session, {operation.id: level})
    operation.sharing = level
    logger.info("operation %s now shares at level %s", operation.code, level.value)


async def _share_for_secretariat(turn: Turn, words: list[str]) -> list[Reply]:
    language = turn.language
    operations = await stored.operations(turn.session)
    if not words:
        builder = ReplyBuilder().add(t("peers.share_all_intro", language))
        for operation in operations:
            builder.add(bold(operation.code), f" ({operation.country}) · " + level_name(operation.sharing, language))
        builder.add(t("peers.share_secretariat_how", language))
        return [builder.build()]
    if len(words) != 2 or read_level(words[1]) is None:
        raise BadInput("peers.share_secretariat_how")
    chosen = next((operation for operation in operations if operation.code == words[0].lower()), None)
    if chosen is None:
        raise NotFound("peers.unknown_operation", code=words[0][:60])
    level = read_level(words[1])
    assert level is not None
    await _set(turn.session, chosen, level)
    # The secretariat is not the operation: "your actions" and "ask your HC" are not for it.
    return [text_reply(t("peers.share_set", language, where=chosen.country, level=level_name(level, language)))]


async def peers(turn: Turn, args: str) -> list[Reply]:
    """Which other operations have an action on a topic: /peers psea."""
    person, language = turn.person, turn.language
    if person is None:
        raise AccessDenied("peers.stranger")
    if not args.strip():
        builder = ReplyBuilder().add(t("peers.usage", language))
        if introductions.may_count(person):
            builder.add(introductions.counts_line(await stored.introduction_counts(turn.session), language))
        return [builder.build()]
    slug = resolve_topic(turn.context, args)
    if slug is None:
        raise NotFound("peers.unknown_topic", name=args.strip()[:80])
    return [await peers_reply(turn.session, turn.context.index, person, slug, language)]


async def peers_reply(session: Session, index: SearchIndex, person: Person | None, slug: str, language: str,
                      sight: Sight | None = None) -> Reply:
    """What ``/peers TOPIC`` shows this person (the command line's ``hcbot peers --as`` too)."""
    entries = await visible_entries(session, index, person, [slug], sight)
    shown = one_per_operation(entries, PEERS_OPERATIONS)
    topic = topic_name(slug, language)
    if not shown:
        return text_reply(t("peers.none_shared", language, topic=topic))
    builder = ReplyBuilder().add(bold(t("peers.list_heading", language, topic=topic)))
    for entry in shown:
        builder.add("• " + entry_text(entry, language))
        if entry.note:
            builder.add("   ", italic("“" + shorten(entry.note, NOTE_LIMIT) + "”"))
        if person is not None:
            builder.button(touch_label(entry, language), touch_payload(entry, slug))
    operations = len({entry.operation_id for entry in entries})
    if operations > len(shown):
        builder.add(t("peers.more_operations", language, count=operations - len(shown)))
    return builder.build()


async def press(turn: Turn, payload: str) -> list[Reply]:
    """Every ``peers:`` button."""
    _prefix, kind, *rest = payload.split(":")
    first = rest[0] if rest else ""
    second = rest[1] if len(rest) > 1 else ""
    if kind == "in":
        return await introductions.ask(turn, first, second)
    if kind in ("ok", "no"):
        return await introductions.answer(turn, first, kind == "ok")
    if turn.person is None:
        raise AccessDenied("peers.stranger")
    if kind == "note":
        return await notes.press_share(turn.context, turn.session, turn.person, first, second, turn.now,
                                       turn.language)
    if kind == "lvl":
        return await share(turn, first)
    return [text_reply(t("unknown_button", turn.language))]


async def home_lines(session: Session, index: SearchIndex, person: Person, builder: ReplyBuilder,
                     language: str) -> None:
    """The App Home's "other operations on your topics": what the person may see of operations with
    actions on the topics of their own plan's actions."""
    if sight_of(person).sees_nothing or person.operation_id is None:
        return
    topics: list[str] = []
    for plan in await repo.plans_visible_to(session, person):
        for action in plan.actions:
            topics.extend(action_topics(index, action))
    entries = one_per_operation(await visible_entries(session, index, person, dict.fromkeys(topics)),
                                HOME_OPERATIONS)
    if not entries:
        return
    builder.add(bold(t("peers.home_heading", language)))
    for entry in entries:
        builder.add("• " + entry_text(entry, language))
    builder.blank()


async def secretariat_home_line(session: Session, builder: ReplyBuilder, language: str) -> None:
    """The secretariat's count of introductions, once there is any."""
    counts = await stored.introduction_counts(session)
    if sum(counts.values()):
        builder.add(introductions.counts_line(counts, language))
