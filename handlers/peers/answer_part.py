"""The "Operations working on this" part of an answer: up to three other operations whose plans
have an action on the question's topic, as the asker may see them, each with "Put me in touch"."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Final

from handlers.context import Turn
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, bold
from handlers.peers.visibility import TITLE_LIMIT, PeerEntry, entry_text, one_per_operation, visible_entries
from knowledge import SearchResult

ANSWER_OPERATIONS: Final = 3
BUTTON_PLACE_LIMIT: Final = 28
# When an answer would not fit a phone: titles cut shorter, then fewer operations (one stays).
COMPACT_TITLE_LIMIT: Final = 40


@dataclass(frozen=True, slots=True)
class PeersPart:
    entries: tuple[PeerEntry, ...]
    topics: tuple[str, ...]
    title_limit: int = TITLE_LIMIT

    def add_to(self, builder: ReplyBuilder, language: str) -> None:
        builder.add(bold(t("peers.answer_heading", language)))
        for entry in self.entries:
            builder.add("• " + entry_text(entry, language, self.title_limit))
            builder.button(touch_label(entry, language), touch_payload(entry, matching_topic(entry, self.topics)))

    def reply(self, language: str) -> Reply:
        builder = ReplyBuilder()
        self.add_to(builder, language)
        return builder.build()


def fitting(part: PeersPart | None, limits: Sequence[int]) -> Iterator[tuple[int, PeersPart | None]]:
    """The passage limits an answer tries, longest first, each with the peers part; past the
    shortest passage, the part itself shrinks: shorter titles, then two operations, then one."""
    for limit in limits:
        yield limit, part
    if part is None:
        return
    shortest = limits[-1]
    for count in range(len(part.entries), 0, -1):
        yield shortest, replace(part, entries=part.entries[:count], title_limit=COMPACT_TITLE_LIMIT)


def touch_label(entry: PeerEntry, language: str) -> str:
    place = entry.where if len(entry.where) <= BUTTON_PLACE_LIMIT else entry.where[: BUTTON_PLACE_LIMIT - 1] + "…"
    return t("peers.touch", language, where=place)


def matching_topic(entry: PeerEntry, topics: tuple[str, ...]) -> str:
    """The first of the asked topics the action is on: what the introduction is about."""
    return next((topic for topic in topics if topic in entry.topics), entry.topics[0] if entry.topics else "")


def touch_payload(entry: PeerEntry, topic: str) -> str:
    return f"peers:in:{entry.action_id}:{topic}"


def question_topics(result: SearchResult) -> list[str]:
    """The topics the question names; when it names none, the main topic of a confident best answer."""
    if result.query.topics:
        return list(result.query.topics)
    if result.confident and result.hits and result.hits[0].product.topics:
        return [result.hits[0].product.topics[0]]
    return []


async def peers_part(turn: Turn, result: SearchResult) -> PeersPart | None:
    """The part for this answer, or None: nothing shared with this person on its topics, or a
    channel others read (only library answers go there)."""
    if turn.person is None or turn.message.shared:
        return None
    topics = question_topics(result)
    entries = one_per_operation(await visible_entries(turn.session, turn.context.index, turn.person, topics),
                                ANSWER_OPERATIONS)
    if not entries:
        return None
    return PeersPart(tuple(entries), tuple(topics))
