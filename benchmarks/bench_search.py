"""Search speed and quality at 1k, 10k and 100k products, against a plain BM25 baseline.

Run by hand, not in CI:

    python benchmarks/bench_search.py            # every size, plus one-shot `hcbot ask` wall time
    python benchmarks/bench_search.py --sizes 10000

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
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from rank_bm25 import BM25Okapi

from knowledge import BUNDLED_LIBRARY, LearningProduct, SearchIndex, Thesaurus, load_library

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


def run_size(size: int) -> dict[str, float]:
    thesaurus = Thesaurus.load()
    corpus = grow(load_library(BUNDLED_LIBRARY, thesaurus, this_year=datetime.now(UTC).year), size)
    questions = load_questions()
    on_topic = [question for question in questions if question["topics"]]
    off_topic = [question for question in questions if not question["topics"]]

    started = time.perf_counter()
    index = SearchIndex(corpus, thesaurus)
    build_seconds = time.perf_counter() - started

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

    return {
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
    arguments = parser.parse_args()
    if arguments.child:
        print(json.dumps(run_size(arguments.child)))
        return
    print("| products | build (s) | p50 (ms) | p95 (ms) | hit@3 | off-topic declined | peak RSS (MB) "
          "| BM25 build (s) | BM25 p50 (ms) | BM25 p95 (ms) | BM25 hit@3 |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in arguments.sizes:
        done = subprocess.run([sys.executable, __file__, "--child", str(size)], check=True,
                              capture_output=True, text=True)
        row = json.loads(done.stdout)
        print(f"| {size:,} | {row['build_s']:.2f} | {row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {row['hit3']:.3f} "
              f"| {row['declined']:.3f} | {row['peak_rss_mb']:.0f} | {row['bm25_build_s']:.2f} "
              f"| {row['bm25_p50_ms']:.2f} | {row['bm25_p95_ms']:.2f} | {row['bm25_hit3']:.3f} |", flush=True)
    print(f"\nquestions: {row['questions']} (tests/questions.jsonl + benchmarks/heldout_questions.jsonl)")
    print(f"one-shot `hcbot ask` from the shell, median of 5: {one_shot_ask():.3f} s")


if __name__ == "__main__":
    main()
