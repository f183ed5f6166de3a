"""Search speed and quality at 1k, 10k and 100k products, against a plain BM25 baseline.

Run by hand, not in CI:

    python benchmarks/bench_search.py            # every size, plus one-shot `hcbot ask` wall time
    python benchmarks/bench_search.py --sizes 10000

Each size starts twice, in a process of its own each, with one index cache folder: cold (no
cached index: the first start after the library changed, which builds and saves it) and warm
(the next start, which reads it back). Against two baselines on the same questions: BM25
(rank-bm25) and a rapidfuzz ``token_set_ratio`` scan of every product's title and summary.

Each size runs in its own process, so the peak memory it reports (max RSS) belongs to that size
alone. The synthetic corpus is grown from the bundled library: every synthetic product keeps the
topics of the product it was grown from, with its sentences shuffled, sentences borrowed from
another product on the same main topic, a new country and year, so the questions' expected topics
stay meaningful at every size.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process, utils

from knowledge import BUNDLED_LIBRARY, LearningProduct, SearchIndex, Thesaurus, load_library
from knowledge.index_cache import IndexCache
from knowledge.topic_model import bundled_topic_model

ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = [ROOT / "tests" / "questions.jsonl", ROOT / "benchmarks" / "heldout_questions.jsonl"]
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"\w+")


def grow(products: list[LearningProduct], size: int, seed: int = 7) -> list[LearningProduct]:
    """A synthetic corpus of ``size`` products grown from the real ones (see the module docstring)."""
    if size <= len(products):
        return products[:size]
    rng = random.Random(seed)
    by_topic: dict[str, list[LearningProduct]] = defaultdict(list)
    for product in products:
        by_topic[product.topics[0]].append(product)
    countries = sorted({country for product in products for country in product.countries})
    grown = list(products)
    for number in range(size - len(products)):
        base = products[number % len(products)]
        donor = rng.choice(by_topic[base.topics[0]])
        sentences = _SENTENCES.split(base.body)
        rng.shuffle(sentences)
        borrowed = rng.sample(_SENTENCES.split(donor.body), k=min(3, len(_SENTENCES.split(donor.body))))
        grown.append(replace(
            base,
            id=f"{base.id}-s{number}",
            title=f"{base.title} ({rng.choice(countries)})",
            countries=(rng.choice(countries),),
            year=rng.randint(2014, 2026),
            body=" ".join(sentences + borrowed),
        ))
    return grown


def load_questions() -> list[dict[str, object]]:
    questions: list[dict[str, object]] = []
    for path in QUESTION_FILES:
        if path.exists():
            questions += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return questions


def topics_of(question: dict[str, object]) -> set[str]:
    topics = question["topics"]
    assert isinstance(topics, list)
    return {str(topic) for topic in topics}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def bm25_tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def run_size(size: int, cache: Path | None = None) -> dict[str, float]:
    thesaurus = Thesaurus.load()
    corpus = grow(load_library(BUNDLED_LIBRARY, thesaurus, this_year=datetime.now(UTC).year), size)
    questions = load_questions()
    on_topic = [question for question in questions if question["topics"]]
    off_topic = [question for question in questions if not question["topics"]]

    started = time.perf_counter()
    # With the topic model, as the bot searches (knowledge.build_index passes it too).
    model = bundled_topic_model()
    index = SearchIndex(corpus, thesaurus, cache=IndexCache(cache) if cache else None, topic_model=model)
    build_seconds = time.perf_counter() - started
    index_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    for question in questions[:20]:  # warm the caches the way a running bot would be warm
        index.search(str(question["q"]), limit=3)
    latencies: list[float] = []
    hits = declined = 0
    for _round in range(3):
        for question in questions:
            began = time.perf_counter_ns()
            result = index.search(str(question["q"]), limit=3)
            latencies.append((time.perf_counter_ns() - began) / 1e6)
            if _round:
                continue
            expected = topics_of(question)
            if expected:
                hits += any(expected.intersection(hit.product.topics) for hit in result.hits[:3])
            else:
                declined += not result.confident

    started = time.perf_counter()
    bm25 = BM25Okapi([bm25_tokens(f"{p.title} {p.summary} {' '.join(p.topics)} {p.body}") for p in corpus])
    bm25_build = time.perf_counter() - started
    bm25_latencies: list[float] = []
    bm25_hits = 0
    for question in on_topic:
        began = time.perf_counter_ns()
        scores = bm25.get_scores(bm25_tokens(str(question["q"])))
        top = sorted(range(len(scores)), key=lambda position: -scores[position])[:3]
        bm25_latencies.append((time.perf_counter_ns() - began) / 1e6)
        expected = topics_of(question)
        bm25_hits += any(expected.intersection(corpus[position].topics) for position in top)

    # A fuzzy scan, as a chat bot without an index would do it: token_set_ratio over every
    # product's title and summary, preprocessed once (rapidfuzz's advice), the best three kept.
    texts = [utils.default_process(f"{product.title} {product.summary}") for product in corpus]
    fuzzy_latencies: list[float] = []
    fuzzy_hits = 0
    for question in on_topic:
        began = time.perf_counter_ns()
        best = process.extract(utils.default_process(str(question["q"])), texts, scorer=fuzz.token_set_ratio,
                               processor=None, limit=3)
        fuzzy_latencies.append((time.perf_counter_ns() - began) / 1e6)
        expected = topics_of(question)
        fuzzy_hits += any(expected.intersection(corpus[position].topics) for _text, _score, position in best)

    return {
        "index_rss_mb": index_rss,
        "fuzzy_p50_ms": statistics.median(fuzzy_latencies),
        "fuzzy_p95_ms": percentile(fuzzy_latencies, 0.95),
        "fuzzy_hit3": fuzzy_hits / len(on_topic),
        "size": size,
        "build_s": build_seconds,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "hit3": hits / len(on_topic),
        "declined": declined / max(1, len(off_topic)),
        "bm25_build_s": bm25_build,
        "bm25_p50_ms": statistics.median(bm25_latencies),
        "bm25_p95_ms": percentile(bm25_latencies, 0.95),
        "bm25_hit3": bm25_hits / len(on_topic),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "questions": len(questions),
    }


def one_shot_ask(runs: int = 5) -> float:
    executable = shutil.which("hcbot") or str(Path(sys.executable).parent / "hcbot")
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([executable, "ask", "how did others set up a PSEA network"], check=True,
                       capture_output=True)
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_size(arguments.child, arguments.cache)))
        return
    print("| products | start, cold (s) | start, warm (s) | RSS with the index, cold / warm (MB) | p50 (ms) "
          "| p95 (ms) | hit@3 | off-topic declined | BM25 p50 / p95 (ms) | BM25 hit@3 "
          "| fuzzy scan p50 / p95 (ms) | fuzzy hit@3 "
          "| BM25 / ours p50 | fuzzy / ours p50 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in arguments.sizes:
        with tempfile.TemporaryDirectory() as folder:
            # Cold: no cached index (the first start after a library change); warm: the next start.
            cold, warm = (json.loads(subprocess.run(
                [sys.executable, __file__, "--child", str(size), "--cache", folder], check=True,
                capture_output=True, text=True).stdout) for _run in range(2))
        print(f"| {size:,} | {cold['build_s']:.2f} | {warm['build_s']:.2f} "
              f"| {cold['index_rss_mb']:.0f} / {warm['index_rss_mb']:.0f} | {warm['p50_ms']:.2f} "
              f"| {warm['p95_ms']:.2f} | {warm['hit3']:.3f} | {warm['declined']:.3f} "
              f"| {warm['bm25_p50_ms']:.1f} / {warm['bm25_p95_ms']:.1f} "
              f"| {warm['bm25_hit3']:.3f} | {warm['fuzzy_p50_ms']:.1f} / {warm['fuzzy_p95_ms']:.1f} "
              f"| {warm['fuzzy_hit3']:.3f} | {warm['bm25_p50_ms'] / warm['p50_ms']:.0f}x "
              f"| {warm['fuzzy_p50_ms'] / warm['p50_ms']:.0f}x |", flush=True)
    print(f"\nquestions: {warm['questions']} (tests/questions.jsonl + benchmarks/heldout_questions.jsonl)")
    print(f"one-shot `hcbot ask` from the shell, median of 5: {one_shot_ask():.3f} s")


if __name__ == "__main__":
    main()
