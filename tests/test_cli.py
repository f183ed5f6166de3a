"""The command-line contract used by the answer-quality check (../shared/eval/README.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_library import run_hcbot

RESULT_FIELDS = {"id", "title", "type", "topics", "countries", "year", "language", "url", "score"}


def test_ask_json_one_question() -> None:
    done = run_hcbot("ask", "--json", "how", "did", "others", "handle", "PSEA")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["query"] == "how did others handle PSEA"
    assert data["confident"] is True
    assert 1 <= len(data["results"]) <= 5
    assert all(set(result) >= RESULT_FIELDS for result in data["results"])
    assert "psea" in data["results"][0]["topics"]
    scores = [result["score"] for result in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_batch_reads_stdin_in_order() -> None:
    questions = ["GBV", "order pizza", "cash working group", "protection des civils"]
    done = run_hcbot("ask", "--json", "--limit", "3", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [answer["query"] for answer in answers] == questions
    assert [answer["confident"] for answer in answers] == [True, False, True, True]
    assert all(len(answer["results"]) <= 3 for answer in answers)


def test_ask_options_filter() -> None:
    done = run_hcbot("ask", "--json", "--type", "webinar", "--language", "en", "coordination")
    results = json.loads(done.stdout)["results"]
    assert results
    assert all(result["type"] == "webinar" and result["language"] == "en" for result in results)
    bad = run_hcbot("ask", "--country", "Atlantis", "cash")
    assert bad.returncode == 2
    assert "unknown country 'Atlantis'" in bad.stderr


def test_kb_list_json_has_every_product_with_text() -> None:
    done = run_hcbot("kb", "list", "--json")
    assert done.returncode == 0, done.stderr
    products = json.loads(done.stdout)
    assert len(products) >= 60
    assert all(RESULT_FIELDS - {"score"} | {"summary", "text"} <= set(product) for product in products)
    assert all(product["text"].strip() for product in products)


def test_the_demo_can_be_opened_again_and_again(tmp_path: Path) -> None:
    # People try the demo more than once in the same folder; the second time must not break.
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "bot.cli", "chat", "--demo"], input="/plan\n", cwd=tmp_path,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert "Arcadia" in done.stdout
        assert "Traceback" not in done.stderr
