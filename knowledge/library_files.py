"""Reading the library of learning products from Markdown files with YAML front matter.

Validation reports every problem at once, each with the file, the line and the field, because the
people who edit these files are not developers and should fix everything in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Literal

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
        if tuple(item["loc"]) == ("type",) and item["type"] != "missing":
            return f"unknown type {data.get('type')!r}; known types: {_TYPE_NAMES}"
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
    if front_matter.id != path.stem:
        problems.append(Problem(display, document.lines.get(("id",)), "id",
                                f"{front_matter.id!r} must match the file name {path.stem!r}"))
    if len(split.body.split()) < 20:
        problems.append(Problem(display, split.body_line, "body", "the body is empty or too short to be useful"))
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
        body=split.body.strip(),
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
