"""Learning products and the search over them. Pure: no I/O but reading the library's files."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from knowledge.answers import answer_document, answer_product, folder_signature, load_answers, validate_answers
from knowledge.documents import Problem
from knowledge.index_cache import IndexCache
from knowledge.library_files import BUNDLED_LIBRARY, LibraryError, load_library, validate_library
from knowledge.passages import shorten
from knowledge.products import LearningProduct
from knowledge.search import ANSWER_STATES, Hit, ParsedQuery, SearchFilters, SearchIndex, SearchResult
from knowledge.smalltalk import small_talk
from knowledge.taxonomy import ANSWER_TYPE, PRODUCT_TYPES, TOPICS, topic_name, type_name
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus, ThesaurusError
from knowledge.topic_model import TopicModel, TopicModelError, bundled_topic_model

__all__ = [
    "ANSWER_STATES",
    "ANSWER_TYPE",
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
    "TopicModel",
    "TopicModelError",
    "answer_document",
    "answer_product",
    "build_index",
    "country_name",
    "folder_signature",
    "load_answers",
    "load_library",
    "shorten",
    "small_talk",
    "topic_name",
    "type_name",
    "validate_answers",
    "validate_library",
    "with_answers",
]


def build_index(this_year: int, library: Path | None = None, thesaurus: Path | None = None,
                answers: Path | None = None, cache: Path | None = None) -> SearchIndex:
    """Loads and validates a library (the bundled one by default) and indexes it, with the P2P
    secretariat's answers in ``answers`` (a Q&A folder, see knowledge.answers) beside it.
    ``this_year`` comes from the caller's clock and bounds the products' years.

    Raises :class:`LibraryError` with every problem when the library or the answers are invalid:
    the bot must not start on a library it would answer from wrongly. ``cache``: a folder where
    the built index is kept for the next start (see knowledge.index_cache).
    """
    # The bundled thesaurus is loaded once a process: country_name reads it too, and loading it
    # again made the first answer after start wait for a second parse of its YAML.
    vocabulary = _bundled_thesaurus() if thesaurus is None else Thesaurus.load(thesaurus)
    products = load_library(library or BUNDLED_LIBRARY, vocabulary, this_year=this_year)
    if answers is not None:
        products = with_answers(products, load_answers(answers, vocabulary, this_year=this_year))
    return SearchIndex(products, vocabulary, cache=IndexCache(cache) if cache is not None else None,
                       topic_model=bundled_topic_model())


def with_answers(products: list[LearningProduct], answers: list[LearningProduct]) -> list[LearningProduct]:
    """The library's products followed by the answers; an answer whose id a library file took is an
    error, since ``/read ID`` could reach only one of them."""
    taken = {product.id: product.source for product in products}
    clashes = [Problem(answer.source, None, "id", f"{answer.id!r} is also a library product ({taken[answer.id]})")
               for answer in answers if answer.id in taken]
    if clashes:
        raise LibraryError(clashes)
    return [*products, *answers]


@lru_cache(maxsize=1)
def _bundled_thesaurus() -> Thesaurus:
    return Thesaurus.load(BUNDLED_THESAURUS)


def country_name(english_name: str, language: str) -> str:
    """A country's name as a reply in ``language`` writes it: ("Chad", "fr") -> "Tchad",
    ("Central African Republic", "fr") -> "République centrafricaine"; unknown names unchanged."""
    return _bundled_thesaurus().country_name(english_name, language)
