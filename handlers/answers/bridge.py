"""What the answers need from the search that the search may not say yet: the answer's state, small
talk and a product's passages that match the question. Each uses the knowledge package's own
function when it has one (``SearchResult.answer``, ``knowledge.smalltalk.small_talk``,
``knowledge.passages.best_passages``) and a plain fallback otherwise, so the reply reads the same
either way."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from knowledge import LearningProduct, ParsedQuery, SearchIndex, SearchResult
from knowledge.text import STOPWORDS, stem, words

AnswerState = Literal["confident", "unsure", "none"]
STATES: tuple[AnswerState, ...] = ("confident", "unsure", "none")


def _knowledge_function(module: str, name: str) -> Callable[..., Any] | None:
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None


def answer_state(result: SearchResult) -> AnswerState:
    """Confident, unsure (something is close) or none. The search's own verdict when it gives one;
    otherwise a non-confident answer with a top hit is unsure."""
    said = getattr(result, "answer", None)
    for state in STATES:
        if said == state:
            return state
    if not result.hits:
        return "none"
    return "confident" if result.confident else "unsure"


# ----------------------------------------------------------------------------------- small talk

SmallTalkKind = Literal["greeting", "thanks", "ack", "bye", "what"]


@dataclass(frozen=True, slots=True)
class SmallTalk:
    kind: SmallTalkKind
    language: str | None  # None: the words say nothing of the language ("ok", "?")


_SMALL_TALK: dict[str, tuple[SmallTalkKind, str | None]] = {}
for _kind, _language, _phrases in (
    ("greeting", "en", "hi|hello|hey|hiya|good morning|good afternoon|good evening|greetings|hello there|hi there"),
    ("greeting", "fr", "bonjour|salut|bonsoir|coucou|bonjour a vous|rebonjour"),
    ("greeting", None, "yo|hallo"),
    ("thanks", "en", "thanks|thank you|thx|ty|many thanks|thanks a lot|thank you very much|cheers|great thanks|"
                     "ok thanks|thanks again|much appreciated"),
    ("thanks", "fr", "merci|merci beaucoup|merci bien|grand merci|mille mercis|ok merci|merci encore"),
    ("ack", "en", "okay|got it|great|cool|fine|nice|perfect|noted|understood|alright|all right|good|sure|"
                  "yes|no|yep|nope|great stuff"),
    ("ack", "fr", "d accord|daccord|tres bien|parfait|entendu|note|super|bien|oui|non|compris|ca marche"),
    ("ack", None, "ok|k|kk|okey"),
    ("bye", "en", "bye|goodbye|bye bye|see you|see you later|good night|talk later|later"),
    ("bye", "fr", "au revoir|a bientot|bonne journee|bonne soiree|a plus|bonne nuit|salut a bientot"),
):
    for _phrase in _phrases.split("|"):
        _SMALL_TALK[_phrase] = (_kind, _language)  # type: ignore[assignment]


def _fallback_small_talk(text: str) -> SmallTalk | None:
    stripped = text.strip()
    if stripped and all(character in "?!.¿ " for character in stripped):
        return SmallTalk("what", None) if "?" in stripped else None
    phrase = " ".join(words(stripped))
    # "hello!!", "thanks :)", "merci 🙏": the words alone decide; "hello, how did others ..." is a question.
    phrase = re.sub(r"\b(\w+)( \1\b)+", r"\1", phrase)  # "thanks thanks", "ok ok"
    found = _SMALL_TALK.get(phrase)
    if found is None:
        for lead in ("hi ", "hello ", "hey ", "thanks ", "thank you ", "merci ", "bonjour "):
            if not phrase.startswith(lead):
                continue
            rest, kind = phrase.removeprefix(lead), _SMALL_TALK[lead.strip()]
            same_kind = rest in _SMALL_TALK and _SMALL_TALK[rest][0] == kind[0]
            if same_kind or rest in {"bot", "hcbot", "there", "all", "tous", "everyone"}:
                found = kind
    if found is None:
        return None
    return SmallTalk(found[0], found[1])


_FRENCH_WORDS = frozenset("merci bonjour salut bonsoir coucou revoir bientot journee soiree accord daccord tres "
                          "parfait entendu oui non compris marche beaucoup bien".split())
_ENGLISH_WORDS = frozenset("hello hi hey thanks thank you ok okay bye goodbye great cool fine got it good yes no "
                           "morning evening cheers".split())
_KINDS: dict[str, SmallTalkKind] = {"greeting": "greeting", "thanks": "thanks", "ack": "ack", "bye": "bye",
                                    "what": "what", "question_mark": "what"}


def _small_talk_language(text: str) -> str | None:
    tokens = words(text)
    french = sum(token in _FRENCH_WORDS for token in tokens)
    english = sum(token in _ENGLISH_WORDS for token in tokens)
    if french == english:
        return None
    return "fr" if french > english else "en"


def small_talk(text: str) -> SmallTalk | None:
    """A greeting, a thanks, an "ok", a "bye" or a lone "?": not a question for the library. The
    language is the one its words are in ("merci" is French), None when they say nothing ("ok")."""
    mine = _fallback_small_talk(text)
    provided = _knowledge_function("knowledge.smalltalk", "small_talk")
    if provided is None:
        return mine
    said = provided(text)
    kind = _KINDS.get(str(said)) if said else None
    if kind is None:
        return None
    language = mine.language if mine is not None else _small_talk_language(text)
    return SmallTalk(kind, language)


# -------------------------------------------------------------------------------------- passages

PASSAGE_LIMIT = 170
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9\"«])")
_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
# Sections that say what others did; "what to avoid" says what they did not.
_AVOID = re.compile(r"avoid|éviter|eviter|pitfall|écueil|ecueil", re.IGNORECASE)


def _units(body: str) -> list[tuple[str, bool]]:
    """The body's sentences and list items, each with whether it is a practical step."""
    found: list[tuple[str, bool]] = []
    skipping = False
    for raw in body.splitlines():
        text = raw.strip()
        heading = _HEADING.match(text)
        if heading:
            skipping = bool(_AVOID.search(heading.group(1)))
            continue
        if not text or skipping:
            continue
        text = _EMPHASIS.sub(r"\2", text)
        if _LIST_ITEM.match(text):
            found.append((_LIST_ITEM.sub("", text), True))
            continue
        found.extend((sentence.strip(), False) for sentence in _SENTENCE.split(text) if sentence.strip())
    return found


def shorten(text: str, limit: int = PASSAGE_LIMIT) -> str:
    """At most ``limit`` characters, cut at a word, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"


def _fallback_passages(product: LearningProduct, query: ParsedQuery, count: int) -> list[str]:
    wanted = {term for term in query.content_stems if term}
    if not wanted:
        return []
    scored: list[tuple[float, int, str]] = []
    for position, (text, step) in enumerate(_units(product.body)):
        stems = {stem(word) for word in words(text) if word not in STOPWORDS}
        overlap = len(wanted & stems)
        if overlap:
            # A practical step says how it was done; a long sentence reads badly on a phone.
            scored.append((overlap + (1.0 if step else 0.0) - (0.5 if len(text) > 220 else 0.0), -position, text))
    scored.sort(reverse=True)
    chosen = sorted(scored[:count], key=lambda item: -item[1])
    return [text for _score, _position, text in chosen]


def best_passages(index: SearchIndex, product: LearningProduct, query: ParsedQuery, count: int = 1) -> list[str]:
    """The sentences or steps of a product that best answer the question, in reading order."""
    provided = getattr(index, "best_passages", None)
    found: list[str]
    if callable(provided):
        found = [str(item) for item in provided(product, query, count)][:count]
    else:
        found = _fallback_passages(product, query, count)
    return [passage for passage in (_EMPHASIS.sub(r"\2", item.strip()) for item in found) if passage]
