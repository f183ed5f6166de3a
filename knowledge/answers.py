"""The P2P secretariat's answers to passed questions, kept as Q&A entries the search finds.

An answer added to the library is a Markdown file with YAML front matter, like a learning product,
in a folder of its own (``HCBOT_QA_DIR``): the curated library stays what the secretariat edits and
reviews, and the answers grow beside it without touching it. A Q&A file is validated like the
library's (every problem at once, ``file:line: field: message``), loaded with it at start, and its
product has the type ``answer`` and the day it was given, so every reader sees where it comes from.

The question is the entry's title and the first part of its body, the answer the rest: the next
person who asks the same thing in other words meets the asker's words as well as the secretariat's.

Pure but for reading files: writing one is the handler's business (``answer_document`` gives the text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from knowledge.documents import Problem, read_front_matter, validation_problems
from knowledge.library_files import LibraryError
from knowledge.passages import shorten
from knowledge.products import LearningProduct
from knowledge.taxonomy import ANSWER_TYPE, check_topics
from knowledge.thesaurus import Thesaurus

ID_PREFIX = "answer-"
_ID = r"^answer-[0-9]+$"
_SENTENCE_END = re.compile(r"[.!?…](?:\s|$)")
QUESTION_HEADING = "## Question"
ANSWER_HEADING = "## Answer"
SUMMARY_LIMIT = 300
TITLE_LIMIT = 200


class _AnswerFrontMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=_ID, max_length=80)]
    title: Annotated[str, Field(min_length=3, max_length=TITLE_LIMIT)]
    type: Literal["answer"]
    # May be empty: a question the taxonomy has no topic for is just the kind the secretariat answers.
    topics: Annotated[list[str], Field(max_length=5)]
    countries: list[str]
    year: Annotated[int, Field(ge=2000)]
    language: Literal["en", "fr"]
    summary: Annotated[str, Field(min_length=2, max_length=800)]
    answered_on: date
    ticket: Annotated[int, Field(ge=1)]
    illustrative: StrictBool = False

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, topics: list[str]) -> list[str]:
        return check_topics(topics)

    @field_validator("answered_on")
    @classmethod
    def _not_future(cls, answered_on: date, info: ValidationInfo) -> date:
        latest = (info.context or {})["latest_year"]
        if answered_on.year > latest:
            raise ValueError(f"{answered_on.isoformat()} is in the future")
        return answered_on

    @field_validator("summary")
    @classmethod
    def _short_summary(cls, summary: str) -> str:
        sentences = len(_SENTENCE_END.findall(summary.strip() + " "))
        if sentences > 3:
            raise ValueError(f"should be one to three sentences, found {sentences}")
        return " ".join(summary.split())


def answer_id(ticket_id: int) -> str:
    """One entry per ticket: answering it again (after the asker said it missed) replaces it."""
    return f"{ID_PREFIX}{ticket_id}"


def _summary(answer: str) -> str:
    """The answer's first sentence or two, short: what a result list shows under the title."""
    text = " ".join(answer.split())
    ends = [match.end() for match in _SENTENCE_END.finditer(text + " ")]
    if len(ends) > 2:
        text = text[: ends[1]].strip()
    return shorten(text, SUMMARY_LIMIT)


def _title(question: str) -> str:
    """The question as a title: its first letter up ("how do others..." is a sentence in a list)."""
    title = shorten(question, TITLE_LIMIT)
    return title[:1].upper() + title[1:]


def answer_product(*, ticket_id: int, question: str, answer: str, language: str, topics: Sequence[str],
                   countries: Sequence[str], answered_on: date) -> LearningProduct:
    """The Q&A entry for a ticket's answer, as the search will read it once its file is loaded."""
    identifier = answer_id(ticket_id)
    body = f"{QUESTION_HEADING}\n\n{question.strip()}\n\n{ANSWER_HEADING}\n\n{answer.strip()}"
    return LearningProduct(
        id=identifier, title=_title(question), type=ANSWER_TYPE, topics=tuple(topics[:5]),
        countries=tuple(countries), year=answered_on.year, language=language, summary=_summary(answer),
        illustrative=False, body=body, source=f"{identifier}.md", answered_on=answered_on)


def answer_document(product: LearningProduct, ticket_id: int) -> str:
    """The file's text: front matter written by a YAML dumper (a question may hold quotes, colons or
    a '---' line), then the body."""
    assert product.answered_on is not None, "an answer entry carries the day it was given"
    front = {
        "id": product.id, "title": product.title, "type": ANSWER_TYPE, "topics": list(product.topics),
        "countries": list(product.countries), "year": product.year, "language": product.language,
        "summary": product.summary, "answered_on": product.answered_on, "ticket": ticket_id,
        "illustrative": False,
    }
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=None)
    return f"---\n# An answer of the P2P secretariat to passed question {ticket_id}.\n{dumped}---\n{product.body}\n"


def read_answer(path: Path, display: str, countries: Iterable[str], latest_year: int
                ) -> tuple[LearningProduct | None, list[Problem]]:
    """Parses one Q&A file; returns the entry, or None and what is wrong with it."""
    read = read_front_matter(path, display)
    if isinstance(read, Problem):
        return None, [read]
    split, document, data = read

    def explain(item: ErrorDetails) -> str | None:
        if item["type"] == "extra_forbidden":
            return "unknown field (allowed: " + ", ".join(_AnswerFrontMatter.model_fields) + ")"
        if tuple(item["loc"]) == ("type",) and item["type"] != "missing":
            return f"a Q&A file has the type {ANSWER_TYPE!r}; learning products belong in the library's folder"
        if tuple(item["loc"]) == ("id",) and item["type"] == "string_pattern_mismatch":
            return f"should be {ID_PREFIX} and the question's number, e.g. {ID_PREFIX}7"
        return None

    try:
        front = _AnswerFrontMatter.model_validate(data, context={"latest_year": latest_year})
    except ValidationError as error:
        return None, validation_problems(error, display, document, explain=explain,
                                         name=lambda location: ".".join(str(part) for part in location))
    problems: list[Problem] = []
    known = set(countries)
    for index, country in enumerate(front.countries):
        if country not in known:
            problems.append(Problem(display, document.lines.get(("countries", index)), f"countries.{index}",
                                    f"unknown country {country!r}: use the English name from the thesaurus"))
    if front.id != path.stem:
        problems.append(Problem(display, document.lines.get(("id",)), "id",
                                f"{front.id!r} must match the file name {path.stem!r}"))
    if front.id != answer_id(front.ticket):
        problems.append(Problem(display, document.lines.get(("ticket",)), "ticket",
                                f"{front.ticket} does not match the id {front.id!r}"))
    if front.year != front.answered_on.year:
        problems.append(Problem(display, document.lines.get(("year",)), "year",
                                f"should be the year of answered_on ({front.answered_on.year})"))
    if ANSWER_HEADING not in split.body or not split.body.split(ANSWER_HEADING, 1)[1].strip():
        problems.append(Problem(display, split.body_line, "body", f"the body needs an {ANSWER_HEADING!r} section"))
    if problems:
        return None, problems
    return LearningProduct(
        id=front.id, title=front.title, type=ANSWER_TYPE, topics=tuple(front.topics), countries=tuple(front.countries),
        year=front.year, language=front.language, summary=front.summary, illustrative=front.illustrative,
        body=split.body.strip(), source=display, answered_on=front.answered_on), []


def validate_answers(directory: Path, thesaurus: Thesaurus, *, this_year: int
                     ) -> tuple[list[LearningProduct], list[Problem]]:
    """Every ``*.md`` Q&A file in ``directory``: the good entries and all problems. A folder that does
    not exist yet holds no answers (the first one added creates it)."""
    if not directory.exists():
        return [], []
    if not directory.is_dir():
        return [], [Problem(str(directory), None, None, "not a folder")]
    products: list[LearningProduct] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.md")):
        product, found = read_answer(path, str(path), thesaurus.country_names, this_year + 1)
        problems.extend(found)
        if product is not None:
            products.append(product)
    return products, problems


def load_answers(directory: Path, thesaurus: Thesaurus, *, this_year: int) -> list[LearningProduct]:
    """The entries of a valid Q&A folder; raises :class:`LibraryError` listing every problem otherwise."""
    products, problems = validate_answers(directory, thesaurus, this_year=this_year)
    if problems:
        raise LibraryError(problems)
    return products


def folder_signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What the folder holds, cheaply (names, sizes, modification times): a replica whose signature
    differs from the one it loaded reloads the answers another replica added."""
    if not directory.is_dir():
        return ()
    found = []
    for path in sorted(directory.glob("*.md")):
        try:
            status = path.stat()
        except FileNotFoundError:
            continue  # replaced while we looked: the next look sees the new one
        found.append((path.name, status.st_size, status.st_mtime_ns))
    return tuple(found)
