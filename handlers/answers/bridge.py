"""What the answers take from the search, in the handlers' terms: the answer's state, small talk
with the language its words are in, and a product's passages that match the question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, cast

from knowledge import LearningProduct, ParsedQuery, SearchIndex, SearchResult
from knowledge.passages import shorten as _shorten
from knowledge.smalltalk import small_talk as _small_talk
from knowledge.smalltalk import without_marks
from knowledge.text import words

AnswerState = Literal["confident", "unsure", "none"]
SmallTalkKind = Literal["greeting", "thanks", "ack", "bye", "what"]
# Words that say nothing of a language: "ok" keeps the conversation's.
_NEUTRAL_KINDS = frozenset({"ack", "question_mark"})
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def answer_state(result: SearchResult) -> AnswerState:
    """Confident, unsure (something is close) or none."""
    return cast(AnswerState, result.answer)


@dataclass(frozen=True, slots=True)
class SmallTalk:
    kind: SmallTalkKind
    language: str | None  # None: the words say nothing of the language ("ok", "?")


def small_talk(index: SearchIndex, text: str) -> SmallTalk | None:
    """A greeting, a thanks, an "ok", a "bye" or a lone "?": not a question for the library. The
    language is the one its words are in ("merci" is French)."""
    kind = _small_talk(text)
    if kind is None:
        return None
    said: SmallTalkKind = "what" if kind == "question_mark" else cast(SmallTalkKind, kind)
    spoken = without_marks(text)
    language: str | None = index.parse(spoken).language if words(spoken) else None
    if kind in _NEUTRAL_KINDS and language != "fr":
        language = None  # "ok", "?": English by default, which says nothing
    return SmallTalk(said, language)


def shorten(text: str, limit: int) -> str:
    return _shorten(text, limit)


def best_passages(index: SearchIndex, product: LearningProduct, query: ParsedQuery, count: int = 1) -> list[str]:
    """The sentences or steps of a product that best answer the question, in reading order, without
    Markdown emphasis (each platform renders its own)."""
    found = index.best_passages(product, query, count)[:count]
    return [passage for passage in (_EMPHASIS.sub(r"\2", item.strip()) for item in found) if passage]
