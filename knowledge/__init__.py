"""Learning products and the search over them. Pure: no I/O but reading the library's files."""

from __future__ import annotations

from pathlib import Path

from knowledge.documents import Problem
from knowledge.library_files import BUNDLED_LIBRARY, LibraryError, load_library, validate_library
from knowledge.products import LearningProduct
from knowledge.search import Hit, ParsedQuery, SearchFilters, SearchIndex, SearchResult
from knowledge.taxonomy import PRODUCT_TYPES, TOPICS, topic_name, type_name
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus, ThesaurusError

__all__ = [
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
    "load_library",
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
