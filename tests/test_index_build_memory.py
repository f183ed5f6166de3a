"""The index build in one pass over typed arrays (issue 18: 100,000 products under 1.5 GB): the
same weights as BM25F summed field by field, and a few dozen bytes an entry at its peak."""

from __future__ import annotations

import math
import tracemalloc
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

from knowledge import BUNDLED_LIBRARY, BUNDLED_THESAURUS, LearningProduct, SearchIndex, Thesaurus, load_library
from knowledge.search import (
    BODY_LENGTH_B,
    BODY_WEIGHT,
    K1,
    MAIN_TOPIC_WEIGHT,
    OTHER_TOPIC_WEIGHT,
    SUMMARY_WEIGHT,
    TITLE_WEIGHT,
    _analyse,
)
from knowledge.text import words

THIS_YEAR = 2026


@pytest.fixture(scope="module")
def library() -> tuple[Thesaurus, list[LearningProduct]]:
    thesaurus = Thesaurus.load(BUNDLED_THESAURUS)
    return thesaurus, load_library(BUNDLED_LIBRARY, thesaurus, this_year=THIS_YEAR)


def grown(products: list[LearningProduct], size: int) -> list[LearningProduct]:
    """``size`` products: the library's, then copies with their sentences turned round, so that
    bodies (and their lengths' average) differ from the library's own."""
    more = list(products)
    for number in range(size - len(products)):
        product = products[number % len(products)]
        sentences = product.body.split(". ")
        turn = number % len(sentences)
        more.append(
            replace(
                product,
                id=f"{product.id}-g{number}",
                body=". ".join(sentences[turn:] + sentences[:turn]) * (1 + number % 3),
            )
        )
    return more


def reference_postings(
    products: list[LearningProduct], thesaurus: Thesaurus
) -> dict[str, tuple[list[int], list[float], list[bool]]]:
    """BM25F as the build did it before issue 18, term by term in plain Python: every product
    analysed first, then each body word worth BODY_WEIGHT over the body's length norm."""
    analysed = [
        tuple(
            _analyse(words(part), thesaurus, units_too=False) for part in (product.title, product.summary, product.body)
        )
        for product in products
    ]
    lengths = [len(body.stems) + len(body.concepts) for _title, _summary, body in analysed]
    average = sum(lengths) / len(products)
    gathered: dict[str, list[tuple[int, float, bool]]] = defaultdict(list)
    for position, (product, (title, summary, body)) in enumerate(zip(products, analysed, strict=True)):
        weights: dict[str, float] = defaultdict(float)
        strong: set[str] = set()
        norm = 1.0 - BODY_LENGTH_B + BODY_LENGTH_B * (lengths[position] / average or 1.0)
        for analysis, weight in ((title, TITLE_WEIGHT), (summary, SUMMARY_WEIGHT)):
            for term in [*analysis.stems, *("@" + concept for concept in analysis.concepts)]:
                weights[term] += weight
                strong.add(term)
        for term in [*body.stems, *("@" + concept for concept in body.concepts)]:
            weights[term] += BODY_WEIGHT / norm
        for rank, topic in enumerate(product.topics):
            weights["#" + topic] += MAIN_TOPIC_WEIGHT if rank == 0 else OTHER_TOPIC_WEIGHT
            strong.add("#" + topic)
        for term, tf in weights.items():
            gathered[term].append((position, tf, term in strong))
    postings = {}
    for term, entries in gathered.items():
        idf = math.log(1.0 + (len(products) - len(entries) + 0.5) / (len(entries) + 0.5))
        postings[term] = (
            [position for position, _tf, _strong in entries],
            [float(np.float32(tf * (K1 + 1.0) / (tf + K1)) * np.float32(idf)) for _p, tf, _s in entries],
            [strong for _p, _tf, strong in entries],
        )
    return postings


def test_the_build_weighs_every_field_as_bm25f_says(library: tuple[Thesaurus, list[LearningProduct]]) -> None:
    thesaurus, products = library
    products = grown(products, 300)
    # An empty body, and a topic said twice: the edges of the length norm and of the topic weights.
    products.append(replace(products[0], id="no-body", body=""))
    products.append(replace(products[1], id="twice", topics=(products[1].topics[0],) * 2))
    index = SearchIndex(products, thesaurus)
    expected = reference_postings(products, thesaurus)
    # The terms in the order they are first met, as the cache files list them.
    assert list(index._postings) == list(expected)
    for term, (positions, weights, strong) in index._postings.items():
        want_positions, want_weights, want_strong = expected[term]
        assert [array.dtype.name for array in (positions, weights, strong)] == ["int32", "float32", "bool"]
        assert positions.tolist() == want_positions, term
        assert np.array_equal(weights, np.array(want_weights, dtype=np.float32)), term
        assert strong.tolist() == want_strong, term
    empty = len(products) - 2  # only its title, summary and topics: every entry of it is strong
    assert any(empty in positions for positions, _weights, _strong in index._postings.values())
    assert all(strong[positions == empty].all() for positions, _weights, strong in index._postings.values())
    assert index.search("how did others set up a PSEA network", limit=3).hits


def test_the_build_holds_a_few_dozen_bytes_an_entry(library: tuple[Thesaurus, list[LearningProduct]]) -> None:
    """The build's peak over what it keeps was over 120 bytes an entry (product, term) when the
    entries were lists of Python numbers and every product's analysis was kept to the end: at
    100,000 products, 15 million entries, 2.2 GB. Typed arrays and one pass: under 50."""
    thesaurus, products = library
    products = grown(products, 1_000)
    SearchIndex(products[:20], thesaurus)  # the stemmer's and the thesaurus's caches, filled once
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = SearchIndex(products, thesaurus)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    entries = sum(len(positions) for positions, _weights, _strong in index._postings.values())
    assert entries > 100 * len(products)  # enough entries that they, not the rest, set the peak
    assert peak / entries < 70, f"{peak / entries:.0f} bytes an entry at the build's peak"
