"""Answer quality on a question file, as a person gets it: hit@1 and hit@3 on the on-topic questions,
the share answered right (a confident answer whose first product has a right topic), the share
answered "unsure", the share declined, and how many off-topic questions were declined.

    python benchmarks/answer_quality.py benchmarks/heldout_answers.jsonl [tests/questions.jsonl ...]

It runs `hcbot ask --json` (the command-line contract of ../shared/eval) on each file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def answer_state(answer: dict[str, Any]) -> str:
    state = answer.get("answer")
    if isinstance(state, str):
        return state
    return "confident" if answer.get("confident") else "none"


def score(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    questions: list[dict[str, Any]] = [json.loads(line) for line in lines if line.strip()]
    executable = shutil.which("hcbot") or sys.exit("hcbot is not on PATH: install the project first")
    done = subprocess.run([executable, "ask", "--json"], input="\n".join(q["q"] for q in questions) + "\n",
                          capture_output=True, text=True, timeout=600, check=True)
    answers: list[dict[str, Any]] = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    on_topic = [(q, a) for q, a in zip(questions, answers, strict=True) if q["topics"]]
    off_topic = [(q, a) for q, a in zip(questions, answers, strict=True) if not q["topics"]]

    def right(q: dict[str, Any], hits: list[dict[str, Any]], depth: int) -> bool:
        wanted = set(q["topics"])
        return any(wanted & set(hit["topics"]) for hit in hits[:depth])

    states = Counter(answer_state(a) for _q, a in on_topic)
    hit1 = sum(right(q, a["results"], 1) for q, a in on_topic)
    hit3 = sum(right(q, a["results"], 3) for q, a in on_topic)
    answered_right = sum(answer_state(a) == "confident" and right(q, a["results"], 1) for q, a in on_topic)
    declined_off = sum(answer_state(a) == "none" for _q, a in off_topic)
    count = len(on_topic) or 1
    print(f"{path}: {len(on_topic)} on-topic, {len(off_topic)} off-topic")
    print(f"  hit@1 {hit1 / count:.3f}  hit@3 {hit3 / count:.3f}  answered right {answered_right / count:.3f}  "
          f"unsure {states['unsure'] / count:.3f}  declined {states['none'] / count:.3f}  "
          f"off-topic declined {declined_off}/{len(off_topic)}")


def main() -> None:
    for name in sys.argv[1:] or ["benchmarks/heldout_answers.jsonl"]:
        score(Path(name))


if __name__ == "__main__":
    main()
