"""Learning products and the search over them. Pure: no I/O but reading the library's files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge.documents import Problem
from knowledge.library_files import BUNDLED_LIBRARY, LibraryError, load_library, validate_library
from knowledge.passages import shorten
from knowledge.products import LearningProduct
from knowledge.search import ANSWER_STATES, Hit, ParsedQuery, SearchFilters, SearchIndex, SearchResult
from knowledge.smalltalk import small_talk
from knowledge.taxonomy import PRODUCT_TYPES, TOPICS, topic_name, type_name
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus, ThesaurusError

__all__ = [
    "ANSWER_STATES",
    "BUNDLED_LIBRARY",
    "BUNDLED_THESAURUS",
    "PRODUCT_TYPES",
    "TOPICS",
    "Hit",
    "LearningProduct",
    "LibraryError",
    "ParsedQuery",
    "Problem",
    "SearchFilters",
    "SearchIndex",
    "SearchResult",
    "Thesaurus",
    "ThesaurusError",
    "build_index",
    "country_name",
    "load_library",
    "shorten",
    "small_talk",
    "topic_name",
    "type_name",
    "validate_library",
]


def build_index(this_year: int, library: Path | None = None, thesaurus: Path | None = None) -> SearchIndex:
    """Loads and validates a library (the bundled one by default) and indexes it. ``this_year``
    comes from the caller's clock and bounds the products' years.

    Raises :class:`LibraryError` with every problem when the library is invalid: the bot must not
    start on a library it would answer from wrongly.
    """
    vocabulary = Thesaurus.load(thesaurus or BUNDLED_THESAURUS)
    products = load_library(library or BUNDLED_LIBRARY, vocabulary, this_year=this_year)
    return SearchIndex(products, vocabulary)


@lru_cache(maxsize=1)
def _bundled_thesaurus() -> Thesaurus:
    return Thesaurus.load(BUNDLED_THESAURUS)


def country_name(english_name: str, language: str) -> str:
    """A country's name as a reply in ``language`` writes it: ("Chad", "fr") -> "Tchad",
    ("Central African Republic", "fr") -> "République centrafricaine"; unknown names unchanged."""
    return _bundled_thesaurus().country_name(english_name, language)
