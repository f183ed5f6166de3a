"""The matching passage: the one or two sentences or steps of a product that answer the question.

A product's "What was done" and "Practical steps" sections say how others did it; this picks the
sentences or numbered steps there (then elsewhere in the body) that share most with the question,
with the same analysis as the search (stems and thesaurus concepts), and cuts them short enough for
a phone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from knowledge.products import LearningProduct
from knowledge.text import FLUFF, GRAMMAR, stem, words
from knowledge.thesaurus import NOT_EVIDENCE, Thesaurus

MAX_PASSAGE = 220
# Sections that say what others did come first; "What to avoid" only when nothing else matches.
_PREFERRED = {"what was done": 1.0, "ce qui a ete fait": 1.0, "practical steps": 1.0, "etapes pratiques": 1.0}
_OTHER_SECTION = 0.4
_CONCEPT_WEIGHT = 1.5
_SHORT = 50
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÀÂÉÈÊÎÔÛÇ«\"(])")
_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    section_weight: float
    stems: frozenset[str]
    concepts: frozenset[str]


def _terms(text: str, thesaurus: Thesaurus) -> tuple[frozenset[str], frozenset[str]]:
    kept = [token for token in words(text) if token not in GRAMMAR]
    stems = [stem(token) for token in kept]
    concepts = {match.value for match in thesaurus.concept_matches(stems) if match.value != NOT_EVIDENCE}
    content = {stemmed for token, stemmed in zip(kept, stems, strict=True) if token not in FLUFF}
    return frozenset(content), frozenset(concepts)


def _pieces_of(body: str, thesaurus: Thesaurus) -> tuple[_Piece, ...]:
    pieces: list[_Piece] = []
    weight = _OTHER_SECTION
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            for sentence in _SENTENCE.split(" ".join(paragraph)):
                if sentence.strip():
                    pieces.append(_Piece(sentence.strip(), weight, *_terms(sentence, thesaurus)))
            paragraph.clear()

    for line in body.splitlines():
        if line.startswith("#"):
            flush()
            heading = " ".join(words(line))
            weight = _PREFERRED.get(heading, _OTHER_SECTION)
        elif _ITEM.match(line):
            flush()
            item = _ITEM.sub("", line).strip()
            pieces.append(_Piece(item, weight, *_terms(item, thesaurus)))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
    flush()
    return tuple(pieces)


@lru_cache(maxsize=4096)
def _cached_pieces(body: str, thesaurus: Thesaurus) -> tuple[_Piece, ...]:
    return _pieces_of(body, thesaurus)


def shorten(text: str, limit: int = MAX_PASSAGE) -> str:
    """``text`` cut to at most ``limit`` characters, at a sentence end if one is close, else at a
    word, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    end = max(cut.rfind(". "), cut.rfind("; "), cut.rfind(": "))
    if end >= limit // 2:
        return cut[: end + 1].rstrip(";:") + ("" if cut[end] == "." else "…")
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip(",;:") + "…"


def best_passages(product: LearningProduct, query_stems: frozenset[str], query_concepts: frozenset[str],
                  thesaurus: Thesaurus, limit: int = 2, idf: Mapping[str, float] | None = None) -> list[str]:
    """The ``limit`` pieces of the product's body (sentences, or numbered or bulleted steps) that
    share most with the question (words weighted by ``idf`` when given), in the body's order, each
    at most :data:`MAX_PASSAGE` characters. Empty when nothing in the body matches the question."""
    weights = idf or {}
    scored: list[tuple[float, int, str]] = []
    for order, piece in enumerate(_cached_pieces(product.body, thesaurus)):
        overlap = sum(weights.get(term, 1.0) for term in query_stems & piece.stems)
        overlap += _CONCEPT_WEIGHT * sum(weights.get("@" + concept, 1.0) for concept in query_concepts & piece.concepts)
        if overlap > 0:
            if len(piece.text) < _SHORT:
                overlap *= 0.5  # "The network took three steps." says little on its own
            scored.append((overlap * piece.section_weight, order, piece.text))
    best = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    return [shorten(text) for _score, _order, text in sorted(best, key=lambda item: item[1])]
