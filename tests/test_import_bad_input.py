"""What the secretariat's desk receives and `hcbot admin import` must answer in one sentence a line:
impossible dates, keys given twice, references to nothing, Excel's encodings and delimiters, hostile
YAML (aliases, duplicate keys, control characters, loops), files too big; and a demo opened twice."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.broadcasts import sending
from handlers.secretariat.demo import DEMO_PLAN, load_demo
from handlers.secretariat.imports import ImportRejected, import_file, parse_file, read_csv, read_yaml
from knowledge import Thesaurus, validate_library
from knowledge.taxonomy import TOPICS
from storage import repositories as repo
from storage.database import Database
from storage.models import Action, ActionUpdate, Mission, Operation, Person, Role
from tests.conftest import EXAMPLES, THIS_YEAR, database_url, fresh_database
from tests.test_library import GOOD, run_hcbot

ROOT = Path(__file__).resolve().parent.parent
DEMO_FILE = ROOT / "bot" / "demo.yaml"
# The validator's own words, which mean nothing to the people who edit these files.
LEAKS = ("Input should", "String should", "Value error", "validation error", "pydantic", "Traceback",
         "should have at least", "type=", "unacceptable character", "ReaderError", "RecursionError")


@pytest.fixture
async def database(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh_database(database_url(backend, tmp_path))
    yield database
    await database.dispose()


async def count(database: Database, model: type) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def rejected(database: Database, path: Path, max_bytes: int = 20_000_000) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        await import_file(database, path, max_bytes=max_bytes)
    messages = [str(problem) for problem in caught.value.problems]
    assert not [message for message in messages if any(leak in message for leak in LEAKS)]
    return messages


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = [number for number, line in enumerate(text.splitlines(), 1) if fragment in line]
    return lines[occurrence - 1]


def example() -> str:
    return (EXAMPLES / "operations.yaml").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------- dates


async def test_impossible_dates_in_yaml_name_their_line_and_field_and_the_rest_is_still_checked(
        database: Database, tmp_path: Path) -> None:
    text = (example().replace("due_on: 2026-06-30", "due_on: 2026-13-45")
            .replace("due_on: 2026-09-30", "due_on: 2026-02-30")
            .replace("timezone: Asia/Amman", "timezone: Mars/Olympus"))
    path = tmp_path / "plans.yaml"
    path.write_text(text, encoding="utf-8")
    messages = await rejected(database, path)
    actions = f"{path}:{{line}}: operations[0].missions[0].plan.actions[{{index}}].due_on: "
    assert messages == [
        actions.format(line=line_of(text, "2026-13-45"), index=1)
        + "2026-13-45 is not a date: there is no month 13 (write dates as YYYY-MM-DD)",
        actions.format(line=line_of(text, "2026-02-30"), index=2)
        + "2026-02-30 is not a date: February 2026 has 28 days",
        f"{path}:{line_of(text, 'Mars/Olympus')}: operations[1].timezone: unknown timezone 'Mars/Olympus' "
        "(use an IANA name such as Africa/Ndjamena)",
    ]
    assert await count(database, Operation) == 0


def test_an_impossible_date_reads_the_same_in_a_csv_and_in_french(tmp_path: Path) -> None:
    data = read_csv("plan,number,title,due_on\nsahelia-2026,1,A title,2026-02-30\nsahelia-2026,2,Another,31/07/2026\n",
                    "actions.csv", "fr")
    assert [str(problem) for problem in data.problems] == [
        "actions.csv:2: due_on: 2026-02-30 n'est pas une date\u00a0: février 2026 compte 28 jours",
        "actions.csv:3: due_on: '31/07/2026' n'est pas une date\u00a0: écrivez-la AAAA-MM-JJ, par exemple 2026-07-31"]


# -------------------------------------------------------------------------------- keys given twice


async def test_an_action_twice_in_a_csv_names_both_lines_and_nothing_is_written(database: Database,
                                                                                tmp_path: Path) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    path = tmp_path / "actions.csv"
    path.write_text("plan,number,title\nsahelia-2026,1,The first title\nsahelia-2026,2,Another action\n"
                    "sahelia-2026,1,A second title for the same action\n", encoding="utf-8")
    assert await rejected(database, path) == [
        f"{path}:4: number: action sahelia-2026,1 is already on line 2; give it once"]
    async with database.transaction() as session:
        titles = set((await session.execute(select(Action.title))).scalars())
    assert "A second title for the same action" not in titles
    assert "Another action" not in titles


async def test_every_natural_key_twice_in_a_yaml_is_a_problem_even_on_a_record_wrong_otherwise(
        database: Database, tmp_path: Path) -> None:
    text = """operations:
  - code: sahelia
    name: Sahelia
    country: Sahelia
    timezone: Africa/Niamey
    missions:
      - kind: p2p
        starts_on: 2026-05-04
        ends_on: 2026-05-15
        plan:
          code: sahelia-2026
          title: The plan
          adopted_on: 2026-05-15
          actions:
            - number: 1
              title: First action
            - number: 1
              title: No
              owner: ICCG
      - kind: p2p
        starts_on: 2026-05-04
        ends_on: 2026-05-16
        plan:
          code: sahelia-2026
          title: The same plan again
          adopted_on: 2026-05-15
  - code: sahelia
    name: Sahelia again
    country: Sahelia
    timezone: Africa/Niamey
people:
  - email: amina@sahelia.invalid
    name: Amina
    role: hc
  - email: Amina@Sahelia.invalid
    name: Amina again
    role: admin
"""
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    assert await rejected(database, path) == [
        f"{path}:17: operations[0].missions[0].plan.actions[1].number: action sahelia-2026,1 is already on line 15; "
        "give it once",
        f"{path}:18: operations[0].missions[0].plan.actions[1].title: YAML reads this as false (it takes yes, no, "
        "on, off, true and false for a yes or a no): put the text in quotes",
        f"{path}:21: operations[0].missions[1].starts_on: the p2p mission starting 2026-05-04 is already on line 8; "
        "give it once",
        f"{path}:24: operations[0].missions[1].plan.code: the plan 'sahelia-2026' is already on line 11; give it once",
        f"{path}:27: operations[1].code: the operation 'sahelia' is already on line 2; give it once",
        f"{path}:35: people[1].email: the person 'amina@sahelia.invalid' is already on line 32; give it once",
    ]


# ------------------------------------------------------------------------------------- references


async def test_references_keep_their_line_and_come_with_the_schema_problems_in_one_pass(
        database: Database, tmp_path: Path) -> None:
    text = (example().replace("owner: jules.unicef@sahelia.invalid", "owner: nobody@sahelia.invalid")
            .replace("operation: levantia", "operation: atlantis")
            .replace("title: Make AAP a standing item of the ICCG agenda", "title: AA"))
    path = tmp_path / "references.yaml"
    path.write_text(text, encoding="utf-8")
    assert await rejected(database, path) == [
        f"{path}:{line_of(text, 'nobody@')}: operations[0].missions[0].plan.actions[1].owner: "
        "no person with e-mail 'nobody@sahelia.invalid' in this file or the database",
        f"{path}:{line_of(text, 'title: AA')}: operations[0].missions[0].plan.actions[2].title: "
        "too short: at least 3 characters",
        f"{path}:{line_of(text, 'atlantis')}: people[2].operation: "
        "no operation with code 'atlantis' in this file or the database",
    ]
    assert await count(database, Person) == 0


async def test_a_csv_of_actions_reports_unknown_plans_and_owners_with_its_bad_rows(database: Database,
                                                                                  tmp_path: Path) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    path = tmp_path / "actions.csv"
    path.write_text("plan,number,title,owner,due_on,topics\n"
                    "sahelia-2026,5,A good action,amina.hc@sahelia.invalid,2026-11-30,cash\n"
                    "nowhere-2026,1,An action of no plan,,,\n"
                    "sahelia-2026,6,An action of nobody,ghost@sahelia.invalid,,\n"
                    "sahelia-2026,seven,A bad number,,,weather\n", encoding="utf-8")
    assert await rejected(database, path) == [
        f"{path}:3: plan: no plan with code 'nowhere-2026' in the database (import its operation's YAML file first)",
        f"{path}:4: owner: no person with e-mail 'ghost@sahelia.invalid' in this file or the database",
        f"{path}:5: number: 'seven' is not a whole number",
        f"{path}:5: topics: unknown topic 'weather'; the topics are: " + ", ".join(TOPICS),
    ]


# ---------------------------------------------------------------------------------- Excel's files


async def test_a_latin1_csv_says_to_save_it_as_utf8_naming_the_file(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "personnes.csv"
    path.write_bytes("email,name,role\nok@x.invalid,Ok Person,hc\nrene@x.invalid,René Exemple,hc\n".encode("cp1252"))
    messages = await rejected(database, path)
    assert len(messages) == 1
    assert messages[0].startswith(f"{path}:3: personnes.csv is not saved as UTF-8 (it looks like Windows-1252")
    assert "Save personnes.csv as UTF-8" in messages[0]


async def test_a_semicolon_csv_as_french_excel_saves_it_is_read(database: Database, tmp_path: Path) -> None:
    await import_file(database, EXAMPLES / "operations.yaml")
    people = tmp_path / "personnes.csv"
    # Excel's "CSV UTF-8" in French: a byte order mark, semicolons, CRLF, and empty rows at the end.
    people.write_bytes("\ufeffEmail;Name;Role;Language;Operation\r\n"
                       "rene@sahelia.invalid;René Exemple;hct_member;fr;sahelia\r\n"
                       "zoe@sahelia.invalid;\"Zoé, dite « Zo »; PAM\";hct_member;fr;sahelia\r\n;;;;\r\n;;;;\r\n"
                       .encode())
    report = await import_file(database, people)
    assert report.created["people"] == 2
    actions = tmp_path / "actions.csv"
    actions.write_text("sep=;\nplan;number;title;owner;due_on;topics\n"
                       "sahelia-2026;7;Agree one cash value, with the cash working group;rene@sahelia.invalid;"
                       "2026-12-31;cash,localization\n", encoding="utf-8")
    assert (await import_file(database, actions)).created["actions"] == 1
    # Excel's "Unicode text": UTF-16 with tabs.
    unicode_text = tmp_path / "unicode.csv"
    unicode_text.write_bytes("email\tname\trole\nali@sahelia.invalid\tAli Ça\thc\n".encode("utf-16"))
    assert (await import_file(database, unicode_text)).created["people"] == 1
    async with database.transaction() as session:
        zoe = await repo.person_by_email(session, "zoe@sahelia.invalid")
        cash = (await session.execute(select(Action).where(Action.number == 7))).scalar_one()
    assert zoe is not None
    assert zoe.name == "Zoé, dite « Zo »; PAM"
    assert zoe.language == "fr"
    assert zoe.notices
    assert cash.title == "Agree one cash value, with the cash working group"
    assert cash.topics == ["cash", "localization"]


def test_a_csv_whose_header_is_not_one_says_what_it_should_be() -> None:
    data = read_csv("Courriel;Nom;Rôle\nrene@x.invalid;René;hc\n", "people.csv")
    assert [str(problem) for problem in data.problems] == [
        "people.csv:1: the first line should name the columns: email,name,role[,language,operation,timezone] for "
        "people, or plan,number,title[,owner,due_on,topics] for actions, separated by commas or semicolons; it reads "
        "'Courriel;Nom;Rôle'"]
    data = read_csv("email,name,role,phone,,\nrene@x.invalid,René,hc,+227,,\nzoe@x.invalid,Zoé,hc,,,oops\n", "p.csv")
    assert [str(problem) for problem in data.problems] == [
        "p.csv:1: phone: unknown column; the columns are: email,name,role,language,operation,timezone",
        "p.csv:3: a value in a column with no name on the first line"]
    assert [str(problem) for problem in read_csv("", "empty.csv").problems] == [
        "empty.csv:1: the first line should name the columns: email,name,role[,language,operation,timezone] for "
        "people, or plan,number,title[,owner,due_on,topics] for actions, separated by commas or semicolons; "
        "it reads ''"]


def test_a_spreadsheet_or_a_binary_file_is_named_as_such(tmp_path: Path) -> None:
    workbook = tmp_path / "people.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ImportRejected, match=r"people\.xlsx is a spreadsheet: save the sheet as CSV UTF-8"):
        parse_file(workbook)
    renamed = tmp_path / "people.csv"
    renamed.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb3\xb7")
    with pytest.raises(ImportRejected, match=r"people\.csv is not a text file"):
        parse_file(renamed)
    nul = tmp_path / "nul.csv"
    nul.write_bytes(b"email,name,role\na@x.invalid,A\x00b,hc\n")
    with pytest.raises(ImportRejected, match=r"nul\.csv:2: a NUL byte"):
        parse_file(nul)
    with pytest.raises(ImportRejected, match=r"nowhere\.yaml: no such file"):
        parse_file(tmp_path / "nowhere.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match=r"empty\.yaml: the file is empty \(or only comments\)"):
        parse_file(empty)


# ------------------------------------------------------------------------------- the validator's words


BAD_VALUES = [
    ("code", "Bad_Code"), ("code", 12), ("name", "X"), ("name", "x" * 201), ("timezone", "Paris"),
    ("working_days", "mon"), ("working_days", []), ("working_days", ["monday"]), ("missions", "p2p"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_no_validator_wording_reaches_the_secretariat(name: str, value: object) -> None:
    operation = {"code": "ok", "name": "Fine", "country": "Sahelia", "timezone": "UTC", name: value}
    text = "operations:\n  - " + "\n    ".join(f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {value}"
                                              for key, value in operation.items()) + "\n"
    problems = read_yaml(text, "ops.yaml").problems
    assert problems, text
    for problem in problems:
        assert problem.line is not None
        assert problem.field is not None
        assert not any(leak in problem.message for leak in LEAKS), problem


def test_each_kind_of_mistake_has_its_own_sentence() -> None:
    text = """operations:
  - code: Bad_Code
    name: X
    country: Sahelia
    timezone: UTC
    colour: blue
    working_days: [mon, someday]
    missions:
      - kind: visit
        starts_on: 2026-05-10
        ends_on: 2026-05-01
        plan:
          code: ok-2026
          title: A plan
          adopted_on: 2026-05-15
          update_due_on: 2026-05-01
          checkin_every_weeks: 99
          actions:
            - number: 1.5
              title: 2026-01-01
            - topics: cash
people:
  - email: someone
    name: Some One
    role: hc
    language: no
    timezone: on
"""
    problems = read_yaml(text, "f.yaml").problems
    assert [f"{problem.line}: {problem.field}: {problem.message}" for problem in problems] == [
        "2: operations[0].code: 'Bad_Code' is not a code: use lowercase letters, digits and hyphens, such as "
        "sahelia-2026",
        "3: operations[0].name: too short: at least 2 characters",
        "6: operations[0].colour: unknown field; the fields here are: code, name, country, timezone, working_days, "
        "sharing",
        "7: operations[0].working_days[1]: 'someday' is not one of: mon, tue, wed, thu, fri, sat, sun",
        "9: operations[0].missions[0].kind: 'visit' is not one of: p2p, opr",
        "11: operations[0].missions[0].ends_on: 2026-05-01 is before the start, 2026-05-10",
        "16: operations[0].missions[0].plan.update_due_on: 2026-05-01 is before the plan's adoption, 2026-05-15",
        "17: operations[0].missions[0].plan.checkin_every_weeks: should be 26 or less",
        "19: operations[0].missions[0].plan.actions[0].number: 1.5 is not a whole number",
        "20: operations[0].missions[0].plan.actions[0].title: 2026-01-01 should be text (put it in quotes)",
        "21: operations[0].missions[0].plan.actions[1].number: missing",
        "21: operations[0].missions[0].plan.actions[1].title: missing",
        "21: operations[0].missions[0].plan.actions[1].topics: should be a list, such as [a, b]",
        "23: people[0].email: 'someone' is not an e-mail address",
        "26: people[0].language: YAML reads this as false (it takes yes, no, on, off, true and false for a yes or "
        "a no): put the text in quotes",
        "27: people[0].timezone: YAML reads this as true (it takes yes, no, on, off, true and false for a yes or "
        "a no): put the text in quotes",
    ]


# -------------------------------------------------------------------------------------- safe YAML


def billion_laughs(levels: int = 9) -> str:
    """The classic: each line repeats the one before nine times; 9 levels are 10^9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("text", "line", "message"), [
    (billion_laughs(), 1, "anchors (&name) and aliases (*name) are not accepted: write each value out in full"),
    ("people:\n  - email: a@x.invalid\n    name: Al\n    role: hc\n    role: admin\n", 5,
     "'role' is given twice, on line 4 and here (YAML would silently keep the last one); keep one"),
    ("a: &a [*a]\n", 1, "anchors (&name) and aliases (*name) are not accepted: write each value out in full"),
    ("people:\n  - name: \"Al\x07\"\n", 2, "a control character (U+0007) that YAML does not allow, at column 14; "
                                          "delete it or retype the line"),
    ("people:\n  - name: Al\x00\n", 2, "a control character (U+0000) that YAML does not allow, at column 13; "
                                      "delete it or retype the line"),
    ("people: " + "[" * 2000 + "]" * 2000 + "\n", 1, "nested more than 50 levels deep"),
    ("people:\n" + "".join("  " * level + "- \n" for level in range(60)), 51, "nested more than 50 levels deep"),
    ("people: !!python/object/apply:os.system [echo]\n", 1,
     "the tag !!python/object/apply:os.system is not accepted: write plain values"),
])
def test_hostile_yaml_is_refused_with_its_line_in_bounded_memory(tmp_path: Path, text: str, line: int,
                                                                  message: str) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected) as caught:
            parse_file(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [str(problem) for problem in caught.value.problems] == [f"{path}:{line}: bad YAML: {message}"]
    assert peak < 20_000_000  # the billion laughs took 23.8 GB before it was killed


async def test_a_role_given_twice_imports_nobody(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "people.yaml"
    path.write_text("people:\n  - email: mallory@x.invalid\n    name: Mallory\n    role: hc\n    role: admin\n",
                    encoding="utf-8")
    await rejected(database, path)
    async with database.transaction() as session:
        admins = list((await session.execute(select(Person).where(Person.role == Role.ADMIN))).scalars())
    assert admins == []


def test_kb_validate_reports_an_impossible_date_and_every_other_problem(tmp_path: Path) -> None:
    reviewed = GOOD.format(id="reviewed").replace("year: 2019", "year: 1999").replace(
        "type: case-study\n", "type: case-study\nreviewed: 2026-02-30\n")
    (tmp_path / "reviewed.md").write_text(reviewed, encoding="utf-8")
    (tmp_path / "laughs.md").write_text("---\n" + billion_laughs() + "---\n" + "body " * 30, encoding="utf-8")
    twice = GOOD.format(id="twice").replace("language: en\n", "language: en\nlanguage: fr\n")
    (tmp_path / "twice.md").write_text(twice, encoding="utf-8")
    done = run_hcbot("kb", "validate", str(tmp_path))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert f"  {tmp_path / 'laughs.md'}:2: bad YAML: anchors (&name) and aliases (*name) are not accepted: write " \
           "each value out in full" in lines
    assert any(line.startswith(f"  {tmp_path / 'reviewed.md'}:5: reviewed: unknown field") for line in lines)
    assert f"  {tmp_path / 'reviewed.md'}:8: year: Input should be greater than or equal to 2000" in lines
    assert f"  {tmp_path / 'twice.md'}:9: bad YAML: 'language' is given twice, on line 8 and here (YAML would " \
           "silently keep the last one); keep one" in lines


def test_a_date_that_does_not_exist_in_a_product_field_typed_as_a_date_names_it(tmp_path: Path) -> None:
    # The library has no date field today; its year typed 2026-02-30 is the nearest case.
    (tmp_path / "dated.md").write_text(GOOD.format(id="dated").replace("year: 2019", "year: 2026-02-30"),
                                       encoding="utf-8")
    _products, problems = validate_library(tmp_path, Thesaurus.load(), this_year=THIS_YEAR)
    assert [str(problem) for problem in problems] == [
        f"{tmp_path / 'dated.md'}:7: year: 2026-02-30 is not a date: February 2026 has 28 days"]


def test_notice_front_matter_is_read_as_safely() -> None:
    cases = {
        "---\n" + billion_laughs() + "---\nText\n": "notice.md:2: bad YAML: anchors (&name) and aliases (*name) "
                                                    "are not accepted: write each value out in full",
        "---\nwebinar:\n  title: Cash\n  title: Cash again\n---\nText\n":
            "notice.md:4: bad YAML: 'title' is given twice, on line 3 and here (YAML would silently keep the last "
            "one); keep one",
        "---\nwebinar: &w [*w]\n---\nText\n": "notice.md:2: bad YAML: anchors (&name) and aliases (*name) are not "
                                             "accepted: write each value out in full",
        "---\nwebinar:\n  title: Cash\n  start: 2026-02-30 14:00\n  timezone: UTC\n---\nText\n":
            "notice.md:4: webinar.start: 2026-02-30 14:00 is not a date: February 2026 has 28 days",
    }
    for text, expected in cases.items():
        with pytest.raises(sending.NoticeRejected) as caught:
            sending.parse_notice(text, "notice.md")
        assert [str(problem) for problem in caught.value.problems] == [expected]


# ------------------------------------------------------------------------------------------- size


async def test_a_file_over_the_size_limit_is_refused_before_it_is_read(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("email,name,role\n" + "".join(f"p{n}@x.invalid,Person {n},hc\n" for n in range(2000)),
                    encoding="utf-8")
    size = path.stat().st_size
    assert await rejected(database, path, max_bytes=10_000) == [
        f"{path}: {round(size / 1000)} kB is more than an import may be, 10 kB "
        "(HCBOT_IMPORT_MAX_BYTES): split the file, or raise the limit"]
    assert await count(database, Person) == 0


def hcbot(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
          stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("HCBOT_")}
    environment |= {"HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          env=environment, cwd=tmp_path, timeout=120, check=False)


def test_the_command_says_the_limit_and_shows_the_first_hundred_problems(tmp_path: Path) -> None:
    big = tmp_path / "people.csv"
    big.write_text("email,name,role\n" + "".join(f"p{n}@x.invalid,Person {n},boss\n" for n in range(250)),
                   encoding="utf-8")
    done = hcbot(tmp_path, "admin", "import", str(big), env={"HCBOT_IMPORT_MAX_BYTES": "1000"})
    assert done.returncode == 2
    assert "is more than an import may be, 1 kB (HCBOT_IMPORT_MAX_BYTES)" in done.stderr
    done = hcbot(tmp_path, "admin", "import", str(big))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == f"hcbot: {big} has 250 problems; fix them and import the file again:"
    assert lines[1] == f"  {big}:2: role: 'boss' is not one of: hc, hct_member, secretariat, admin"
    assert lines[101:] == ["  ... and 150 more problems of the same kinds; fix these first.",
                           "hcbot: nothing was imported."]


async def test_thousands_of_people_are_created_then_unchanged_then_updated_in_place(database: Database,
                                                                                    tmp_path: Path) -> None:
    # The set-wise writes, checked for what they write (their speed is benchmarks/bench_import.py's).
    await import_file(database, EXAMPLES / "operations.yaml")
    rows = [f"p{n}@x.invalid,Person {n},hct_member,{'fr' if n % 2 else 'en'},sahelia" for n in range(3000)]
    path = tmp_path / "people.csv"
    path.write_text("email,name,role,language,operation\n" + "\n".join(rows) + "\n", encoding="utf-8")
    first = await import_file(database, path)
    assert (first.created["people"], first.updated["people"], first.unchanged["people"]) == (3000, 0, 0)
    again = await import_file(database, path)
    assert (again.created["people"], again.updated["people"], again.unchanged["people"]) == (0, 0, 3000)
    rows[1234] = "p1234@x.invalid,Person Renamed,secretariat,en,"
    path.write_text("email,name,role,language,operation\n" + "\n".join(rows) + "\n", encoding="utf-8")
    edited = await import_file(database, path)
    assert (edited.created["people"], edited.updated["people"], edited.unchanged["people"]) == (0, 1, 2999)
    async with database.transaction() as session:
        renamed = await repo.person_by_email(session, "p1234@x.invalid")
        other = await repo.person_by_email(session, "p1@x.invalid")
    assert renamed is not None
    assert (renamed.name, renamed.role, renamed.operation_id) == (
        "Person Renamed", Role.SECRETARIAT, None)
    assert other is not None
    assert other.language == "fr"
    assert other.operation is not None
    assert other.operation.code == "sahelia"
    assert other.notices is True
    assert await count(database, Person) == 3004


# ------------------------------------------------------------------------------------------- demo


def test_the_demo_started_again_continues_the_check_in_where_it_was(tmp_path: Path) -> None:
    first = hcbot(tmp_path, "chat", "--demo", stdin="/checkin\non track\nStrategy endorsed by the HCT\n")
    assert first.returncode == 0, first.stderr
    assert "action 2 of 5" in first.stdout
    # Killed here, in the middle of the check-in, and started again in the same folder.
    second = hcbot(tmp_path, "chat", "--demo", stdin="delayed\n/plan\n")
    assert second.returncode == 0, second.stderr
    assert "Traceback" not in second.stderr
    assert "IntegrityError" not in second.stderr
    assert "Delayed. Any note for the update?" in second.stdout
    assert "Strategy endorsed by the HCT" in second.stdout  # the first start's answer is kept
    assert "(30 days left)" in second.stdout
    third = hcbot(tmp_path, "chat", "--demo", stdin="/plan\n")
    assert third.returncode == 0, third.stderr
    assert third.stdout.count("Arcadia HCT action plan 2026 (demo)") == 1


async def test_the_demo_keeps_its_dates_and_history_when_opened_on_later_days(backend: str, tmp_path: Path) -> None:
    database = await fresh_database(database_url(backend, tmp_path))
    try:
        opened = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        await load_demo(database, DEMO_FILE, "hc@demo.invalid", opened)
        await load_demo(database, DEMO_FILE, "hc@demo.invalid", opened + timedelta(days=9))
        await load_demo(database, DEMO_FILE, "hc@demo.invalid", opened + timedelta(minutes=5))
        async with database.transaction() as session:
            plan = await repo.plan_by_code(session, DEMO_PLAN)
            assert plan is not None
            assert plan.adopted_on == date(2026, 8, 15)  # 100 days before it was first opened
            assert plan.update_due_on == date(2026, 12, 23)
            assert (plan.mission.starts_on, plan.mission.ends_on) == (date(2026, 8, 4), date(2026, 8, 15))
            assert [action.due_on for action in plan.actions][:2] == [date(2026, 11, 26), date(2026, 10, 27)]
        assert await count(database, Mission) == 1
        assert await count(database, ActionUpdate) == 3
    finally:
        await database.dispose()
