"""Reading the library of learning products from Markdown files with YAML front matter.

Validation reports every problem at once, each with the file, the line and the field, because the
people who edit these files are not developers and should fix everything in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
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

from knowledge.products import LearningProduct
from knowledge.taxonomy import PRODUCT_TYPES, check_topics
from knowledge.thesaurus import Thesaurus

BUNDLED_LIBRARY = Path(__file__).parent / "library"

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file: printed as ``file:line: field: message`` like a compiler."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class LibraryError(Exception):
    """The library cannot be used as it is; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _FrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=_SLUG, max_length=80)]
    title: Annotated[str, Field(min_length=3, max_length=200)]
    type: Literal["practical-note", "case-study", "webinar", "interview", "report"]
    topics: Annotated[list[str], Field(min_length=1, max_length=5)]
    countries: list[str]
    year: Annotated[int, Field(ge=2000)]
    language: Literal["en", "fr"]
    url: HttpUrl | None = None
    summary: Annotated[str, Field(min_length=10, max_length=800)]
    illustrative: StrictBool

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        return check_topics(topics)

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int, info: ValidationInfo) -> int:
        # A product can be announced for next year, not further: "2061" is a typo for "2016".
        latest = (info.context or {})["latest_year"]
        if year > latest:
            raise ValueError(f"{year} is in the future")
        return year

    @field_validator("summary")
    @classmethod
    def _short_summary(cls, summary: str) -> str:
        sentences = len(_SENTENCE_END.findall(summary.strip() + " "))
        if sentences > 3:
            raise ValueError(f"should be one to three sentences, found {sentences}")
        return " ".join(summary.split())


_TYPE_NAMES = ", ".join(PRODUCT_TYPES)


def _key_lines(node: yaml.Node, first_line: int) -> dict[tuple[Any, ...], int]:
    """Maps a field path (as pydantic reports it) to its line in the file."""
    lines: dict[tuple[Any, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (key_node.value,)
            lines[key] = key_node.start_mark.line + first_line
            if isinstance(value_node, yaml.SequenceNode):
                for index, item in enumerate(value_node.value):
                    lines[(*key, index)] = item.start_mark.line + first_line
    return lines


def _split_front_matter(text: str, path: str) -> tuple[str, str, int] | Problem:
    """Returns (front matter, body, line where the body starts) or the problem that prevents it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return Problem(path, 1, None, "the file must start with a '---' line opening the YAML front matter")
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            return "".join(lines[1 : number - 1]), "".join(lines[number:]), number + 1
    return Problem(path, 1, None, "the front matter is never closed by a '---' line")


def read_product(
    path: Path, display: str, countries: Iterable[str], latest_year: int
) -> tuple[LearningProduct | None, list[Problem]]:
    """Parses one file; returns the product, or None and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(display, None, None, f"not UTF-8 text ({error.reason} at byte {error.start})")]
    split = _split_front_matter(text, display)
    if isinstance(split, Problem):
        return None, [split]
    front, body, body_line = split
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
        data = yaml.load(front, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark else None
        return None, [Problem(display, line, None, f"bad YAML: {error.problem or error}")]
    if not isinstance(data, dict) or node is None:
        return None, [Problem(display, 2, None, "the front matter must be a mapping of fields")]
    key_lines = _key_lines(node, first_line=2)
    problems: list[Problem] = []
    try:
        front_matter = _FrontMatter.model_validate(data, context={"latest_year": latest_year})
    except ValidationError as error:
        for item in error.errors():
            location = tuple(item["loc"])
            field = ".".join(str(part) for part in location) or None
            line = key_lines.get(location) or key_lines.get(location[:1]) or 2
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "missing":
                message, line = "missing", 2
            elif item["type"] == "extra_forbidden":
                message = "unknown field (allowed: " + ", ".join(_FrontMatter.model_fields) + ")"
            elif location == ("type",):
                message = f"unknown type {data.get('type')!r}; known types: {_TYPE_NAMES}"
            problems.append(Problem(display, line, field, message))
        return None, problems
    known_countries = set(countries)
    for index, country in enumerate(front_matter.countries):
        if country not in known_countries:
            problems.append(
                Problem(display, key_lines.get(("countries", index)), f"countries.{index}",
                        f"unknown country {country!r}: use the English name from the thesaurus, or add it there")
            )
    if front_matter.id != path.stem:
        problems.append(Problem(display, key_lines.get(("id",)), "id",
                                f"{front_matter.id!r} must match the file name {path.stem!r}"))
    if len(body.split()) < 20:
        problems.append(Problem(display, body_line, "body", "the body is empty or too short to be useful"))
    if problems:
        return None, problems
    product = LearningProduct(
        id=front_matter.id,
        title=front_matter.title,
        type=front_matter.type,
        topics=tuple(front_matter.topics),
        countries=tuple(front_matter.countries),
        year=front_matter.year,
        language=front_matter.language,
        summary=front_matter.summary,
        illustrative=front_matter.illustrative,
        body=body.strip(),
        url=str(front_matter.url) if front_matter.url else None,
        source=display,
    )
    return product, []


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
