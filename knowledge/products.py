"""A learning product as the rest of the bot sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class LearningProduct:
    id: str
    title: str
    type: str
    topics: tuple[str, ...]
    countries: tuple[str, ...]
    # 0 when the record does not know it (a real product whose page gives no year): the search's
    # "newest first" then puts it after every dated product, and no reader is shown a guess.
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
    # The day it was held or published, when known: a webinar is shown as "Webinar, 4 Oct 2016".
    day: date | None = None
    # Where the record's facts come from (the front matter's ``source:``), for whoever checks them.
    reference: str | None = None
    speakers: tuple[str, ...] = ()
    """Speakers by their public role ("the HC in Iraq"), never more about a person than that."""
    recording: str | None = None
    """A past webinar's recording: shown as a recording once the day has passed."""
    review_by: date | None = None
    """When the secretariat wants to look at it again (``hcbot kb list --stale``)."""
    starts_at: datetime | None = None
    """An upcoming webinar's start (aware, UTC), so that it can be announced from its record."""
    timezone: str | None = None
    duration_minutes: int | None = None
    join_link: str | None = None

    @property
    def takeaway(self) -> str:
        """The first sentence of the summary: one line that tells a busy reader why to open it."""
        first, dot, _rest = self.summary.partition(". ")
        return first + "." if dot else self.summary

    def upcoming(self, today: date) -> bool:
        """A webinar still to be held: it can be announced, and it has no recording yet."""
        return self.type == "webinar" and self.day is not None and self.day >= today

    def link(self, today: date) -> str | None:
        """Where a reader goes: a past webinar's recording when it has one, else its public page."""
        if self.recording is not None and not self.upcoming(today):
            return self.recording
        return self.url

    def as_json(self, *, with_text: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "type": self.type,
            "topics": list(self.topics),
            "countries": list(self.countries),
            "year": self.year or None,
            "language": self.language,
            "url": self.url,
            "illustrative": self.illustrative,
        }
        if self.answered_on is not None:
            data["answered_on"] = self.answered_on.isoformat()
        if self.day is not None:
            data["date"] = self.day.isoformat()
        if self.reference is not None:
            data["source"] = self.reference
        if self.speakers:
            data["speakers"] = list(self.speakers)
        if self.recording is not None:
            data["recording"] = self.recording
        if self.review_by is not None:
            data["review_by"] = self.review_by.isoformat()
        if with_text:
            data["summary"] = self.summary
            data["text"] = self.body
        return data
