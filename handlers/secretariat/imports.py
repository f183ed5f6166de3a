"""`hcbot admin import FILE`: operations, people, missions, plans and actions from YAML or CSV.

All or nothing: the whole file is validated first and every problem reported with its line (YAML)
or row (CSV) and field; only a clean file is written, in one transaction. Records are matched on
natural keys (operation and plan codes, e-mail, mission kind and start, action number), so
re-importing the same file changes nothing and an edited file updates in place.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from knowledge import Problem
from knowledge.documents import DocumentError, load_yaml, validation_problems
from knowledge.taxonomy import check_topics
from storage import imports as stored
from storage.database import Session, write_pending
from storage.imports import Outcome, Record
from storage.models import Action, ActionPlan, Mission, MissionKind, Operation, Person, Role

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ActionIn(_Strict):
    number: Annotated[int, Field(ge=1, le=999)]
    title: Annotated[str, Field(min_length=3, max_length=2000)]
    owner: str | None = None
    """An e-mail of a registered person, or the name of an agency or group ("ICCG")."""
    due_on: date | None = None
    topics: list[str] = Field(default_factory=list)

    @field_validator("topics")
    @classmethod
    def _known(cls, topics: list[str]) -> list[str]:
        return check_topics(topics)


class PlanIn(_Strict):
    code: Annotated[str, Field(pattern=_SLUG, max_length=60)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    adopted_on: date
    update_due_on: date | None = None
    checkin_every_weeks: Annotated[int, Field(ge=1, le=26)] = 4
    window_closes_months: Annotated[int, Field(ge=1, le=12)] | None = None
    nudge_days_before: list[Annotated[int, Field(ge=1, le=120)]] | None = None
    actions: list[ActionIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> PlanIn:
        numbers = [action.number for action in self.actions]
        duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
        if duplicates:
            raise ValueError(f"action number {duplicates[0]} is used twice")
        if self.update_due_on is not None and self.update_due_on < self.adopted_on:
            raise ValueError("update_due_on is before adopted_on")
        return self


class MissionIn(_Strict):
    kind: MissionKind
    starts_on: date
    ends_on: date
    plan: PlanIn | None = None

    @model_validator(mode="after")
    def _dates(self) -> MissionIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class OperationIn(_Strict):
    code: Annotated[str, Field(pattern=_SLUG, max_length=60)]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    country: Annotated[str, Field(min_length=2, max_length=100)]
    timezone: str
    working_days: list[Weekday] = Field(default_factory=_weekdays, min_length=1)
    missions: list[MissionIn] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        return check_timezone(name)


class PersonIn(_Strict):
    email: Annotated[str, Field(max_length=254)]
    name: Annotated[str, Field(min_length=2, max_length=200)]
    role: Role
    language: Literal["en", "fr"] = "en"
    operation: str | None = None
    timezone: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        return None if name is None else check_timezone(name)

    @field_validator("email")
    @classmethod
    def _email(cls, email: str) -> str:
        if not _EMAIL.match(email):
            raise ValueError(f"{email!r} is not an e-mail address")
        return email.lower()


class ImportFile(_Strict):
    operations: list[OperationIn] = Field(default_factory=list)
    people: list[PersonIn] = Field(default_factory=list)
    # CSV files of actions name their plan on each row.
    actions: list[tuple[str, ActionIn]] = Field(default_factory=list, exclude=True)


@dataclass(slots=True)
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(f"{kind}: {self.created[kind]} created, {self.updated[kind]} updated, "
                         f"{self.unchanged[kind]} unchanged" for kind in kinds) or "nothing to import"


# ------------------------------------------------------------------------------------------ parsing


def parse_yaml(text: str, display: str) -> ImportFile:
    try:
        document = load_yaml(text, display)
    except DocumentError as error:
        raise ImportRejected([error.problem]) from None
    if not isinstance(document.data, dict):
        raise ImportRejected([Problem(display, 1, None, "expected a mapping with 'operations' and/or 'people'")])
    try:
        return ImportFile.model_validate(document.data)
    except ValidationError as error:
        raise ImportRejected(validation_problems(error, display, document)) from None


def _row_problems(error: ValidationError, display: str, row: int) -> list[Problem]:
    return validation_problems(error, display, None, line=row)


def parse_csv(text: str, display: str) -> ImportFile:
    """People (email,name,role,language,operation) or actions (plan,number,title,owner,due_on,topics)."""
    reader = csv.DictReader(io.StringIO(text))
    header = {name.strip() for name in reader.fieldnames or []}
    people_columns = {"email", "name", "role"}
    action_columns = {"plan", "number", "title"}
    problems: list[Problem] = []
    if people_columns <= header:
        people = []
        for row_number, row in enumerate(reader, start=2):
            cells = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            try:
                people.append(PersonIn.model_validate({key: value for key, value in cells.items() if value}))
            except ValidationError as error:
                problems += _row_problems(error, display, row_number)
        if problems:
            raise ImportRejected(problems)
        return ImportFile(people=people)
    if action_columns <= header:
        actions = []
        for row_number, row in enumerate(reader, start=2):
            values: dict[str, Any] = {key.strip(): (value or "").strip() for key, value in row.items() if key}
            plan = values.pop("plan", "")
            values = {key: value for key, value in values.items() if value != ""}
            if "topics" in values:
                values["topics"] = [topic.strip() for topic in re.split(r"[;,]", values["topics"]) if topic.strip()]
            if not plan:
                problems.append(Problem(display, row_number, "plan", "missing"))
                continue
            try:
                actions.append((plan, ActionIn.model_validate(values)))
            except ValidationError as error:
                problems += _row_problems(error, display, row_number)
        if problems:
            raise ImportRejected(problems)
        return ImportFile(actions=actions)
    raise ImportRejected([Problem(display, 1, None, "a CSV needs the columns email,name,role[,language,operation] "
                                                 "(people) or plan,number,title[,owner,due_on,topics] (actions)")])


def parse_file(path: Path) -> ImportFile:
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportRejected([Problem(display, None, None, "no such file")]) from None
    except UnicodeDecodeError as error:
        raise ImportRejected([Problem(display, None, None, f"not UTF-8 text ({error.reason})")]) from None
    if path.suffix.lower() == ".csv":
        return parse_csv(text, display)
    if path.suffix.lower() in {".yaml", ".yml"}:
        return parse_yaml(text, display)
    raise ImportRejected([Problem(display, None, None, "use a .yaml, .yml or .csv file")])


# ------------------------------------------------------------------------------------------ writing


async def write(session: Session, data: ImportFile, display: str) -> ImportReport:
    """Upserts a validated file. Raises ``ImportRejected`` (before anything is flushed that the caller
    would keep: the caller's transaction rolls back) when references do not resolve."""
    report = ImportReport()
    problems: list[Problem] = []

    async def upsert(kind: str, model: type[Record], keys: dict[str, Any], values: dict[str, Any]) -> Record:
        """The record with these natural keys, created or updated to ``values``, and counted."""
        record, outcome = await stored.upsert(session, model, keys, values)
        counts = {Outcome.CREATED: report.created, Outcome.UPDATED: report.updated,
                  Outcome.UNCHANGED: report.unchanged}
        counts[outcome][kind] += 1
        return record

    operations: dict[str, Operation] = {}
    for position, incoming in enumerate(data.operations):
        if incoming.code in operations:
            problems.append(Problem(display, None, f"operations[{position}].code", f"{incoming.code!r} appears twice"))
            continue
        operations[incoming.code] = await upsert("operations", Operation, {"code": incoming.code}, {
            "name": incoming.name, "country": incoming.country, "timezone": incoming.timezone,
            "working_days": sorted(_DAYS[day] for day in set(incoming.working_days))})
    await write_pending(session)

    people: dict[str, Person] = {}
    for position, person_in in enumerate(data.people):
        operation = None
        if person_in.operation:
            operation = operations.get(person_in.operation) or await stored.operation_by_code(
                session, person_in.operation)
            if operation is None:
                problems.append(Problem(display, None, f"people[{position}].operation",
                                        f"no operation with code {person_in.operation!r} in this file or the database"))
                continue
        if person_in.email in people:
            problems.append(Problem(display, None, f"people[{position}].email", f"{person_in.email!r} appears twice"))
            continue
        people[person_in.email] = await upsert("people", Person, {"email": person_in.email}, {
            "name": person_in.name, "role": person_in.role, "language": person_in.language,
            "operation_id": operation.id if operation else None, "timezone": person_in.timezone})
    await write_pending(session)

    async def owner_of(owner: str | None, where: str) -> tuple[int | None, str | None]:
        if not owner:
            return None, None
        if "@" not in owner:
            return None, owner
        person = people.get(owner.lower()) or await stored.person_by_email(session, owner.lower())
        if person is None:
            problems.append(Problem(display, None, where,
                                    f"no person with e-mail {owner!r} in this file or the database"))
            return None, None
        return person.id, None

    async def upsert_action(plan: ActionPlan, action_in: ActionIn, where: str) -> None:
        owner_id, owner_label = await owner_of(action_in.owner, f"{where}.owner")
        await upsert("actions", Action, {"plan_id": plan.id, "number": action_in.number}, {
            "title": action_in.title, "owner_id": owner_id, "owner_label": owner_label, "due_on": action_in.due_on,
            "topics": list(action_in.topics)})

    plans: dict[str, ActionPlan] = {}
    for op_position, operation_in in enumerate(data.operations):
        operation = operations.get(operation_in.code)
        if operation is None:
            continue
        for mission_position, mission_in in enumerate(operation_in.missions):
            where = f"operations[{op_position}].missions[{mission_position}]"
            mission = await upsert("missions", Mission, {
                "operation_id": operation.id, "kind": mission_in.kind, "starts_on": mission_in.starts_on},
                {"ends_on": mission_in.ends_on})
            await write_pending(session)
            plan_in = mission_in.plan
            if plan_in is None:
                continue
            if plan_in.code in plans:
                problems.append(Problem(display, None, f"{where}.plan.code", f"{plan_in.code!r} appears twice"))
                continue
            plan = await upsert("plans", ActionPlan, {"code": plan_in.code}, {
                "title": plan_in.title, "mission_id": mission.id, "adopted_on": plan_in.adopted_on,
                "update_due_on": plan_in.update_due_on, "checkin_every_weeks": plan_in.checkin_every_weeks,
                "window_closes_months": plan_in.window_closes_months, "nudge_days_before": plan_in.nudge_days_before})
            await write_pending(session)
            plans[plan_in.code] = plan
            for action_position, action_in in enumerate(plan_in.actions):
                await upsert_action(plan, action_in, f"{where}.plan.actions[{action_position}]")
    for row, (plan_code, action_in) in enumerate(data.actions, start=2):
        listed = plans.get(plan_code) or await stored.plan_by_code(session, plan_code)
        if listed is None:
            problems.append(Problem(display, row, "plan", f"no plan with code {plan_code!r} in the database"))
            continue
        await upsert_action(listed, action_in, f"row {row}")
    if problems:
        raise ImportRejected(problems)
    await write_pending(session)
    return report


async def import_file(database: Any, path: Path) -> ImportReport:
    """Parses, validates and writes one file in one transaction; nothing is written on any problem."""
    data = parse_file(path)
    async with database.transaction() as session:
        return await write(session, data, str(path))
