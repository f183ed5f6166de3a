"""Reading the library of learning products from Markdown files with YAML front matter.

Validation reports every problem at once, each with the file, the line and the field, because the
people who edit these files are not developers and should fix everything in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StrictBool,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails

from knowledge.documents import Problem, read_front_matter, validation_problems
from knowledge.products import LearningProduct
from knowledge.taxonomy import PRODUCT_TYPES, check_topics
from knowledge.thesaurus import Thesaurus

BUNDLED_LIBRARY = Path(__file__).parent / "library"
_TYPE_NAMES = ", ".join(PRODUCT_TYPES)

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")


class LibraryError(Exception):
    """The library cannot be used as it is; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=_SLUG, max_length=80)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    type: str
    topics: Annotated[list[str], Field(min_length=1, max_length=5)]
    countries: list[str]
    # Both optional: a real product whose page gives no year is left undated rather than guessed.
    year: Annotated[int | None, Field(ge=2000)] = None
    date: dt.date | None = None
    language: Literal["en", "fr"]
    url: HttpUrl | None = None
    summary: Annotated[str, Field(min_length=10, max_length=800)]
    illustrative: StrictBool
    source: Annotated[str | None, Field(min_length=3, max_length=300)] = None
    speakers: list[Annotated[str, Field(min_length=2, max_length=120)]] = []
    recording: HttpUrl | None = None
    review_by: dt.date | None = None
    # An upcoming webinar, announced from its record (`hcbot broadcast send --product ID`).
    time: Annotated[str | None, Field(pattern=r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$")] = None
    timezone: str | None = None
    duration_minutes: Annotated[int | None, Field(ge=10, le=600)] = None
    join_link: HttpUrl | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, kind: str) -> str:
        if kind not in PRODUCT_TYPES:
            raise ValueError(f"unknown type {kind!r}; known types: {_TYPE_NAMES}")
        return kind

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        return check_topics(topics)

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int | None, info: ValidationInfo) -> int | None:
        # A product can be announced for next year, not further: "2061" is a typo for "2016".
        latest = (info.context or {})["latest_year"]
        if year is not None and year > latest:
            raise ValueError(f"{year} is in the future")
        return year

    @field_validator("date")
    @classmethod
    def _not_far_future(cls, day: dt.date | None, info: ValidationInfo) -> dt.date | None:
        latest = (info.context or {})["latest_year"]
        if day is not None and day.year > latest:
            raise ValueError(f"{day.isoformat()} is in the future")
        return day

    @field_validator("time", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 14:00 as the base-60 number 840.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return f"{value // 60:02d}:{value % 60:02d}"
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {name!r}: write it like Europe/Zurich, Africa/Dakar or UTC") from None
        return name

    @field_validator("summary")
    @classmethod
    def _one_paragraph(cls, summary: str) -> str:
        return " ".join(summary.split())


def read_product(
    path: Path, display: str, countries: Iterable[str], latest_year: int
) -> tuple[LearningProduct | None, list[Problem]]:
    """Parses one file; returns the product, or None and what is wrong with it."""
    read = read_front_matter(path, display)
    if isinstance(read, Problem):
        return None, [read]
    split, document, data = read

    def explain(item: ErrorDetails) -> str | None:
        if item["type"] == "extra_forbidden":
            return "unknown field (allowed: " + ", ".join(_FrontMatter.model_fields) + ")"
        if item["type"] == "too_short" and tuple(item["loc"]) == ("topics",):
            return "missing: give one to five topics, e.g. [protection, leadership]"
        if item["type"] == "string_too_short":
            minimum = (item.get("ctx") or {}).get("min_length", 1)
            return "missing: fill it in" if not item.get("input") else f"too short: at least {minimum} characters"
        return None

    try:
        front_matter = _FrontMatter.model_validate(data, context={"latest_year": latest_year})
    except ValidationError as error:
        return None, validation_problems(error, display, document, explain=explain,
                                         name=lambda location: ".".join(str(part) for part in location))
    problems: list[Problem] = []
    known_countries = set(countries)
    for index, country in enumerate(front_matter.countries):
        if country not in known_countries:
            problems.append(
                Problem(display, document.lines.get(("countries", index)), f"countries.{index}",
                        f"unknown country {country!r}: use the English name from the thesaurus, or add it there")
            )
    if front_matter.year is not None and front_matter.date is not None and front_matter.year != front_matter.date.year:
        problems.append(Problem(display, document.lines.get(("year",)), "year",
                                f"{front_matter.year} is not the year of the date {front_matter.date.isoformat()}"))
    if not front_matter.illustrative and front_matter.source is None:
        problems.append(Problem(display, document.lines.get(("illustrative",)), "source",
                                "missing: a real product (illustrative: false) names where its facts come from"))
    if front_matter.time is not None and front_matter.date is None:
        problems.append(Problem(display, document.lines.get(("time",)), "time", "a time needs the date it is on"))
    if front_matter.id != path.stem:
        problems.append(Problem(display, document.lines.get(("id",)), "id",
                                f"{front_matter.id!r} must match the file name {path.stem!r}"))
    if problems:
        return None, problems
    product = LearningProduct(
        id=front_matter.id,
        title=front_matter.title,
        type=front_matter.type,
        topics=tuple(front_matter.topics),
        countries=tuple(front_matter.countries),
        year=front_matter.year or (front_matter.date.year if front_matter.date else 0),
        language=front_matter.language,
        summary=front_matter.summary,
        illustrative=front_matter.illustrative,
        body=split.body.strip(),
        url=str(front_matter.url) if front_matter.url else None,
        source=display,
        day=front_matter.date,
        reference=front_matter.source,
        speakers=tuple(front_matter.speakers),
        recording=str(front_matter.recording) if front_matter.recording else None,
        review_by=front_matter.review_by,
        starts_at=_start(front_matter),
        timezone=front_matter.timezone,
        duration_minutes=front_matter.duration_minutes,
        join_link=str(front_matter.join_link) if front_matter.join_link else None,
    )
    return product, []


def _start(front_matter: _FrontMatter) -> datetime | None:
    if front_matter.date is None or front_matter.time is None:
        return None
    hour, minute = (int(part) for part in front_matter.time.split(":"))
    zone = ZoneInfo(front_matter.timezone or "UTC")
    return datetime(front_matter.date.year, front_matter.date.month, front_matter.date.day, hour, minute,
                    tzinfo=zone).astimezone(UTC)


def product_warnings(product: LearningProduct) -> list[Problem]:
    """What does not stop a product from loading but reads badly or will break for someone: a link
    that is not https (browsers warn, some chats refuse it), a summary too long for a result list,
    no body (a reader who opens it gets the summary again)."""
    warnings: list[Problem] = []
    for name, link in (("url", product.url), ("recording", product.recording), ("join_link", product.join_link)):
        if link is not None and not link.lower().startswith("https://"):
            warnings.append(Problem(product.source, None, name, f"{link} is not an https link"))
    sentences = len(_SENTENCE_END.findall(product.summary.strip() + " "))
    if sentences > 3:
        warnings.append(Problem(product.source, None, "summary",
                                f"{sentences} sentences: a result list shows one to three"))
    if len(product.body.split()) < 20:
        warnings.append(Problem(product.source, None, "body",
                                "no body (or under 20 words): a reader who opens it sees only the summary"))
    return warnings


def validate_library(
    directory: Path, thesaurus: Thesaurus, *, this_year: int
) -> tuple[list[LearningProduct], list[Problem]]:
    """Reads every ``*.md`` file under ``directory``; returns the good products and all problems.

    ``this_year`` comes from the caller's clock; a product may be dated up to the year after it."""
    if not directory.is_dir():
        return [], [Problem(str(directory), None, None, "no such folder")]
    files = sorted(directory.rglob("*.md"))
    if not files:
        return [], [Problem(str(directory), None, None, "no learning products (*.md files) in this folder")]
    products: list[LearningProduct] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for path in files:
        display = str(path)
        product, file_problems = read_product(path, display, thesaurus.country_names, this_year + 1)
        problems.extend(file_problems)
        if product is None:
            continue
        if product.id in first_seen:
            problems.append(Problem(display, 2, "id", f"duplicate id {product.id!r}, also in {first_seen[product.id]}"))
            continue
        first_seen[product.id] = display
        products.append(product)
    return products, problems


def load_library(directory: Path, thesaurus: Thesaurus, *, this_year: int) -> list[LearningProduct]:
    """The products of a valid library; raises :class:`LibraryError` listing every problem otherwise."""
    products, problems = validate_library(directory, thesaurus, this_year=this_year)
    if problems:
        raise LibraryError(problems)
    return products
