"""`hcbot admin import FILE`: operations, people, missions, plans and actions from YAML or CSV.

All or nothing: the whole file is read, every record checked on its own (its fields, then whether
what it names exists: an operation, an owner, a plan) and every problem reported in one pass with its
line and field, as ``file:line: field: message``; only a clean file is written, in one transaction.
Records are matched on natural keys (operation and plan codes, e-mail, mission kind and start, action
number), so re-importing the same file changes nothing and an edited file updates in place; a key
given twice in one file is a mistake, never a silent overwrite.

The files come from outside (Excel on Windows, a colleague's YAML), so the reading is defensive: a
size limit, UTF-8 or a sentence saying how to save it so, the delimiter French Excel writes (``;``),
YAML without aliases or duplicate keys (:func:`knowledge.documents.load_yaml`), and messages in
plain words rather than the validator's.
"""

from __future__ import annotations

import calendar
import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import get_month_names
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from handlers.i18n import number, t, tn
from knowledge import Problem
from knowledge.documents import DocumentError, Location, YamlDocument, field_name, load_yaml
from knowledge.taxonomy import TOPICS
from storage import imports as stored
from storage.database import Session
from storage.imports import Outcome
from storage.models import Action, ActionPlan, Mission, MissionKind, Operation, Person, Role, Sharing

DEFAULT_MAX_BYTES = 20_000_000
"""HCBOT_IMPORT_MAX_BYTES: 20 MB is some 300,000 people in a CSV, far more than the P2P network."""

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
PEOPLE_COLUMNS = ("email", "name", "role", "language", "operation", "timezone")
ACTION_COLUMNS = ("plan", "number", "title", "owner", "due_on", "topics")
# What a file of each kind cannot do without; the rest are optional.
_REQUIRED = {"people": {"email", "name", "role"}, "actions": {"plan", "number", "title"}}
_DELIMITERS = (",", ";", "\t")


class ImportRejected(Exception):
    """The file cannot be imported; nothing was written. Carries every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _weekdays() -> list[Weekday]:
    return ["mon", "tue", "wed", "thu", "fri"]


def check_timezone(name: str) -> str:
    """An IANA zone name, or a ValueError that says what is expected."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {name!r} (use an IANA name such as Africa/Ndjamena)") from None
    return name


# The validators raise errors of their own types, so that the message is written in the reader's
# language from the catalogue (see Reader.message), not in the validator's English.
def _zone(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        return check_timezone(name)
    except ValueError:
        raise PydanticCustomError("hcbot_timezone", "unknown timezone") from None


def _topics(topics: list[str]) -> list[str]:
    unknown = [topic for topic in topics if topic not in TOPICS]
    if unknown:
        raise PydanticCustomError("hcbot_unknown_topic", "unknown topic", {"topic": unknown[0]})
    twice = [topic for position, topic in enumerate(topics) if topic in topics[:position]]
    if twice:
        raise PydanticCustomError("hcbot_topic_twice", "topic twice", {"topic": twice[0]})
    return topics


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# One model per kind of record, without its children (an operation's missions, a mission's plan, a
# plan's actions): each record is checked on its own, so that a mistake in one action does not hide
# the problems, or the references, of the others.
class ActionIn(_Strict):
    number: Annotated[int, Field(ge=1, le=999)]
    title: Annotated[str, Field(min_length=3, max_length=2000)]
    owner: Annotated[str, Field(max_length=200)] | None = None
    """An e-mail of a registered person, or the name of an agency or group ("ICCG")."""
    due_on: date | None = None
    topics: list[str] = Field(default_factory=list)

    topics_known = field_validator("topics")(_topics)


class PlanIn(_Strict):
    code: Annotated[str, Field(pattern=_SLUG, max_length=60)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    adopted_on: date
    update_due_on: date | None = None
    checkin_every_weeks: Annotated[int, Field(ge=1, le=26)] = 4
    window_closes_months: Annotated[int, Field(ge=1, le=12)] | None = None
    nudge_days_before: list[Annotated[int, Field(ge=1, le=120)]] | None = None


class MissionIn(_Strict):
    kind: MissionKind
    starts_on: date
    ends_on: date


class OperationIn(_Strict):
    code: Annotated[str, Field(pattern=_SLUG, max_length=60)]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    country: Annotated[str, Field(min_length=2, max_length=100)]
    timezone: str
    working_days: list[Weekday] = Field(default_factory=_weekdays, min_length=1)
    sharing: Sharing | None = None
    """What other operations may see of its plan (none, peers, all); left out, it stays as it is."""

    timezone_known = field_validator("timezone")(_zone)


class PersonIn(_Strict):
    email: Annotated[str, Field(max_length=254)]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    role: Role
    language: Literal["en", "fr"] = "en"
    operation: str | None = None
    timezone: str | None = None

    timezone_known = field_validator("timezone")(_zone)

    @field_validator("email")
    @classmethod
    def _email(cls, email: str) -> str:
        if not _EMAIL.match(email):
            raise PydanticCustomError("hcbot_email", "not an e-mail address")
        return email.lower()


Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Entry(Generic[Model]):
    """A checked record and where it is written: its line, and the prefix of its fields' names
    (``operations[0].missions[1]`` in YAML; nothing in a CSV, whose fields are its columns)."""

    value: Model
    line: int | None
    where: str
    location: Location
    parent: Any = None
    """What the record belongs to: a mission's operation code, a plan's mission key, an action's plan code."""

    def field(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name


MissionKey = tuple[str, MissionKind, date]
"""(operation code, kind, start): a mission's natural key."""


@dataclass(slots=True)
class ImportFile:
    """A file read and checked on its own (no database yet): its records, and its problems."""

    display: str
    language: str = "en"
    document: YamlDocument | None = None
    operations: list[Entry[OperationIn]] = field(default_factory=list)
    people: list[Entry[PersonIn]] = field(default_factory=list)
    missions: list[Entry[MissionIn]] = field(default_factory=list)
    plans: list[Entry[PlanIn]] = field(default_factory=list)
    actions: list[Entry[ActionIn]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The codes and e-mails the file names, also on records that are wrong otherwise: a reference
    # to one of them is not "unknown" (the record's own problem is reported).
    operation_codes: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    plan_codes: set[str] = field(default_factory=set)

    def line(self, entry: Entry[Any], name: str) -> int | None:
        """The line of one field of a record (a CSV row is one line)."""
        if self.document is None:
            return entry.line
        return self.document.line_of((*entry.location, name))

    def problem(self, entry: Entry[Any], name: str, message: str) -> None:
        self.problems.append(Problem(self.display, self.line(entry, name), entry.field(name), message))

    def sort(self) -> None:
        """In the order of the file, so that they read top to bottom (the sort keeps a line's own order)."""
        self.problems.sort(key=lambda problem: problem.line or 0)

    def rejected(self) -> ImportRejected:
        self.sort()
        return ImportRejected(list(self.problems))


@dataclass(slots=True)
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    language: str = "en"

    def count(self, kind: str, outcomes: Counter[Outcome]) -> None:
        self.created[kind] += outcomes[Outcome.CREATED]
        self.updated[kind] += outcomes[Outcome.UPDATED]
        self.unchanged[kind] += outcomes[Outcome.UNCHANGED]

    def __str__(self) -> str:
        kinds = [kind for kind in ("operations", "people", "missions", "plans", "actions")
                 if self.created[kind] or self.updated[kind] or self.unchanged[kind]]
        return "; ".join(t("import.counts", self.language, kind=t(f"import.kind_{kind}", self.language),
                           created=self.created[kind], updated=self.updated[kind],
                           unchanged=self.unchanged[kind]) for kind in kinds) \
            or t("import.nothing_to_import", self.language)


# ------------------------------------------------------------------------------------------ reading


def _shown(value: Any) -> str:
    """A value as the message quotes it: text in quotes, cut when long."""
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    return str(value)


class _Reader:
    """Checks the records of one file into an :class:`ImportFile`, one at a time."""

    def __init__(self, data: ImportFile) -> None:
        self.data = data
        self.language = data.language
        self.first_lines: dict[str, dict[Any, int | None]] = {}

    def once(self, kind: str, key: Any, location: Location, name: str, what: Callable[[], str]) -> None:
        """Each natural key once in a file: a second record with it (even one wrong otherwise) is a
        problem naming the line of the first, never a silent overwrite of it. ``what`` names the
        record, written only when needed (10,000 sentences for a clean file would cost a second)."""
        line = self.data.document.line_of(location) if self.data.document is not None else location[0]
        first = self.first_lines.setdefault(kind, {})
        if key in first:
            self.data.problems.append(Problem(self.data.display, line, name, t(
                "import.twice", self.language, what=what(), line=str(first[key]))))
        else:
            first[key] = line

    def check(self, model: type[Model], fields: dict[str, Any], location: Location, line: int | None,
              where: str, parent: Any = None) -> Entry[Model] | None:
        try:
            value = model.model_validate(fields)
        except ValidationError as error:
            for item in error.errors():
                inside = tuple(item["loc"])
                full = (*location, *inside)
                name = field_name(inside) if where else str(inside[0]) if inside else ""
                field_line = self.data.document.line_of(full) if self.data.document is not None else line
                self.data.problems.append(Problem(self.data.display, field_line,
                                                  (f"{where}.{name}" if where and name else where or name) or None,
                                                  self.message(item, model, full)))
            return None
        return Entry(value, line, where, location, parent)

    def message(self, item: ErrorDetails, model: type[BaseModel], location: Location) -> str:
        """One of pydantic's errors as a plain sentence in the reader's language."""
        kind, language = item["type"], self.language
        context: dict[str, Any] = dict(item.get("ctx") or {})
        value = item.get("input")
        if kind == "missing":
            return t("import.missing", language)
        if kind == "extra_forbidden":
            return t("import.unknown_field", language, fields=", ".join(model.model_fields))
        if kind.startswith(("date", "datetime")) or (
                self.data.document is not None and location in self.data.document.impossible_dates):
            return date_problem(value, language)
        if isinstance(value, bool) and kind != "bool_type":
            # language: no, title: Yes: YAML 1.1 read a word as a yes or a no.
            return t("import.yes_no", language, value=str(value).lower())
        if kind in {"enum", "literal_error"}:
            choices = ", ".join(re.findall(r"'([^']*)'", str(context.get("expected", ""))))
            return t("import.choice", language, value=_shown(value), choices=choices)
        if kind == "string_pattern_mismatch":
            return t("import.code", language, value=_shown(value))
        if kind == "string_too_short":
            return tn("import.too_short", int(context["min_length"]), language)
        if kind == "string_too_long":
            return tn("import.too_long", int(context["max_length"]), language)
        if kind == "too_short":
            return tn("import.list_too_short", int(context["min_length"]), language)
        if kind == "string_type":
            return t("import.text", language, value=_shown(value))
        if kind in {"int_parsing", "int_type", "int_from_float"}:
            return t("import.whole_number", language, value=_shown(value))
        if kind in {"greater_than_equal", "greater_than"}:
            return t("import.at_least", language, limit=context.get("ge", context.get("gt")))
        if kind in {"less_than_equal", "less_than"}:
            return t("import.at_most", language, limit=context.get("le", context.get("lt")))
        if kind in {"list_type", "tuple_type"}:
            return t("import.list", language)
        if kind in {"model_type", "dict_type", "model_attributes_type"}:
            return t("import.mapping", language)
        if kind == "hcbot_timezone":
            return t("import.timezone", language, value=_shown(value))
        if kind == "hcbot_email":
            return t("import.email", language, value=_shown(value))
        if kind == "hcbot_unknown_topic":
            return t("import.unknown_topic", language, value=_shown(context["topic"]), topics=", ".join(TOPICS))
        if kind == "hcbot_topic_twice":
            return t("import.topic_twice", language, value=_shown(context["topic"]))
        return t("import.invalid", language, value=_shown(value))


def date_problem(value: Any, language: str = "en") -> str:
    """Why ``value`` is not a date, in plain words: "2026-02-30 is not a date: February 2026 has 28 days"."""
    text = str(value).strip()
    match = _DATE.match(text)
    if match is not None:
        year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            return t("import.no_month", language, value=text, month=str(month))
        if year >= 1:
            days = calendar.monthrange(year, month)[1]
            if not 1 <= day <= days:
                name = get_month_names("wide", locale="fr" if language == "fr" else "en")[month]
                return t("import.no_day", language, value=text, month=name, year=str(year), days=str(days))
    return t("import.not_date", language, value=_shown(value))


def _mapping(data: ImportFile, value: Any, location: Location, where: str) -> dict[str, Any] | None:
    """``value`` as a record's fields, or a problem (a list, a bare word where fields were expected)."""
    if isinstance(value, dict):
        return value
    line = data.document.line_of(location) if data.document is not None else None
    data.problems.append(Problem(data.display, line, where or None, t("import.mapping", data.language)))
    return None


def _items(data: ImportFile, value: Any, location: Location, where: str) -> list[Any]:
    """``value`` as a list of records (nothing is an empty list), or a problem."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    line = data.document.line_of(location) if data.document is not None else None
    data.problems.append(Problem(data.display, line, where, t("import.records", data.language)))
    return []


def read_yaml(text: str, display: str, language: str = "en") -> ImportFile:
    """Checks a YAML file on its own: every record, every duplicate key, every problem in one pass."""
    try:
        document = load_yaml(text, display)
    except DocumentError as error:
        return ImportFile(display, language, problems=[error.problem])
    return read_document(document, display, language)


def read_document(document: YamlDocument, display: str, language: str = "en") -> ImportFile:
    """Checks a parsed YAML document (the demo shifts its dates first)."""
    data = ImportFile(display, language, document)
    reader = _Reader(data)
    top = document.data
    if top is None:
        data.problems.append(Problem(display, None, None, t("import.empty", language)))
        return data
    if not isinstance(top, dict):
        data.problems.append(Problem(display, 1, None, t("import.top", language)))
        return data
    for key in top:
        if key not in {"operations", "people"}:
            data.problems.append(Problem(display, document.line_of((key,)), str(key),
                                         t("import.unknown_field", language, fields="operations, people")))
    for position, raw in enumerate(_items(data, top.get("operations"), ("operations",), "operations")):
        location: Location = ("operations", position)
        where = f"operations[{position}]"
        fields = _mapping(data, raw, location, where)
        if fields is None:
            continue
        fields = dict(fields)
        missions = fields.pop("missions", None)
        code = _text(fields.get("code"))
        if code is not None:
            data.operation_codes.add(code)
            reader.once("operation", code, (*location, "code"), f"{where}.code",
                        partial(t, "import.twice_operation", language, code=_shown(code)))
        operation = reader.check(OperationIn, fields, location, document.line_of(location), where)
        if operation is not None:
            data.operations.append(operation)
        for mission_position, raw_mission in enumerate(_items(data, missions, (*location, "missions"),
                                                                f"{where}.missions")):
            _read_mission(reader, raw_mission, (*location, "missions", mission_position),
                          f"{where}.missions[{mission_position}]", code)
    for position, raw in enumerate(_items(data, top.get("people"), ("people",), "people")):
        location = ("people", position)
        where = f"people[{position}]"
        fields = _mapping(data, raw, location, where)
        if fields is None:
            continue
        _read_person(reader, fields, location, document.line_of(location), where)
    data.sort()
    return data


def _text(value: Any) -> str | None:
    """A key as written (a code, an e-mail), whatever else is wrong with its record."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def _whole(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


def _read_person(reader: _Reader, fields: dict[str, Any], location: Location, line: int | None, where: str) -> None:
    data = reader.data
    email = _text(fields.get("email"))
    if email is not None:
        data.emails.add(email.lower())
        reader.once("person", email.lower(), (*location, "email"), _named(where, "email"),
                    lambda: t("import.twice_person", data.language, email=_shown(email.lower())))
    person = reader.check(PersonIn, fields, location, line, where)
    if person is not None:
        data.people.append(person)


def _named(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _read_mission(reader: _Reader, raw: Any, location: Location, where: str, operation: str | None) -> None:
    data = reader.data
    language = data.language
    assert data.document is not None
    fields = _mapping(data, raw, location, where)
    if fields is None:
        return
    fields = dict(fields)
    raw_plan = fields.pop("plan", None)
    kind, starts_on = _text(fields.get("kind")), fields.get("starts_on")
    if operation is not None and kind is not None and starts_on is not None:
        reader.once("mission", (operation, kind, str(starts_on)), (*location, "starts_on"), f"{where}.starts_on",
                    lambda: t("import.twice_mission", language, kind=kind, starts_on=str(starts_on)))
    _in_order(reader, fields, location, where, "starts_on", "ends_on", "import.ends_before_start")
    mission = reader.check(MissionIn, fields, location, data.document.line_of(location), where, operation)
    if mission is not None:
        data.missions.append(mission)
    if raw_plan is None:
        return
    plan_location = (*location, "plan")
    plan_fields = _mapping(data, raw_plan, plan_location, f"{where}.plan")
    if plan_fields is None:
        return
    plan_fields = dict(plan_fields)
    actions = plan_fields.pop("actions", None)
    code = _text(plan_fields.get("code"))
    if code is not None:
        data.plan_codes.add(code)
        reader.once("plan", code, (*plan_location, "code"), f"{where}.plan.code",
                    lambda: t("import.twice_plan", language, code=_shown(code)))
    key: MissionKey | None = None
    if mission is not None and operation is not None:
        key = (operation, mission.value.kind, mission.value.starts_on)
    _in_order(reader, plan_fields, plan_location, f"{where}.plan", "adopted_on", "update_due_on",
              "import.due_before_adoption")
    plan = reader.check(PlanIn, plan_fields, plan_location, data.document.line_of(plan_location), f"{where}.plan",
                        key)
    if plan is not None:
        data.plans.append(plan)
    for position, raw_action in enumerate(_items(data, actions, (*plan_location, "actions"),
                                                 f"{where}.plan.actions")):
        action_location = (*plan_location, "actions", position)
        action_where = f"{where}.plan.actions[{position}]"
        action_fields = _mapping(data, raw_action, action_location, action_where)
        if action_fields is None:
            continue
        _read_action(reader, action_fields, action_location, data.document.line_of(action_location), action_where,
                     code)


def _read_action(reader: _Reader, fields: dict[str, Any], location: Location, line: int | None, where: str,
                 plan: str | None) -> None:
    data = reader.data
    number = _whole(fields.get("number"))
    if plan is not None and number is not None:
        reader.once("action", (plan, number), (*location, "number"), _named(where, "number"),
                    lambda: t("import.twice_action", data.language, plan=plan, number=str(number)))
    action = reader.check(ActionIn, fields, location, line, where, plan)
    if action is not None and plan is not None:
        data.actions.append(action)


def _in_order(reader: _Reader, fields: dict[str, Any], location: Location, where: str, earlier: str,
              later: str, key: str) -> None:
    """Two dates each right on its own and wrong together (a mission that ends before it starts),
    checked on what is written, so that it is reported with the record's other problems."""
    first, second = fields.get(earlier), fields.get(later)
    if isinstance(first, date) and isinstance(second, date) and second < first:
        data = reader.data
        line = data.document.line_of((*location, later)) if data.document is not None else None
        data.problems.append(Problem(data.display, line, _named(where, later),
                                     t(key, data.language, earlier=str(first), later=str(second))))


# -------------------------------------------------------------------------------------------- CSV


def read_csv(text: str, display: str, language: str = "en") -> ImportFile:
    """People (email,name,role[,language,operation,timezone]) or actions
    (plan,number,title[,owner,due_on,topics]), separated by commas, semicolons (what Excel writes
    where the decimal mark is a comma: French, Spanish...) or tabs."""
    data = ImportFile(display, language)
    reader = _Reader(data)
    text, delimiter, offset = excel_hint(text)
    first_line = text.partition("\n")[0]
    kind, delimiter = _kind_of(first_line, delimiter)
    if kind is None or delimiter is None:
        found = first_line.strip()[:80]
        data.problems.append(Problem(display, 1 + offset, None, t("import.csv_header", language, found=repr(found))))
        return data
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1 + offset
        data.problems.append(Problem(display, line, None, t("import.nul", language)))
        return data
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(rows)]
    columns = PEOPLE_COLUMNS if kind == "people" else ACTION_COLUMNS
    named: list[tuple[int, str]] = []
    for position, name in enumerate(header):
        if not name:
            continue
        if name not in columns:
            data.problems.append(Problem(display, 1 + offset, name, t("import.csv_unknown_column", language,
                                                                      columns=",".join(columns))))
        elif name in {other for _position, other in named}:
            data.problems.append(Problem(display, 1 + offset, name, t("import.csv_column_twice", language)))
        else:
            named.append((position, name))
    start = 2
    try:
        for cells in rows:
            line, start = start + offset, rows.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # Excel's empty rows (";;;;") at the end of a sheet
            if any(cell.strip() for position, cell in enumerate(cells)
                   if position >= len(header) or not header[position]):
                data.problems.append(Problem(display, line, None, t("import.csv_extra_cells", language)))
                continue
            values: dict[str, Any] = {name: cells[position].strip() for position, name in named
                                      if position < len(cells) and cells[position].strip()}
            if kind == "people":
                _read_person(reader, values, (line,), line, "")
                continue
            plan = values.pop("plan", None)
            if "topics" in values:
                values["topics"] = [topic.strip() for topic in re.split(r"[;,]", values["topics"]) if topic.strip()]
            if plan is None:
                data.problems.append(Problem(display, line, "plan", t("import.missing", language)))
            _read_action(reader, values, (line,), line, "", plan)
    except csv.Error as error:
        data.problems.append(Problem(display, rows.line_num + offset, None,
                                     t("import.csv_unreadable", language, reason=str(error))))
    data.sort()
    return data


def excel_hint(text: str) -> tuple[str, str | None, int]:
    """The text without Excel's own hint line ("sep=;", written when asked to), the delimiter it
    names (None without one) and how many lines it took (0 or 1), to count lines as the file has them."""
    first_line, _, rest = text.partition("\n")
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        return rest, first_line.strip()[4], 1
    return text, None, 0


def delimiter_for(header: str, required: set[str], delimiter: str | None = None) -> str | None:
    """The delimiter (``delimiter`` if given, else a comma, a semicolon or a tab) that splits the
    header line into names that include ``required``; None if none does."""
    for candidate in (delimiter,) if delimiter else _DELIMITERS:
        names = {cell.strip().lower() for cell in next(csv.reader([header], delimiter=candidate), [])}
        if required <= names:
            return candidate
    return None


def read_text(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, language: str = "en") -> str:
    """A file from outside as text: at most ``max_bytes``, UTF-8 (with or without Excel's byte order
    mark) or Excel's UTF-16 "Unicode text"; :class:`ImportRejected` with one sentence otherwise."""
    return _decode(path, max_bytes, language)


def _kind_of(header: str, delimiter: str | None) -> tuple[str | None, str | None]:
    """Which file this header line starts (people or actions) and the delimiter that makes it one:
    the one that splits it into the columns a file needs, so a title with commas in a
    semicolon-separated file does not confuse it (as csv.Sniffer's counting can be)."""
    for candidate in (delimiter,) if delimiter else _DELIMITERS:
        for kind, required in _REQUIRED.items():
            if delimiter_for(header, required, candidate) is not None:
                return kind, candidate
    return None, None


# ------------------------------------------------------------------------------------------- files


def read_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, language: str = "en") -> ImportFile:
    """Reads and checks one file on its own: a .yaml/.yml or a .csv, at most ``max_bytes``."""
    display = str(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xls", ".ods", ".numbers"}:
        return ImportFile(display, language, problems=[Problem(display, None, None, t(
            "import.spreadsheet", language, name=path.name))])
    if suffix not in {".csv", ".yaml", ".yml"}:
        return ImportFile(display, language, problems=[Problem(display, None, None, t("import.suffix", language))])
    try:
        text = _decode(path, max_bytes, language)
    except ImportRejected as error:
        return ImportFile(display, language, problems=error.problems)
    if suffix == ".csv":
        return read_csv(text, display, language)
    return read_yaml(text, display, language)


def _decode(path: Path, max_bytes: int, language: str) -> str:
    display = str(path)

    def refuse(key: str, line: int | None = None, **values: object) -> ImportRejected:
        return ImportRejected([Problem(display, line, None, t(key, language, **values))])

    try:
        with path.open("rb") as file:
            raw = _read_at_most(file, max_bytes)
    except FileNotFoundError:
        raise refuse("import.no_file") from None
    except IsADirectoryError:
        raise refuse("import.folder") from None
    except OSError as error:
        raise refuse("import.unreadable", reason=error.strerror or type(error).__name__) from None
    if len(raw) > max_bytes:
        size = path.stat().st_size if path.is_file() else len(raw)
        raise refuse("import.too_big", size=_size(size, language), limit=_size(max_bytes, language))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" is UTF-16 with its byte order mark: readable as it is.
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise refuse("import.not_utf8", name=path.name, guess="UTF-16") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        if raw.startswith(b"PK\x03\x04") or b"\x00" in raw[:1024]:
            raise refuse("import.binary", name=path.name) from None
        # Bytes that are not UTF-8 but are Windows-1252 (Latin-1 and Excel's Western default): "é" as
        # one byte. Say so, with the line, and how to save it right.
        guess = "Windows-1252 (Latin-1)"
        try:
            raw.decode("cp1252")
        except UnicodeDecodeError:
            guess = t("import.unknown_encoding", language)
        raise refuse("import.not_utf8", line, name=path.name, guess=guess) from None


def _read_at_most(file: BinaryIO, max_bytes: int) -> bytes:
    """The file's bytes, or one more than ``max_bytes`` when it is bigger: read a megabyte at a
    time, since read(max_bytes + 1) would set aside the whole limit first, whatever the size."""
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = file.read(min(1 << 20, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _size(size: int, language: str) -> str:
    """20 MB, 56 kB: as a person says a file's size."""
    if size >= 1_000_000:
        return f"{number(round(size / 1_000_000, 1), language)} MB"
    return f"{number(max(1, round(size / 1000)), language)} kB"


def parse_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, language: str = "en") -> ImportFile:
    """Like :func:`read_file`, raising :class:`ImportRejected` on what the file alone shows wrong."""
    data = read_file(path, max_bytes=max_bytes, language=language)
    if data.problems:
        raise data.rejected()
    return data


def parse_yaml(text: str, display: str, language: str = "en") -> ImportFile:
    """Like :func:`read_yaml`, raising :class:`ImportRejected` on what the file alone shows wrong."""
    data = read_yaml(text, display, language)
    if data.problems:
        raise data.rejected()
    return data


def parse_csv(text: str, display: str, language: str = "en") -> ImportFile:
    """Like :func:`read_csv`, raising :class:`ImportRejected` on what the file alone shows wrong."""
    data = read_csv(text, display, language)
    if data.problems:
        raise data.rejected()
    return data


# ------------------------------------------------------------------------------------------ writing


async def check_references(session: Session, data: ImportFile) -> None:
    """Adds a problem, at its line, for each operation, owner or plan the file names and neither
    the file nor the database has."""
    language = data.language
    wanted = {person.value.operation for person in data.people if person.value.operation} - data.operation_codes
    known = await stored.existing(session, Operation.code, wanted)
    for person in data.people:
        code = person.value.operation
        if code and code not in data.operation_codes and code not in known:
            data.problem(person, "operation", t("import.unknown_operation", language, code=_shown(code)))
    owners = {owner.lower() for owner in _owner_emails(data)} - data.emails
    known = await stored.existing(session, Person.email, owners)
    for action in data.actions:
        owner = action.value.owner
        if owner and "@" in owner and owner.lower() not in data.emails and owner.lower() not in known:
            data.problem(action, "owner", t("import.unknown_person", language, email=_shown(owner)))
    plans = {action.parent for action in data.actions if action.parent} - data.plan_codes
    known = await stored.existing(session, ActionPlan.code, plans)
    for action in data.actions:
        if action.parent and action.parent not in data.plan_codes and action.parent not in known:
            data.problem(action, "plan", t("import.unknown_plan", language, code=_shown(action.parent)))


def _owner_emails(data: ImportFile) -> set[str]:
    return {action.value.owner for action in data.actions if action.value.owner and "@" in action.value.owner}


async def write(session: Session, data: ImportFile) -> ImportReport:
    """Checks the file's references and upserts it, set-wise (a few statements per kind of record,
    whatever the number of rows). Raises :class:`ImportRejected` with every problem, the file's and
    the references', before anything is written."""
    await check_references(session, data)
    if data.problems:
        raise data.rejected()
    report = ImportReport(language=data.language)

    operation_ids: dict[tuple[Any, ...], int] = {}
    # An operation without ``sharing:`` keeps the level its HC set in the chat: two calls, as the
    # rows of one call have the same columns.
    for given in (True, False):
        found, outcomes = await stored.upsert_many(session, Operation, ("code",), [
            {"code": entry.value.code, "name": entry.value.name, "country": entry.value.country,
             "timezone": entry.value.timezone, "working_days": sorted({_DAYS[day] for day in entry.value.working_days}),
             **({"sharing": entry.value.sharing} if given else {})}
            for entry in data.operations if (entry.value.sharing is not None) is given])
        operation_ids |= found
        report.count("operations", outcomes)
    named = {person.value.operation for person in data.people if person.value.operation}
    operation_by_code = {code[0]: id_ for code, id_ in operation_ids.items()}
    operation_by_code |= await stored.ids_by(session, Operation.code, named - set(operation_by_code))

    person_ids, outcomes = await stored.upsert_many(session, Person, ("email",), [
        {"email": entry.value.email, "name": entry.value.name, "role": entry.value.role,
         "language": entry.value.language, "timezone": entry.value.timezone,
         "operation_id": operation_by_code[entry.value.operation] if entry.value.operation else None}
        for entry in data.people])
    report.count("people", outcomes)

    mission_rows = [{"operation_id": operation_by_code[entry.parent], "kind": entry.value.kind,
                     "starts_on": entry.value.starts_on, "ends_on": entry.value.ends_on} for entry in data.missions]
    mission_ids, outcomes = await stored.upsert_many(session, Mission, ("operation_id", "kind", "starts_on"),
                                                     mission_rows)
    report.count("missions", outcomes)

    plan_ids, outcomes = await stored.upsert_many(session, ActionPlan, ("code",), [
        {"code": plan.code, "title": plan.title, "adopted_on": plan.adopted_on, "update_due_on": plan.update_due_on,
         "checkin_every_weeks": plan.checkin_every_weeks, "window_closes_months": plan.window_closes_months,
         "nudge_days_before": plan.nudge_days_before,
         "mission_id": mission_ids[(operation_by_code[entry.parent[0]], entry.parent[1], entry.parent[2])]}
        for entry in data.plans for plan in (entry.value,)])
    report.count("plans", outcomes)
    plan_by_code = {code[0]: id_ for code, id_ in plan_ids.items()}
    plan_by_code |= await stored.ids_by(session, ActionPlan.code,
                                        {action.parent for action in data.actions} - set(plan_by_code))

    owners = {email.lower() for email in _owner_emails(data)}
    person_by_email = {email[0]: id_ for email, id_ in person_ids.items() if email[0] in owners}
    person_by_email |= await stored.ids_by(session, Person.email, owners - set(person_by_email))
    action_rows = []
    for entry in data.actions:
        action = entry.value
        owner = action.owner or None
        is_person = owner is not None and "@" in owner
        action_rows.append({
            "plan_id": plan_by_code[entry.parent], "number": action.number, "title": action.title,
            "owner_id": person_by_email[owner.lower()] if owner and is_person else None,
            "owner_label": owner if not is_person else None, "due_on": action.due_on, "topics": list(action.topics)})
    _ids, outcomes = await stored.upsert_many(session, Action, ("plan_id", "number"), action_rows)
    report.count("actions", outcomes)
    return report


async def import_data(database: Any, data: ImportFile) -> ImportReport:
    """Writes a file already read, in one transaction; nothing is written on any problem."""
    if data.problems and not (data.people or data.actions):
        raise data.rejected()  # only people and actions name other records: nothing to look up
    async with database.transaction() as session:
        return await write(session, data)


async def import_file(database: Any, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                      language: str = "en") -> ImportReport:
    """Reads, checks and writes one file in one transaction; nothing is written on any problem, and
    every problem (the file's own and its references') is reported at once."""
    return await import_data(database, read_file(path, max_bytes=max_bytes, language=language))
