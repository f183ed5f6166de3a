"""Trains the topic model the search reads (knowledge.topic_model), offline, with scikit-learn:

    python -m knowledge.topic_training            # writes knowledge/topic_model.npz
    python -m knowledge.topic_training --check    # exits 1 when the saved model is out of date

What it learns from: every question set of the project except the blind ones kept for measuring
(``benchmarks/heldout_answers_10.jsonl``), each question with its topics or "none"; each
bundled product's title and summary with its topics; each thesaurus form with its concept's topics.
Retrain after changing any of them: tests/test_topic_model.py fails while the saved digest differs.

The settings were chosen on a trial (sets 4 and 5 answered by the search as it was before each was
seen, with a model trained without them); nothing here was tuned on sets 6 or 7.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge.library_files import BUNDLED_LIBRARY, load_library
from knowledge.thesaurus import BUNDLED_THESAURUS, Thesaurus
from knowledge.topic_model import BUNDLED_TOPIC_MODEL, CHAR_NGRAMS, NOT_A_QUESTION, WORD_NGRAMS, TopicModel

ROOT = Path(__file__).resolve().parent.parent
TRAINING_SETS = (
    "benchmarks/dev_questions.jsonl", "benchmarks/dev_questions_2.jsonl", "benchmarks/dev_questions_3.jsonl",
    "benchmarks/dev_questions_4.jsonl", "benchmarks/heldout_answers.jsonl", "benchmarks/heldout_answers_2.jsonl",
    "benchmarks/heldout_answers_3.jsonl", "benchmarks/heldout_answers_4.jsonl", "benchmarks/heldout_answers_5.jsonl",
    "benchmarks/heldout_answers_6.jsonl", "benchmarks/heldout_answers_7.jsonl", "benchmarks/heldout_answers_8.jsonl",
    "benchmarks/heldout_answers_9.jsonl", "benchmarks/heldout_questions.jsonl", "tests/questions.jsonl")
BLIND_SETS = ("benchmarks/heldout_answers_10.jsonl", "benchmarks/heldout_answers_11.jsonl")
"""Never trained on: the figures on these are the honest ones."""
CHAR_MIN_DF = 2
C = 5.0
MAX_ITER = 3000
SETTINGS = {"char_ngrams": list(CHAR_NGRAMS), "char_min_df": CHAR_MIN_DF, "word_ngrams": list(WORD_NGRAMS), "C": C,
            "max_iter": MAX_ITER, "format": TopicModel.FORMAT}
# Products are judged by their year against this one; a fixed year keeps the training set (and so
# the digest) the same whatever the date.
LIBRARY_YEAR = 2100


def _questions(name: str) -> list[dict[str, Any]]:
    path = ROOT / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_examples() -> list[tuple[str, list[str]]]:
    """(text, labels) pairs, in a fixed order."""
    examples = [(str(q["q"]), list(q["topics"]) or [NOT_A_QUESTION]) for name in TRAINING_SETS
                for q in _questions(name)]
    thesaurus = Thesaurus.load(BUNDLED_THESAURUS)
    products = sorted(load_library(BUNDLED_LIBRARY, thesaurus, this_year=LIBRARY_YEAR), key=lambda p: p.id)
    examples += [(f"{product.title}. {product.summary}", list(product.topics)) for product in products]
    concepts = yaml.safe_load(BUNDLED_THESAURUS.read_text(encoding="utf-8"))["concepts"]
    examples += [(str(form), list(concept["topics"])) for _name, concept in sorted(concepts.items())
                 if concept.get("topics") for form in concept["forms"]]
    return examples


def training_digest(examples: list[tuple[str, list[str]]] | None = None) -> str:
    """What the model was trained from and how: changes whenever a training text, a label or a
    setting does."""
    content = {"settings": SETTINGS, "examples": examples if examples is not None else training_examples()}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def train(path: Path = BUNDLED_TOPIC_MODEL) -> None:
    # scikit-learn is a development dependency: only training needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    examples = training_examples()
    texts = [text for text, _labels in examples]
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, strip_accents="unicode",
                            min_df=CHAR_MIN_DF)
    word = TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True, strip_accents="unicode")
    from scipy.sparse import hstack

    features = hstack([chars.fit_transform(texts), word.fit_transform(texts)]).tocsr()
    binarizer = MultiLabelBinarizer()
    targets = binarizer.fit_transform([labels for _text, labels in examples])
    model = OneVsRestClassifier(LogisticRegression(C=C, max_iter=MAX_ITER))
    model.fit(features, targets)

    def terms(vectorizer: Any) -> bytes:
        vocabulary: dict[str, int] = vectorizer.vocabulary_
        ordered = sorted(vocabulary, key=vocabulary.__getitem__)
        assert all("\n" not in term for term in ordered)  # newline separates the saved terms
        return "\n".join(ordered).encode("utf-8")

    coef = np.stack([estimator.coef_[0] for estimator in model.estimators_], axis=1).astype(np.float32)
    intercept = np.array([estimator.intercept_[0] for estimator in model.estimators_], dtype=np.float64)
    np.savez_compressed(
        path, format=np.int64(TopicModel.FORMAT),
        labels=np.frombuffer("\n".join(str(label) for label in binarizer.classes_).encode("utf-8"), dtype=np.uint8),
        char_terms=np.frombuffer(terms(chars), dtype=np.uint8), word_terms=np.frombuffer(terms(word), dtype=np.uint8),
        char_idf=chars.idf_.astype(np.float64), word_idf=word.idf_.astype(np.float64), coef=coef,
        intercept=intercept, digest=np.frombuffer(training_digest(examples).encode("ascii"), dtype=np.uint8))
    print(f"{path}: {len(examples)} examples, {coef.shape[0]} features, {coef.shape[1]} labels")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge.topic_training", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only say whether the saved model is current")
    options = parser.parse_args(argv)
    if options.check:
        current = TopicModel.load(BUNDLED_TOPIC_MODEL).digest == training_digest()
        print("the topic model is current" if current else "the topic model is out of date: retrain it")
        return 0 if current else 1
    train()
    return 0


if __name__ == "__main__":
    sys.exit(main())
