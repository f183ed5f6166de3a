"""The search index kept on disk between starts: read back whole, built afresh when the library,
the thesaurus or the cache file is not the one it was built from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from knowledge import BUNDLED_LIBRARY, BUNDLED_THESAURUS, LearningProduct, SearchIndex, Thesaurus, load_library
from knowledge.index_cache import IndexCache, key

THIS_YEAR = 2026
QUESTIONS = ["how did others set up a PSEA network", "collective AAP feedback mechanism",
             "comment coordonner avec l'ICCG", "localisation local actors as partners"]


@pytest.fixture(scope="module")
def library() -> tuple[Thesaurus, list[LearningProduct]]:
    thesaurus = Thesaurus.load(BUNDLED_THESAURUS)
    return thesaurus, load_library(BUNDLED_LIBRARY, thesaurus, this_year=THIS_YEAR)


def answers(index: SearchIndex) -> list[list[tuple[str, float]]]:
    return [[(hit.product.id, round(hit.score, 9)) for hit in index.search(question, limit=5).hits]
            for question in QUESTIONS]


def test_a_cached_index_is_the_index_it_was_built_as(library: tuple[Thesaurus, list[LearningProduct]],
    tmp_path: Path) -> None:
    thesaurus, products = library
    cache = IndexCache(tmp_path)
    built = SearchIndex(products, thesaurus, cache=cache)
    assert len(list(tmp_path.glob("index-*.npz"))) == len(list(tmp_path.glob("index-*.pickle"))) == 1
    restored = SearchIndex(products, thesaurus)
    assert cache.restore(restored)
    assert set(vars(restored)) == set(vars(built))
    assert restored._postings.keys() == built._postings.keys()
    for term, (positions, weights, strong) in built._postings.items():
        again = restored._postings[term]
        assert np.array_equal(again[0], positions)
        assert np.array_equal(again[1], weights)
        assert np.array_equal(again[2], strong)
    for name in ("_idf", "_vocabulary", "_by_length", "_short_by_length", "_by_id", "_fuzzy_titles"):
        assert getattr(restored, name) == getattr(built, name)
    assert answers(SearchIndex(products, thesaurus, cache=cache)) == answers(built)
    assert answers(built)[0]  # the questions are answered at all


def test_a_changed_library_or_thesaurus_builds_afresh(library: tuple[Thesaurus, list[LearningProduct]],
    tmp_path: Path) -> None:
    thesaurus, products = library
    cache = IndexCache(tmp_path)
    SearchIndex(products, thesaurus, cache=cache)
    # One product's body gains a word nobody else uses: the old arrays would not know it.
    edited = [replace(products[0], body=products[0].body + " Zanzibarite logistics."), *products[1:]]
    assert key(edited, thesaurus) != key(products, thesaurus)
    fresh = SearchIndex(edited, thesaurus, cache=cache)
    assert fresh.search("zanzibarite logistics", limit=3).hits[0].product.id == products[0].id
    assert cache.restore(_blank(edited, thesaurus))  # the edited library is cached in turn
    # A thesaurus that knows one more word of context is another thesaurus: another key.
    other = Thesaurus.load(BUNDLED_THESAURUS)
    assert key(products, other) == key(products, thesaurus)  # loaded twice, the same content
    other.context_stems = other.context_stems | {"zanzibarit"}
    assert key(products, other) != key(products, thesaurus)
    assert not cache.restore(_blank(products, other))


def test_a_cache_file_others_can_write_is_not_read(library: tuple[Thesaurus, list[LearningProduct]],
    tmp_path: Path) -> None:
    thesaurus, products = library
    cache = IndexCache(tmp_path)
    SearchIndex(products, thesaurus, cache=cache)
    state = next(tmp_path.glob("index-*.pickle"))
    state.chmod(0o666)
    assert not cache.restore(_blank(products, thesaurus))
    state.chmod(0o600)
    state.write_bytes(b"not a pickle")
    blank = _blank(products, thesaurus)
    assert not cache.restore(blank)
    assert not hasattr(blank, "_postings")  # nothing half-set
    assert answers(SearchIndex(products, thesaurus, cache=cache))[0]  # built again, and saved again
    assert cache.restore(_blank(products, thesaurus))


def _blank(products: list[LearningProduct], thesaurus: Thesaurus) -> SearchIndex:
    """An index object with only its inputs set, as the build hook sees it."""
    index = SearchIndex.__new__(SearchIndex)
    index.products, index.thesaurus = list(products), thesaurus
    return index


def test_one_shot_ask_keeps_the_index_between_runs(tmp_path: Path) -> None:
    executable = shutil.which("hcbot") or str(Path(sys.executable).parent / "hcbot")
    environment = {**os.environ, "HCBOT_INDEX_CACHE": str(tmp_path / "cache")}
    first = subprocess.run([executable, "ask", "how did others set up a PSEA network"], cwd=tmp_path,
                           env=environment, capture_output=True, text=True, check=True)
    assert list((tmp_path / "cache").glob("index-*.npz"))
    second = subprocess.run([executable, "ask", "how did others set up a PSEA network"], cwd=tmp_path,
                            env=environment, capture_output=True, text=True, check=True)
    assert second.stdout == first.stdout
    assert "PSEA" in second.stdout
    off = subprocess.run([executable, "ask", "how did others set up a PSEA network"], cwd=tmp_path,
                         env={**environment, "HCBOT_INDEX_CACHE": "off"}, capture_output=True, text=True, check=True)
    assert off.stdout == first.stdout
