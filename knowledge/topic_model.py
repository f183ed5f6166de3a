"""A learnt guess at a question's topic, read from a file the offline trainer wrote.

The search (knowledge.search) ranks products by the words they share with the question; it is
blind to how people phrase a topic in words the library never uses ("the clusters keep meeting
and nothing gets decided" is about coordination). A linear classifier trained on the project's
question sets, the products' titles and summaries and the thesaurus's forms reads those
phrasings; the search uses its probabilities in two narrow rules (see ``SearchIndex.search``).

The model is trained by ``python -m knowledge.topic_training`` with scikit-learn, a development
dependency; the bot only reads the saved arrays. This module reproduces what scikit-learn's
``TfidfVectorizer`` (``char_wb`` 2-5 and word 1-2 grams, accents stripped, sublinear tf, l2 norm)
and ``OneVsRestClassifier(LogisticRegression)`` compute, so the bot needs numpy and nothing more;
tests/test_topic_model.py holds the two to the same numbers.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

BUNDLED_TOPIC_MODEL = Path(__file__).with_name("topic_model.npz")
NOT_A_QUESTION = "none"
"""The label of messages that are no question for the library (greetings, IT help, other domains)."""

CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
_WHITE_SPACES = re.compile(r"\s\s+")
_WORD = re.compile(r"(?u)\b\w\w+\b")
_KEPT_WORDS = 50_000
"""Words whose char n-gram columns are kept (a few hundred bytes each)."""


def strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``: NFKD, then the combining marks dropped."""
    normalized = unicodedata.normalize("NFKD", text)
    if normalized == text:
        return text
    return "".join(char for char in normalized if not unicodedata.combining(char))


def char_ngrams(text: str) -> list[str]:
    """The ``char_wb`` n-grams of already lowered and stripped text: each word padded with one
    space either side; a word shorter than n gives itself once, not once per longer n."""
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            grams.extend(padded[offset:offset + n] for offset in range(max(length - n + 1, 1)))
            if length <= n:
                break
    return grams


def word_ngrams(text: str) -> list[str]:
    """Words of two or more word characters, then each pair of neighbours joined by a space."""
    tokens = _WORD.findall(text)
    low, high = WORD_NGRAMS
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


class TopicModelError(ValueError):
    """The model file is missing, from another version of this module, or damaged."""


@dataclass(frozen=True, slots=True)
class TopicModel:
    labels: tuple[str, ...]
    char_vocabulary: dict[str, int]
    word_vocabulary: dict[str, int]
    char_idf: npt.NDArray[np.float64]
    word_idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float32]
    """One row per feature (char features first), one column per label."""
    intercept: npt.NDArray[np.float64]
    digest: str
    """The trainer's digest of its inputs (knowledge.topic_training.training_digest)."""
    _word_columns: dict[str, npt.NDArray[np.intp]] = field(default_factory=dict, compare=False, repr=False)
    """Each word's char n-gram columns, once worked out: ``char_wb`` n-grams never cross a word,
    so a word gives the same columns in every question, and most words of a question ("how",
    "others", "handle") were in an earlier one. Cut n-grams and their look-ups were most of the
    model's time."""

    FORMAT = 1

    @classmethod
    def load(cls, path: Path) -> TopicModel:
        try:
            with np.load(path, allow_pickle=False) as saved:
                if int(saved["format"]) != cls.FORMAT:
                    raise TopicModelError(f"{path}: format {int(saved['format'])}, expected {cls.FORMAT}")
                char_terms = bytes(saved["char_terms"]).decode("utf-8").split("\n")
                word_terms = bytes(saved["word_terms"]).decode("utf-8").split("\n")
                model = cls(
                    labels=tuple(bytes(saved["labels"]).decode("utf-8").split("\n")),
                    char_vocabulary={term: i for i, term in enumerate(char_terms)},
                    word_vocabulary={term: i for i, term in enumerate(word_terms)},
                    char_idf=saved["char_idf"].astype(np.float64),
                    word_idf=saved["word_idf"].astype(np.float64),
                    coef=np.ascontiguousarray(saved["coef"], dtype=np.float32),
                    intercept=saved["intercept"].astype(np.float64),
                    digest=bytes(saved["digest"]).decode("ascii"))
        except (OSError, KeyError, ValueError) as error:
            if isinstance(error, TopicModelError):
                raise
            raise TopicModelError(f"{path}: cannot read the topic model ({error})") from error
        features = len(model.char_vocabulary) + len(model.word_vocabulary)
        if model.coef.shape != (features, len(model.labels)) or model.intercept.shape != (len(model.labels),):
            raise TopicModelError(f"{path}: {model.coef.shape} weights for {features} features "
                                  f"and {len(model.labels)} labels")
        return model

    def _char_columns(self, word: str) -> npt.NDArray[np.intp]:
        columns = self._word_columns.get(word)
        if columns is None:
            if len(self._word_columns) >= _KEPT_WORDS:
                self._word_columns.clear()
            vocabulary = self.char_vocabulary
            columns = np.fromiter((index for gram in char_ngrams(word) if (index := vocabulary.get(gram)) is not None),
                                  dtype=np.intp)
            self._word_columns[word] = columns
        return columns

    @staticmethod
    def _tfidf(found: npt.NDArray[np.intp],
               idf: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        # Counted and weighed in numpy: a question has a few hundred n-grams, and the same in
        # Python loops was most of the model's time (measured: 4.7 % of a question's CPU).
        columns, counts = np.unique(found, return_counts=True)
        weights = (1.0 + np.log(counts)) * idf[columns]
        norm = math.sqrt(float(weights @ weights))
        return columns, weights / norm if norm else weights

    def features(self, text: str) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """The nonzero columns of the question's feature row and their values."""
        prepared = strip_accents(text.lower())
        pieces = [self._char_columns(word) for word in prepared.split()]
        char_found = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.intp)
        vocabulary = self.word_vocabulary
        word_found = np.fromiter(
            (index for gram in word_ngrams(prepared) if (index := vocabulary.get(gram)) is not None), dtype=np.intp)
        char_columns, char_values = self._tfidf(char_found, self.char_idf)
        word_columns, word_values = self._tfidf(word_found, self.word_idf)
        return (np.concatenate((char_columns, word_columns + len(self.char_vocabulary))),
                np.concatenate((char_values, word_values)))

    def chances(self, text: str) -> dict[str, float]:
        """Each label's probability, independent of the others (one-vs-rest): they need not sum to 1."""
        columns, values = self.features(text)
        scores = self.intercept.copy()
        if len(columns):
            scores += values @ self.coef[columns].astype(np.float64)
        probabilities = 1.0 / (1.0 + np.exp(-scores))
        return {label: float(p) for label, p in zip(self.labels, probabilities, strict=True)}


@lru_cache(maxsize=1)
def bundled_topic_model() -> TopicModel:
    return TopicModel.load(BUNDLED_TOPIC_MODEL)
