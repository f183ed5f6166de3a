"""A learning product as the rest of the bot sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class LearningProduct:
    id: str
    title: str
    type: str
    topics: tuple[str, ...]
    countries: tuple[str, ...]
    year: int
    language: str
    summary: str
    illustrative: bool
    body: str
    url: str | None = None
    source: str = ""  # the file it came from, for error messages and `kb list`
    # An answer of the P2P secretariat to a passed question (type "answer"): the day it was given,
    # shown with it ("an answer from the P2P secretariat, 3 Dec 2026").
    answered_on: date | None = None

    @property
    def takeaway(self) -> str:
        """The first sentence of the summary: one line that tells a busy reader why to open it."""
        first, dot, _rest = self.summary.partition(". ")
        return first + "." if dot else self.summary

    def as_json(self, *, with_text: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "topics": list(self.topics),
            "countries": list(self.countries),
            "year": self.year,
            "language": self.language,
            "url": self.url,
            "illustrative": self.illustrative,
        }
        if self.answered_on is not None:
            data["answered_on"] = self.answered_on.isoformat()
        if with_text:
            data["summary"] = self.summary
            data["text"] = self.body
        return data
