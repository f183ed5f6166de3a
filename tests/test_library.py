"""The bundled library meets its brief, and a broken library is reported in full, file by file."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from knowledge import BUNDLED_LIBRARY, PRODUCT_TYPES, TOPICS, SearchIndex, Thesaurus, validate_library
from tests.conftest import THIS_YEAR

GOOD = """---
id: {id}
title: "A good product about cash"
type: case-study
topics: [cash]
countries: [Chad]
year: 2019
language: en
summary: The cash working group agreed one transfer value.
illustrative: true
---
## What was done
The cash working group agreed one transfer value for multipurpose cash across all agencies and
published it, so that families received the same amount whoever delivered the assistance.
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_library_is_valid_and_complete(index: SearchIndex) -> None:
    products = index.products
    assert len(products) >= 60
    topic_counts = Counter(topic for product in products for topic in product.topics)
    assert {topic: topic_counts[topic] for topic in TOPICS if topic_counts[topic] < 3} == {}
    assert len({country for product in products for country in product.countries}) >= 12
    assert {product.type for product in products} == set(PRODUCT_TYPES)
    assert sum(product.language == "fr" for product in products) >= 8
    assert len({product.id for product in products}) == len(products)
    # Most are samples written to show the format, and they say so.
    assert any(product.illustrative for product in products)


def test_bundled_library_validates_without_problems() -> None:
    products, problems = validate_library(BUNDLED_LIBRARY, Thesaurus.load(), this_year=THIS_YEAR)
    assert problems == []
    assert products


def test_every_problem_is_reported_at_once_with_file_line_and_field(tmp_path: Path) -> None:
    write(tmp_path, "good-one.md", GOOD.format(id="good-one"))
    write(tmp_path, "bad-yaml.md", "---\nid: bad-yaml\ntitle: [unclosed\ntype: webinar\n---\nbody\n")
    unknown_topic = GOOD.format(id="unknown-topic").replace("topics: [cash]", "topics: [cash, weather]")
    write(tmp_path, "unknown-topic.md", unknown_topic)
    write(tmp_path, "no-title.md", GOOD.format(id="no-title").replace('title: "A good product about cash"\n', ""))
    write(tmp_path, "bad-type.md", GOOD.format(id="bad-type").replace("type: case-study", "type: podcast"))
    write(tmp_path, "copy.md", GOOD.format(id="good-one"))
    write(tmp_path, "bad-country.md", GOOD.format(id="bad-country").replace("[Chad]", "[Chadd]"))
    write(tmp_path, "no-front-matter.md", "# Just a heading\n")
    (tmp_path / "latin1.md").write_bytes("---\nid: latin1\ntitle: \"R\xe9seau\"\n---\n".encode("latin-1"))
    write(tmp_path, "future.md", GOOD.format(id="future").replace("year: 2019", "year: 2999"))
    write(tmp_path, "not-bool.md", GOOD.format(id="not-bool").replace("illustrative: true", "illustrative: maybe"))

    products, problems = validate_library(tmp_path, Thesaurus.load(), this_year=THIS_YEAR)
    text = "\n".join(str(problem) for problem in problems)

    assert [product.id for product in products] == ["good-one"]
    assert f"{tmp_path / 'bad-yaml.md'}:4: bad YAML" in text
    assert f"{tmp_path / 'unknown-topic.md'}:5: topics: unknown topic 'weather'" in text
    assert f"{tmp_path / 'no-title.md'}:2: title: missing" in text
    assert f"{tmp_path / 'bad-type.md'}:4: type: unknown type 'podcast'" in text
    assert f"{tmp_path / 'copy.md'}:2: id: 'good-one' must match the file name 'copy'" in text
    assert f"{tmp_path / 'bad-country.md'}:6: countries.0: unknown country 'Chadd'" in text
    assert f"{tmp_path / 'no-front-matter.md'}:1: the file must start with a '---' line" in text
    assert f"{tmp_path / 'latin1.md'}: not UTF-8" in text
    assert f"{tmp_path / 'future.md'}:7: year: 2999 is in the future" in text
    assert f"{tmp_path / 'not-bool.md'}:10: illustrative:" in text
    assert len(problems) == 10


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    write(tmp_path, "same.md", GOOD.format(id="same"))
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "same.md", GOOD.format(id="same"))
    _products, problems = validate_library(tmp_path, Thesaurus.load(), this_year=THIS_YEAR)
    assert len(problems) == 1
    assert "duplicate id 'same'" in str(problems[0])
    assert str(tmp_path / "same.md") in str(problems[0])


def run_hcbot(*args: str, env_library: Path | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ}
    env.pop("HCBOT_KNOWLEDGE_DIR", None)
    if env_library is not None:
        env["HCBOT_KNOWLEDGE_DIR"] = str(env_library)
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60, check=False)


def test_kb_validate_command_exits_non_zero_with_the_messages(tmp_path: Path) -> None:
    write(tmp_path, "unknown-topic.md", GOOD.format(id="unknown-topic").replace("[cash]", "[cahs]"))
    done = run_hcbot("kb", "validate", str(tmp_path))
    assert done.returncode == 2
    assert f"{tmp_path / 'unknown-topic.md'}:5: topics: unknown topic 'cahs'" in done.stderr


def test_kb_validate_passes_on_the_bundled_library() -> None:
    done = run_hcbot("kb", "validate")
    assert done.returncode == 0, done.stderr
    assert "no problems" in done.stdout


def test_bot_refuses_to_start_on_an_invalid_library(tmp_path: Path) -> None:
    write(tmp_path, "no-title.md", GOOD.format(id="no-title").replace('title: "A good product about cash"\n', ""))
    for command in (["chat"], ["ask", "cash"]):
        done = run_hcbot(*command, env_library=tmp_path, stdin="hello\n")
        assert done.returncode == 2
        assert f"{tmp_path / 'no-title.md'}:2: title: missing" in done.stderr
        assert done.stdout == ""
