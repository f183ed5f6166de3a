"""Hand-edited documents: front matter closed by an exact '---' line only, one YAML parse giving the
data and the lines, problems at the right line whichever file they come from."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.broadcasts import sending
from handlers.secretariat.imports import ImportRejected, parse_yaml
from knowledge import Thesaurus, validate_library
from knowledge.documents import DocumentError, load_yaml, split_at_line, split_front_matter
from tests.conftest import THIS_YEAR

WEBINAR = """---
# the webinar's fields
webinar:
  title: Cash coordination
  start: 2026-12-03 14:00
  timezone: Europe/Zurich
---
"""


def test_a_notice_keeps_lines_that_only_start_with_three_dashes() -> None:
    text = ("Agenda for Thursday:\n--- agenda\n----\n- one\n---- two ----\n--- fr ---\n---fr--- not yet\n"
            "---fr---\nOrdre du jour :\n--- ordre\n")
    notice = sending.parse_notice(WEBINAR + text)
    assert notice.text_en == ("Agenda for Thursday:\n--- agenda\n----\n- one\n---- two ----\n--- fr ---\n"
                              "---fr--- not yet")
    assert notice.text_fr == "Ordre du jour :\n--- ordre"
    assert notice.webinar is not None
    assert notice.webinar["title"] == "Cash coordination"
    # Without front matter the same text is all text: a first line '--- agenda' opens nothing.
    plain = sending.parse_notice("--- agenda\nMonday\n----\n")
    assert (plain.text_en, plain.text_fr, plain.webinar) == ("--- agenda\nMonday\n----", None, None)


def test_front_matter_is_closed_by_an_exact_line_only() -> None:
    # '----' and '--- agenda' do not close it: the notice says where it was opened.
    with pytest.raises(sending.NoticeRejected) as caught:
        sending.parse_notice("---\nwebinar:\n  title: Cash\n----\n--- agenda\nText\n", "notice.md")
    assert [str(problem) for problem in caught.value.problems] == [
        "notice.md:1: the front matter opened by '---' is never closed by a '---' line"]


def test_notice_problems_keep_their_lines_after_the_front_matter_moves() -> None:
    bad = WEBINAR.replace("  start: 2026-12-03 14:00\n", "  start: soon\n  duration_minutes: 5\n  colour: red\n")
    with pytest.raises(sending.NoticeRejected) as caught:
        sending.parse_notice(bad + "--- agenda\nText\n", "notice.md")
    problems = sorted(str(problem) for problem in caught.value.problems)
    assert [problem.split(": ")[0:2] for problem in problems] == [
        ["notice.md:5", "webinar.start"], ["notice.md:6", "webinar.duration_minutes"],
        ["notice.md:7", "webinar.colour"]]
    with pytest.raises(sending.NoticeRejected) as caught:
        sending.parse_notice("---\nwebinar:\n  title: [unclosed\n---\nText\n", "notice.md")
    assert str(caught.value.problems[0]).startswith("notice.md:4: bad YAML")


def test_import_problems_name_the_line_of_nested_fields() -> None:
    text = ("# people first\n\npeople:\n  - email: a@example.org\n    name: Ann\n    role: hc\n"
            "  - email: not-an-email\n    name: Bob\n    role: boss\n  - name: Cy\n    role: hc\n")
    with pytest.raises(ImportRejected) as caught:
        parse_yaml(text, "people.yaml")
    assert sorted(str(problem) for problem in caught.value.problems) == [
        "people.yaml:10: people[2].email: missing",
        "people.yaml:7: people[1].email: 'not-an-email' is not an e-mail address",
        "people.yaml:9: people[1].role: 'boss' is not one of: hc, hct_member, secretariat, admin",
    ]
    # An impossible date is kept as its text, so the file's other problems are still reported.
    with pytest.raises(ImportRejected) as caught:
        parse_yaml("people:\n  - email: a@example.org\n    since: 2026-02-30\n", "people.yaml")
    assert [str(problem) for problem in caught.value.problems] == [
        "people.yaml:2: people[0].name: missing", "people.yaml:2: people[0].role: missing",
        "people.yaml:3: people[0].since: unknown field; the fields here are: email, name, role, language, "
        "operation, timezone"]


def test_a_library_file_with_dashed_lines_in_its_body(tmp_path: Path) -> None:
    body = ("## What was done\n--- in short\n----\nThe cash working group agreed one transfer value for "
            "multipurpose cash across all agencies and published it, so that families received the same amount.\n")
    (tmp_path / "dashes.md").write_text(
        "---\nid: dashes\ntitle: A product with rules\ntype: case-study\ntopics: [cash]\ncountries: [Chad]\n"
        "year: 2019\nlanguage: en\nsummary: The cash working group agreed one value.\nillustrative: true\n---\n" + body,
        encoding="utf-8")
    (tmp_path / "unclosed.md").write_text("---\nid: unclosed\n----\n" + body, encoding="utf-8")
    products, problems = validate_library(tmp_path, Thesaurus.load(), this_year=THIS_YEAR)
    assert [product.body for product in products] == [body.strip()]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path / 'unclosed.md'}:1: the front matter opened by '---' is never closed by a '---' line"]


def test_one_parse_gives_the_data_and_the_line_of_every_key_and_item() -> None:
    document = load_yaml("a: 1\nb:\n  - x\n  - c: 2\n    d: [3, 4]\n", "f.yaml", first_line=10)
    assert document.data == {"a": 1, "b": ["x", {"c": 2, "d": [3, 4]}]}
    assert document.lines == {("a",): 10, ("b",): 11, ("b", 0): 12, ("b", 1): 13, ("b", 1, "c"): 13,
                              ("b", 1, "d"): 14, ("b", 1, "d", 0): 14, ("b", 1, "d", 1): 14}
    assert document.line_of(("b", 1, "missing")) == 13
    assert document.line_of(("nowhere",)) == 10
    assert load_yaml("", "f.yaml").data is None
    with pytest.raises(DocumentError, match=r"^f\.yaml:4: bad YAML"):
        load_yaml("a: 1\nb: [\n", "f.yaml", first_line=2)
    with pytest.raises(DocumentError, match="bad YAML"):
        load_yaml("a: \x07\n", "f.yaml")


def test_splitting_on_exact_lines() -> None:
    front = split_front_matter("---\na: 1\n---\nbody\n--- more\n", "f.md")
    assert front is not None
    assert (front.yaml, front.yaml_line, front.body, front.body_line) == ("a: 1\n", 2, "body\n--- more\n", 4)
    assert split_front_matter("--- not front matter\n---\n", "f.md") is None
    assert split_front_matter("", "f.md") is None
    assert split_at_line("one\n ---fr--- \ntwo\n---fr---\n", "---fr---") == ("one\n", "two\n---fr---\n")
    assert split_at_line("one\n---fr---x\n", "---fr---") == ("one\n---fr---x\n", None)
