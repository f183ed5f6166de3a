"""The trends brief: every figure of ``hcbot trends --format docx`` on 50 generated operations and on
the demo, recomputed here from what was generated; operations named only as their sharing allows
(one test per level), notes never; charts titled, labelled, in greys."""

from __future__ import annotations

import asyncio
import re
import statistics
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.cli import main
from bot.clock import FixedClock
from knowledge import SearchIndex, topic_name
from storage.models import MissionKind, OutboxStatus, Person, QuestionLog, Sharing, Status
from tests.conftest import START, database_url, fresh_database
from tests.trends_data import NOTE_MARK, UNANSWERED, Truth, generate

STATUSES = (Status.DONE, Status.ON_TRACK, Status.DELAYED, Status.BLOCKED, Status.NOT_STARTED)


def _label(topic: str) -> str:
    return "No topic" if topic == "-" else topic_name(topic)


async def _generated(url: str, operations: int = 50, sharing: list[Sharing] | None = None,
                     extra_questions: list[tuple[str, str]] | None = None) -> Truth:
    database = await fresh_database(url)
    try:
        async with database.transaction() as session:
            truth = await generate(session, START, operations, sharing=sharing)
            for question, email in extra_questions or []:
                person = Person(name=email, email=email, role="hc", language="en")
                session.add(person)
                await session.flush()
                session.add(QuestionLog(person_id=person.id, platform="console", external_user_id=email,
                                        question=question, result_ids=[], confident=False, passed_on=False,
                                        asked_at=START - timedelta(days=1)))
                truth.questions.append((START - timedelta(days=1), question, False, None, email))
    finally:
        await database.dispose()
    return truth


def _brief(url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
           *extra: str, file_format: str = "docx") -> Path:
    monkeypatch.setenv("HCBOT_DATABASE_URL", url)
    output = tmp_path / f"brief.{file_format}"
    assert main(["trends", "--format", file_format, "-o", str(output), *extra], clock=FixedClock(START)) == 0
    assert f"wrote {output}" in capsys.readouterr().out
    return output


def docx_tables(path: Path) -> dict[str, list[list[str]]]:
    """Each table of the document under the heading just before it: {title: [header, row, ...]}."""
    document = Document(str(path))
    found: dict[str, list[list[str]]] = {}
    heading = ""
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            paragraph = Paragraph(child, document)
            if paragraph.style is not None and paragraph.style.name.startswith("Heading"):
                heading = paragraph.text
        elif child.tag.endswith("}tbl"):
            found[heading] = [[cell.text for cell in row.cells] for row in Table(child, document).rows]
    return found


def md_tables(text: str) -> dict[str, list[list[str]]]:
    """Each Markdown table under its "###" heading."""
    found: dict[str, list[list[str]]] = {}
    heading = ""
    for line in text.splitlines():
        if line.startswith("### "):
            heading = line[4:]
        elif line.startswith("| "):
            cells = line.strip("|").split(" | ")
            found.setdefault(heading, []).append([cell.strip().replace("\\|", "|") for cell in cells])
    return found


def _rows(table: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in table[1:]}


# ----------------------------------------------------------------------- the figures, recomputed


def expected_actions(truth: Truth) -> dict[str, list[str]]:
    counts: dict[str, Counter[Status]] = defaultdict(Counter)
    total: Counter[Status] = Counter()
    for _code, topics, history in truth.actions:
        status = history[-1][0] if history else Status.NOT_STARTED
        total[status] += 1
        for topic in topics or ["-"]:
            counts[_label(topic)][status] += 1
    rows = {label: [str(found[status]) for status in STATUSES] + [str(sum(found.values()))]
            for label, found in counts.items()}
    rows["All actions"] = [str(total[status]) for status in STATUSES] + [str(sum(total.values()))]
    return rows


def expected_stalls(truth: Truth) -> list[list[str]]:
    days: dict[str, list[int]] = defaultdict(list)
    blocked: Counter[str] = Counter()
    for _code, topics, history in truth.actions:
        run = []
        for status, moment in reversed(history):
            if status not in (Status.BLOCKED, Status.DELAYED):
                break
            run.append(moment)
        if not run:
            continue
        for topic in topics or ["-"]:
            days[topic].append((START - run[-1]).days)
            blocked[topic] += history[-1][0] is Status.BLOCKED
    ordered = sorted(days, key=lambda topic: (-statistics.median(days[topic]), -len(days[topic]), topic))
    return [[_label(topic), str(len(days[topic])), str(blocked[topic]), str(len(days[topic]) - blocked[topic]),
             str(round(statistics.median(days[topic]))), str(max(days[topic]))] for topic in ordered[:10]]


def expected_updates(truth: Truth) -> dict[str, list[str]]:
    rows = {}
    for kind, label in ((MissionKind.P2P, "P2P mission"), (MissionKind.OPR, "Operational peer review")):
        on_time = late = not_due = 0
        late_days: list[int] = []
        overdue_days: list[int] = []
        plans = [plan for plan in truth.plans if plan[0] is kind]
        for _kind, due, submitted, zone in plans:
            if submitted is not None:
                days = (submitted.astimezone(ZoneInfo(zone)).date() - due).days
                if days > 0:
                    late += 1
                    late_days.append(days)
                else:
                    on_time += 1
            else:
                today = START.astimezone(ZoneInfo(zone)).date()
                if today > due:
                    overdue_days.append((today - due).days)
                else:
                    not_due += 1
        rows[label] = [str(len(plans)), str(on_time), str(late),
                       str(round(statistics.median(late_days)) if late_days else 0), str(max(late_days, default=0)),
                       str(len(overdue_days)), str(max(overdue_days, default=0)), str(not_due)]
    return rows


def expected_questions(truth: Truth, index: SearchIndex) -> tuple[list[str], dict[str, list[str]]]:
    months = sorted({asked.strftime("%Y-%m") for asked, *_ in truth.questions})[-12:]
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for asked, question, *_ in truth.questions:
        month = asked.strftime("%Y-%m")
        if month in months:
            for topic in sorted(index.parse(question).topics) or ["-"]:
                counts[_label(topic)][month] += 1
    return months, {label: [str(found[month]) for month in months] + [str(sum(found.values()))]
                    for label, found in counts.items()}


def expected_answers(truth: Truth) -> dict[str, list[str]]:
    months: dict[str, list[tuple[bool, str | None]]] = defaultdict(list)
    for asked, _question, confident, feedback, _asker in truth.questions:
        months[asked.strftime("%Y-%m")].append((confident, feedback))
    rows = {}
    for month in sorted(months)[-12:]:
        asked_then = months[month]
        answered = sum(confident for confident, _ in asked_then)
        rows[month] = [str(len(asked_then)), str(answered), str(round(100 * answered / len(asked_then))),
                       str(sum(feedback == "useful" for _, feedback in asked_then)),
                       str(sum(feedback == "not_useful" for _, feedback in asked_then))]
    return rows


def expected_themes(truth: Truth, index: SearchIndex) -> set[tuple[str, str, str, str]]:
    """(topic, people, questions, months): a theme is never quoted (its words could name an operation)."""
    askers: dict[str, set[str]] = defaultdict(set)
    moments: dict[str, list[datetime]] = defaultdict(list)
    for asked, question, confident, feedback, asker in truth.questions:
        if not confident or feedback == "not_useful":
            askers[question].add(asker)
            moments[question].append(asked)
    return {(_label(next(iter(sorted(index.parse(question).topics)), "-")), str(len(people)),
             str(len(moments[question])), ", ".join(sorted({f"{moment.astimezone(UTC):%Y-%m}"
                                                             for moment in moments[question]})))
            for question, people in askers.items() if len(people) >= 2}


def expected_reach(truth: Truth) -> dict[str, list[str]]:
    named = {code: name for code, name, level in truth.operations if level is not Sharing.NONE}
    rows: dict[str, Counter[str]] = defaultdict(Counter)

    def label(code: str | None) -> str:
        if code is None:
            return "No operation (headquarters)"
        return named.get(code, "Other operations")

    for code, statuses in truth.reach.items():
        for status, count in statuses.items():
            rows[label(code)]["targeted"] += count
            rows[label(code)][status.value] += count
    for code, people in truth.opted_out.items():
        rows[label(code)]["opted_out"] += people
    return {name: [str(found[column]) for column in ("targeted", OutboxStatus.SENT.value, OutboxStatus.FAILED.value,
                                                      OutboxStatus.PENDING.value, "opted_out")]
            for name, found in rows.items()}


def test_every_figure_of_the_brief_on_50_operations(backend: str, tmp_path: Path, index: SearchIndex,
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    url = database_url(backend, tmp_path)
    truth = asyncio.run(_generated(url))
    assert len(truth.operations) == 50
    path = _brief(url, monkeypatch, tmp_path, capsys)
    tables = docx_tables(path)
    assert _rows(tables["Actions by topic and status"]) == expected_actions(truth)
    stalls = expected_stalls(truth)
    assert stalls, "the generated set has stalled actions"
    assert tables["Where actions stall"][1:] == stalls
    assert _rows(tables["Updates to the ERC by mission type"]) == expected_updates(truth)
    months, questions = expected_questions(truth, index)
    assert tables["Questions per topic and month"][0][1:-1] == months
    assert _rows(tables["Questions per topic and month"]) == questions
    assert _rows(tables["Answers and feedback per month"]) == expected_answers(truth)
    themes = {tuple(row) for row in tables["Asked again and again, not answered"][1:]}
    assert ("No topic", str(len({asker for _, question, *_, asker in truth.questions if question == UNANSWERED}))
            ) in {theme[:2] for theme in themes}
    assert themes == expected_themes(truth, index)
    assert _rows(tables["Notices by operation"]) == expected_reach(truth)
    document = Document(str(path))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    actions = len(truth.actions)
    assert (f"Operations: 50 · plans: 50 · actions: {actions} · questions: {len(truth.questions)} · "
            f"notices released: {truth.notices}.") in text
    # One picture per chart: actions, stalls, updates, questions, answers, reach.
    assert len(document.inline_shapes) == 6
    assert NOTE_MARK not in text + str(tables)


def test_since_keeps_later_plans_questions_and_notices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Markdown has no charts: the command line's quick path.
    url = database_url("sqlite", tmp_path)
    truth = asyncio.run(_generated(url, operations=12))
    since = (START - timedelta(days=90)).date()
    path = _brief(url, monkeypatch, tmp_path, capsys, "--since", since.isoformat(), file_format="md")
    text = path.read_text(encoding="utf-8")
    questions = sum(asked >= datetime.combine(since, datetime.min.time(), tzinfo=UTC) for asked, *_ in truth.questions)
    assert f"From {since.day} Aug 2026 to 23 Nov 2026" in text
    assert f"questions: {questions} ·" in text
    # Notices released 10, 20 and 30 days ago: all three are within 90 days.
    assert "notices released: 3." in text


def test_french_brief(tmp_path: Path, index: SearchIndex) -> None:
    url = database_url("sqlite", tmp_path)
    asyncio.run(_generated(url, operations=4))
    tables = md_tables(_written(url, index, tmp_path, "fr", formats=("md",))["md"].read_text(encoding="utf-8"))
    assert "Actions par sujet et statut" in tables
    assert tables["Actions par sujet et statut"][0][:3] == ["Sujet", "Fait", "En bonne voie"]
    assert "Toutes les actions" in _rows(tables["Actions par sujet et statut"])


def test_the_demo_brief(tmp_path: Path, index: SearchIndex) -> None:
    """The demo's five actions, its one plan and its history as handlers.secretariat.demo writes them."""
    import yaml

    from bot.cli import DEMO_FILE, DEMO_HC
    from handlers.secretariat.demo import HISTORY, load_demo

    url = database_url("sqlite", tmp_path)

    async def loaded() -> None:
        database = await fresh_database(url)
        await load_demo(database, DEMO_FILE, DEMO_HC, START)
        await database.dispose()

    asyncio.run(loaded())
    tables = md_tables(_written(url, index, tmp_path, formats=("md",))["md"].read_text(encoding="utf-8"))
    demo = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    actions = demo["operations"][0]["missions"][0]["plan"]["actions"]
    counts: dict[str, Counter[Status]] = defaultdict(Counter)
    for action in actions:
        status = HISTORY[action["number"]][0] if action["number"] in HISTORY else Status.NOT_STARTED
        for topic in action["topics"]:
            counts[topic_name(topic)][status] += 1
    expected = {label: [str(found[status]) for status in STATUSES] + [str(sum(found.values()))]
                for label, found in counts.items()}
    shown = _rows(tables["Actions by topic and status"])
    assert shown.pop("All actions")[-1] == str(len(actions))
    assert shown == expected
    updates = _rows(tables["Updates to the ERC by mission type"])
    # The demo's plan is mid-way through its window: one P2P plan, not due yet.
    assert updates["P2P mission"] == ["1", "0", "0", "0", "0", "0", "0", "1"]


# --------------------------------------------------------------------------------- confidentiality


def _written(url: str, index: SearchIndex, tmp_path: Path, language: str = "en",
             formats: tuple[str, ...] = ("md", "html", "docx")) -> dict[str, Path]:
    """The brief in the three formats, from the functions ``hcbot trends`` calls (the command line
    itself is run by the 50-operation test)."""
    from bot.settings import Settings
    from handlers.trends.brief import build_brief
    from handlers.trends.render import brief_docx, brief_html, brief_markdown, table_csv
    from storage.database import Database

    async def built() -> Any:
        database = Database(url)
        try:
            async with database.transaction() as session:
                return await build_brief(session, index, START, Settings().schedule().ladder, language=language)
        finally:
            await database.dispose()

    brief = asyncio.run(built())
    paths = {file_format: tmp_path / f"brief.{file_format}" for file_format in formats}
    if "md" in paths:
        paths["md"].write_text(brief_markdown(brief), encoding="utf-8")
    if "html" in paths:
        paths["html"].write_text(brief_html(brief), encoding="utf-8")
    if "docx" in paths:
        paths["docx"].write_bytes(brief_docx(brief))
    if "csv" in paths:
        paths["csv"].write_text("".join(table_csv(table) for table in brief.tables()), encoding="utf-8")
    return paths


@pytest.mark.parametrize("level", list(Sharing))
def test_an_operation_is_named_only_as_its_sharing_allows(level: Sharing, tmp_path: Path, index: SearchIndex) -> None:
    url = database_url("sqlite", tmp_path)
    # op00 has the level under test; op01 never shares, so "other operations" always has a member.
    # Its name, a demonym, its country in French, a person's name: no list of names catches them all,
    # so the brief quotes no question at all, whatever the level.
    mentioned = ["Opland00 response: translators for the camp committees?",
                 "How did the Oplandian HCT handle the camp committees translators?",
                 "Comment l'équipe de Oplandie a-t-elle trouvé des traducteurs pour les comités ?",
                 "What did Omar Placeholder do about translators for the camp committees?"]
    truth = asyncio.run(_generated(url, operations=2, sharing=[level, Sharing.NONE],
                                   extra_questions=[(question, f"{asker}{number}@x.invalid")
                                                    for number, question in enumerate(mentioned)
                                                    for asker in ("a", "b")]))
    name = "Opland00 response"
    paths = _written(url, index, tmp_path, formats=("md", "html", "docx", "csv") if level is Sharing.NONE
                     else ("md", "html", "csv"))
    documents = {file_format: paths[file_format].read_text(encoding="utf-8") for file_format in ("md", "html", "csv")}
    if level is Sharing.NONE:
        # Word's text and tables too, where the name must not be (the 50-operation test reads the rest).
        document = Document(str(paths["docx"]))
        documents["docx"] = "\n".join([paragraph.text for paragraph in document.paragraphs]
                                      + [cell.text for table in document.tables for row in table.rows
                                         for cell in row.cells])
    # The HTML holds the charts as SVG with their text: the reach chart's labels are checked too.
    assert documents["html"].count("<svg") == 6
    for file_format, text in documents.items():
        assert NOTE_MARK not in text, file_format
        assert "Opland01" not in text, file_format
        assert (name in text) is (level is not Sharing.NONE), file_format
    reach = expected_reach(truth)
    tables = md_tables(documents["md"])
    assert _rows(tables["Notices by operation"]) == reach
    if level is Sharing.NONE:
        assert name not in reach
        assert "Other operations" in reach
    else:
        assert name in reach
    for file_format, text in documents.items():
        for words in ("Oplandian", "Oplandie", "Omar Placeholder", "camp committees", "comités"):
            assert words not in text, (file_format, words)
    themes = tables["Asked again and again, not answered"]
    assert themes[0] == ["Topic", "People", "Questions", "Months"]
    # Counted, never quoted: a topic, people, questions and months (the 50-operation test checks the figures).
    assert themes[1:]
    assert all(row[1].isdigit() and row[2].isdigit() and re.fullmatch(r"\d{4}-\d\d(, \d{4}-\d\d)*", row[3])
               for row in themes[1:])


# ------------------------------------------------------------------------------------------ charts


def test_charts_have_titles_axis_labels_and_only_greys(tmp_path: Path, index: SearchIndex) -> None:
    url = database_url("sqlite", tmp_path)
    asyncio.run(_generated(url, operations=8))
    page = _written(url, index, tmp_path, formats=("html",))["html"].read_text(encoding="utf-8")
    charts = re.findall(r"<figure>(<svg.*?</svg>)</figure>", page, re.DOTALL)
    assert len(charts) == 6
    for title, axis in (("Actions by topic and status", "Actions"), ("Updates to the ERC by mission type", "Plans"),
                        ("Answers and feedback per month", "Month")):
        assert any(title in chart and f">{axis}<" in chart for chart in charts), title
    colours = {colour.lower() for chart in charts for colour in re.findall(r"(?:fill|stroke):\s*(#[0-9a-fA-F]{6})",
                                                                           chart)}
    assert colours
    assert all(colour[1:3] == colour[3:5] == colour[5:7] for colour in colours), colours
    # Series told apart without colour: hatch patterns are drawn.
    assert "<pattern" in charts[0]
    # The numbers beside each chart: the table follows the figure inside the same pair.
    assert page.count('<div class="pair"><figure>') == 6


def test_a_bad_since_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HCBOT_DATABASE_URL", database_url("sqlite", tmp_path))
    with pytest.raises(SystemExit) as raised:
        main(["trends", "--since", "2026-13-01"], clock=FixedClock(START))
    assert raised.value.code == 2
    error = capsys.readouterr().err
    assert "'2026-13-01' is not a date: write it as YYYY-MM-DD" in error
    assert "Traceback" not in error


def test_an_empty_database_gives_a_brief_that_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HCBOT_DATABASE_URL", database_url("sqlite", tmp_path))
    assert main(["trends"], clock=FixedClock(START)) == 0
    text = capsys.readouterr().out
    assert "Operations: 0 · plans: 0 · actions: 0 · questions: 0 · notices released: 0." in text
    assert "Nothing to show for this period." in text
