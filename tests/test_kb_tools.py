"""The secretariat keeps the library from the shell: `kb new`, `kb import` (good and bad
spreadsheets, as Excel writes them), `kb validate` warnings, `kb list --stats` and `--stale`, and an
upcoming webinar announced from its record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FixedClock
from handlers.broadcasts.sending import NoticeRejected
from handlers.library_notice import product_notice
from handlers.library_shown import product_kind
from knowledge import BUNDLED_LIBRARY, Thesaurus, validate_library
from knowledge.library_files import product_warnings
from knowledge.library_tools import stale, topic_counts
from tests.conftest import START, THIS_YEAR

CLOCK = FixedClock(START)  # 23 Nov 2026

PRODUCT = """---
id: {id}
title: "Joint needs assessment in Chad"
type: {type}
topics: [needs-assessment]
countries: [Chad]
{when}
language: en
summary: The clusters ran one joint needs assessment before the response plan.
illustrative: false
source: "A test page"
{extra}
---
## What was done
The clusters ran one joint needs assessment before the response plan, with a common questionnaire
and one analysis shared by every agency, so that the plan rested on the same figures for everyone.
"""


def product(folder: Path, identifier: str, *, kind: str = "case-study", when: str = "year: 2019",
            extra: str = "") -> Path:
    path = folder / f"{identifier}.md"
    path.write_text(PRODUCT.format(id=identifier, type=kind, when=when, extra=extra), encoding="utf-8")
    return path


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    product(folder, "needs-chad")
    monkeypatch.setenv("HCBOT_KNOWLEDGE_DIR", str(folder))
    return folder


def hcbot(*args: str) -> int:
    return main(list(args), clock=CLOCK)


def test_kb_new_writes_the_fields_to_complete_and_validate_names_them(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert hcbot("kb", "new", "--type", "webinar", "--title", "Duty of care: national staff") == 0
    path = library / "duty-of-care-national-staff.md"
    text = path.read_text(encoding="utf-8")
    for field in ("title:", "type: webinar", "topics:", "date:", "summary:", "source:", "speakers:", "time:",
                  "timezone:", "recording:", "review_by: 2027-11-23"):
        assert field in text
    capsys.readouterr()
    # Written but not filled in: the library does not validate, so a running bot keeps the old one.
    assert hcbot("kb", "validate", str(library)) == 2
    errors = capsys.readouterr().err
    assert f"{path}:7: topics: missing" in errors
    assert f"{path}:12: summary: missing: fill it in" in errors
    assert f"{path}:14: source: missing" in errors
    filled = (text.replace("topics: []  ", "topics: [access]")
              .replace('summary: ""', 'summary: "What an HCT owes national staff."')
              .replace('source: ""', 'source: "the 2027 programme"'))
    path.write_text(filled, encoding="utf-8")
    assert hcbot("kb", "validate", str(library)) == 0
    # A second new webinar without an id does not overwrite the first.
    assert hcbot("kb", "new", "--type", "webinar", "--title", "Duty of care: national staff") == 0
    assert (library / "duty-of-care-national-staff-2.md").exists()
    assert path.read_text(encoding="utf-8") == filled


def test_kb_new_and_import_never_write_into_the_bundled_library(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HCBOT_KNOWLEDGE_DIR", raising=False)
    before = sorted(path.name for path in BUNDLED_LIBRARY.iterdir())
    sheet = tmp_path / "products.csv"
    sheet.write_text("id,title,type\nx-one,A title,webinar\n", encoding="utf-8")
    assert hcbot("kb", "new", "--type", "webinar") == 2
    assert hcbot("kb", "import", str(sheet)) == 2
    assert "set HCBOT_KNOWLEDGE_DIR" in capsys.readouterr().err
    assert sorted(path.name for path in BUNDLED_LIBRARY.iterdir()) == before


def test_kb_new_refuses_an_unknown_type_and_an_id_taken(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        hcbot("kb", "new", "--type", "podcast")
    assert "invalid choice: 'podcast'" in capsys.readouterr().err
    assert hcbot("kb", "new", "--type", "report", "--id", "needs-chad") == 2
    assert "already exists" in capsys.readouterr().err


GOOD_SHEET = (
    "sep=;\n"
    "id;title;type;topics;countries;date;language;url;summary;illustrative;source;speakers;body\n"
    "cash-webinar-niger;Cash in the lean season: Niger;webinar;cash, preparedness;Niger;04/10/2016;fr;"
    "https://example.org/cash;Un webinaire sur les transferts monétaires pendant la soudure.;FAUX;La page du webinaire;"
    "\"le CH au Niger, animateur; la cheffe du groupe cash\";\"## Ce qui a été fait\nLe groupe de travail cash a fixé "
    "une valeur commune du transfert pour toutes les agences pendant la soudure, publiée et revue chaque mois.\"\n"
    "access-page;Access learning page;Page d'apprentissage;access;;;en;https://example.org/access;"
    "The learning page on access.;TRUE;Its own page;;\n"
    ";;;;;;;;;;;;\n"
)


def test_kb_import_writes_one_file_a_row_from_french_excel(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = library.parent / "products.csv"
    sheet.write_bytes(GOOD_SHEET.encode("utf-16"))  # Excel's "Unicode text", semicolons and sep=
    assert hcbot("kb", "import", str(sheet)) == 0
    out = capsys.readouterr()
    assert "wrote 2 products" in out.out
    # The page has no body: imported, with a warning.
    assert f"{sheet}:5: body: no body" in out.err
    products, problems = validate_library(library, Thesaurus.load(), this_year=THIS_YEAR)
    assert problems == []
    cash = next(found for found in products if found.id == "cash-webinar-niger")
    assert (cash.day, cash.year, cash.topics, cash.countries) == (date(2016, 10, 4), 2016, ("cash", "preparedness"),
                                                                  ("Niger",))
    assert cash.speakers == ("le CH au Niger, animateur", "la cheffe du groupe cash")
    assert (cash.illustrative, cash.reference, cash.language) == (False, "La page du webinaire", "fr")
    assert cash.body.startswith("## Ce qui a été fait\nLe groupe de travail cash")
    page = next(found for found in products if found.id == "access-page")
    # The type as a French speaker names it.
    assert (page.type, page.illustrative, page.day, page.year, page.countries) == ("page", True, None, 0, ())


def test_kb_import_of_a_bad_sheet_names_every_problem_and_writes_nothing(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(path.name for path in library.iterdir())
    sheet = library.parent / "products.csv"
    sheet.write_text(
        "id,title,type,topics,countries,date,language,summary,illustrative,source,colour\n"
        "good-one,A good one,report,cash,Chad,2020-05-01,en,A good product with a summary.,false,a page,\n"
        "Bad Id,A bad id,podcast,weather,Chadd,2020-02-30,de,short,maybe,,\n"
        "good-one,Same id again,report,cash,,2021,en,Another product with a summary.,true,,\n"
        "needs-chad,Taken,report,cash,,2021,en,Another product with a summary.,true,,\n"
        "no-source,Real but unsourced,report,cash,,,en,A real product with no source.,false,,\n",
        encoding="utf-8")
    assert hcbot("kb", "import", str(sheet)) == 2
    errors = capsys.readouterr().err
    assert "nothing was written" in errors
    for expected in (
        f"{sheet}:1: colour: unknown column",
        f"{sheet}:3: id: String should match pattern",
        f"{sheet}:3: type: unknown type 'podcast'",
        f"{sheet}:3: topics: unknown topic 'weather'",
        f"{sheet}:3: date: 2020-02-30 is not a date: February 2020 has 29 days",
        f"{sheet}:3: language: Input should be 'en' or 'fr'",
        f"{sheet}:3: summary: too short: at least 10 characters",
        f"{sheet}:3: illustrative: 'maybe' is neither yes nor no",
        f"{sheet}:4: id: this id is also on row 2",
        f"{sheet}:5: id: already a product of the library",
        f"{sheet}:6: source: missing",
    ):
        assert expected in errors, expected
    assert sorted(path.name for path in library.iterdir()) == before


def test_kb_import_refuses_a_workbook_and_a_sheet_without_columns(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workbook = library.parent / "products.xlsx"
    workbook.write_bytes(b"PK\x03\x04")
    assert hcbot("kb", "import", str(workbook)) == 2
    assert "CSV" in capsys.readouterr().err
    headless = library.parent / "list.csv"
    headless.write_text("Duty of care;webinar\n", encoding="utf-8")
    assert hcbot("kb", "import", str(headless)) == 2
    assert f"{headless}:1: the first line should name the columns" in capsys.readouterr().err


def test_validate_warns_on_http_long_summaries_and_no_body_but_passes(
        library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = product(library, "warned", extra="url: http://example.org/plain")
    text = path.read_text(encoding="utf-8").replace(
        "summary: The clusters ran one joint needs assessment before the response plan.",
        "summary: One. Two. Three. Four.")
    path.write_text(text.split("## What was done")[0], encoding="utf-8")
    assert hcbot("kb", "validate", str(library)) == 0
    out = capsys.readouterr()
    assert "2 learning products, no problems, 3 warnings" in out.out
    assert f"warning: {path}: url: http://example.org/plain is not an https link" in out.err
    assert f"warning: {path}: summary: 4 sentences" in out.err
    assert f"warning: {path}: body: no body" in out.err


def test_stale_lists_what_is_past_review_by(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    product(library, "old-one", extra="review_by: 2025-11-23")
    product(library, "older-one", extra="review_by: 2024-01-01")
    product(library, "fresh-one", extra="review_by: 2027-01-01")
    assert hcbot("kb", "list", "--stale") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2 products past review_by:"
    assert lines[1].split()[:3] == ["older-one", "review_by", "2024-01-01"]
    assert lines[2].split()[:5] == ["old-one", "review_by", "2025-11-23", "(365", "days"]
    products, _problems = validate_library(library, Thesaurus.load(), this_year=THIS_YEAR)
    assert [found.id for found in stale(products, date(2027, 1, 2))] == ["older-one", "old-one", "fresh-one"]


def test_stats_count_real_and_illustrative_per_topic(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HCBOT_KNOWLEDGE_DIR", raising=False)
    assert hcbot("kb", "list", "--stats") == 0
    out = capsys.readouterr().out
    products, _problems = validate_library(BUNDLED_LIBRARY, Thesaurus.load(), this_year=THIS_YEAR)
    real = [found for found in products if not found.illustrative]
    assert f"{len(products)} products: {len(real)} real, {len(products) - len(real)} illustrative" in out
    psea_real = sum("psea" in found.topics for found in real)
    psea_samples = sum("psea" in found.topics for found in products if found.illustrative)
    row = next(line for line in out.splitlines() if line.startswith("Protection from sexual exploitation"))
    assert row.split()[-3:] == [str(psea_real), str(psea_samples), str(psea_real + psea_samples)]
    assert {count.topic: count.total for count in topic_counts(products) if count.total < 3} == {}


def test_the_real_records_meet_the_brief() -> None:
    products, problems = validate_library(BUNDLED_LIBRARY, Thesaurus.load(), this_year=THIS_YEAR)
    assert problems == []
    real = [found for found in products if not found.illustrative]
    assert len(real) >= 20
    assert all((found.url or "https://").startswith("https://") for found in real)
    assert all(found.reference for found in real)
    assert all(not product_warnings(found) for found in products)
    by_id = {found.id: found for found in products}
    assert by_id["protection-civilians-hc-iraq-webinar"].day == date(2016, 10, 4)
    assert by_id["nexus-hc-dialogue-reducing-needs-fragile-contexts"].type == "dialogue"
    # A date the sources do not give is left out, not guessed.
    assert by_id["gbv-two-part-webinar-prevention-response"].year == 0
    assert any(found.language == "fr" for found in products)


def test_a_webinar_reads_as_a_date_upcoming_or_a_recording(library: Path) -> None:
    product(library, "past-talk", kind="webinar", when="date: 2016-10-04")
    product(library, "recorded-talk", kind="webinar", when="date: 2016-10-04",
            extra="recording: https://example.org/recording")
    product(library, "next-talk", kind="webinar", when="date: 2027-01-20",
            extra="time: 14:00\ntimezone: Europe/Zurich\nrecording: https://example.org/later")
    products, problems = validate_library(library, Thesaurus.load(), this_year=THIS_YEAR)
    assert problems == []
    by_id = {found.id: found for found in products}
    today = START.date()
    assert product_kind(by_id["past-talk"], "en", today) == "Webinar, 4 Oct 2016"
    assert product_kind(by_id["past-talk"], "fr", today) == "Webinaire, 4 oct. 2016"
    assert product_kind(by_id["recorded-talk"], "en", today) == "Webinar recording, 4 Oct 2016"
    assert by_id["recorded-talk"].link(today) == "https://example.org/recording"
    assert product_kind(by_id["next-talk"], "en", today) == "Upcoming webinar, 20 Jan 2027"
    assert by_id["next-talk"].link(today) is None  # not held yet: its recording is not offered
    assert product_kind(by_id["needs-chad"], "en", today) == "Case study, 2019"
    # 14:00 in Zurich in January is 13:00 UTC: the notice carries the start the record gives.
    notice = product_notice(by_id["next-talk"], START)
    assert notice.webinar is not None
    assert datetime.fromisoformat(notice.webinar["start"]) == datetime(2027, 1, 20, 13, 0, tzinfo=UTC)
    assert notice.webinar["title"] == "Joint needs assessment in Chad"
    assert notice.text_fr is not None
    assert notice.text_fr.startswith("Le secrétariat P2P vous invite")
    for refused, field in (("past-talk", "date"), ("needs-chad", "type")):
        with pytest.raises(NoticeRejected) as caught:
            product_notice(by_id[refused], START)
        assert caught.value.problems[0].field == field


def test_broadcast_send_product_announces_an_upcoming_webinar(
        library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    product(library, "next-talk", kind="webinar", when="date: 2027-01-20",
            extra="time: 14:00\ntimezone: Europe/Zurich")
    monkeypatch.setenv("HCBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    assert hcbot("admin", "import", str(Path(__file__).resolve().parent.parent / "examples" / "operations.yaml")) == 0
    capsys.readouterr()
    assert hcbot("broadcast", "send", "--product", "needs-chad", "--yes") == 2
    assert "only a webinar can be announced" in capsys.readouterr().err
    assert hcbot("broadcast", "send", "--product", "next-talk", "--yes") == 0
    out = capsys.readouterr().out
    assert "Webinar: Joint needs assessment in Chad" in out
    assert "When: 20 Jan 2027, 13:00 UTC" in out
    assert "broadcast 1 released to the outbox" in out
