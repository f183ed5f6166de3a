"""Small talk: a greeting, thanks, "ok", "bye" or a lone "?", in English or French, is not a question.

The handlers answer it with one short line and do not log it as an unanswered question. Pure: the
vocabulary is data, in ``smalltalk.yaml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.text import words

VOCABULARY = Path(__file__).parent / "smalltalk.yaml"

# When a message mixes kinds ("ok thanks, bye"), the one that closes the exchange wins.
_PRIORITY = ("bye", "thanks", "greeting", "ack")


class _Vocabulary:
    def __init__(self, data: dict[str, object]) -> None:
        kinds = data.get("kinds")
        filler = data.get("filler") or []
        emoji = data.get("emoji") or {}
        if not isinstance(kinds, dict) or not isinstance(filler, list) or not isinstance(emoji, dict):
            raise TypeError(f"{VOCABULARY}: needs kinds, filler and emoji mappings")
        self.phrases: list[tuple[tuple[str, ...], str]] = []
        for kind, forms in kinds.items():
            for form in forms:
                phrase = tuple(words(str(form)))
                if phrase:
                    self.phrases.append((phrase, str(kind)))
        # Longest first, so "thank you very much" is one phrase, not "thank" and fillers.
        self.phrases.sort(key=lambda item: -len(item[0]))
        # The phrases by their first word, longest first still: a question's first word is then
        # looked up once instead of being compared with every phrase (it ran on every message).
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, kind in self.phrases:
            self.by_first.setdefault(phrase[0], []).append((phrase, kind))
        self.filler = frozenset(word for form in filler for word in words(str(form)))
        self.emoji = {str(mark): str(kind) for kind, marks in emoji.items() for mark in marks}
        # Longest first: ":-)" before ":)", "👍🏽" before "👍".
        self.emoji_longest_first = sorted(self.emoji, key=len, reverse=True)


@lru_cache(maxsize=1)
def _vocabulary() -> _Vocabulary:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: faster
    return _Vocabulary(yaml.load(VOCABULARY.read_text(encoding="utf-8"), Loader=loader))  # noqa: S506 - safe


def _marks(text: str) -> tuple[str, set[str]]:
    """``text`` with its smileys blanked, and the kinds of small talk they were."""
    vocabulary = _vocabulary()
    kinds: set[str] = set()
    for mark in vocabulary.emoji_longest_first:
        if mark in text:
            kinds.add(vocabulary.emoji[mark])
            text = text.replace(mark, " ")
    return text, kinds


def without_marks(text: str) -> str:
    """``text`` without its smileys: ":D" has a letter, and alone it read as French ("d'")."""
    return _marks(text)[0]


def small_talk(text: str) -> str | None:
    """The kind of small talk a message is ("greeting", "thanks", "ack", "bye", "question_mark"), or
    None when it has any content of its own: "hello" is small talk, "hello, any PSEA network?" is not."""
    vocabulary = _vocabulary()
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return None
    if set(stripped) <= set("?¿ !.…"):
        return "question_mark" if "?" in stripped else None
    # Smileys first: an emoticon has letters (":D" would read as the word "d").
    rest, kinds_seen = _marks(stripped)
    if kinds_seen and not rest.strip(" !.?\ufe0f"):
        return next(kind for kind in _PRIORITY if kind in kinds_seen)
    tokens = words(stripped)
    if not tokens:
        return None
    found: set[str] = set()
    position = 0
    while position < len(tokens):
        for phrase, kind in vocabulary.by_first.get(tokens[position], ()):
            if tuple(tokens[position:position + len(phrase)]) == phrase:
                found.add(kind)
                position += len(phrase)
                break
        else:
            if tokens[position] not in vocabulary.filler:
                return None
            position += 1
    if not found:
        return None
    return next(kind for kind in _PRIORITY if kind in found)
