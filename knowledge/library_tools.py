"""The secretariat's tools for keeping the library: a new product's file to fill in, the counts of
real and illustrative products per topic, and what is past its review date. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from knowledge.products import LearningProduct
from knowledge.taxonomy import ANSWER_TYPE, PRODUCT_TYPES, TOPICS

# The fields a webinar or an HC dialogue has beyond every product's: who spoke (by role), and for a
# webinar what announcing it and, later, its recording need.
_SPEAKING_TYPES = frozenset({"webinar", "dialogue"})
REVIEW_AFTER = timedelta(days=365)


def new_product_text(kind: str, identifier: str, title: str, today: date) -> str:
    """The file ``hcbot kb new`` writes: every field of a product of type ``kind``, those to
    complete left empty so that ``hcbot kb validate`` names them until they are filled in (a file
    written and forgotten does not reach the bot: the library would not validate)."""
    if kind not in PRODUCT_TYPES:
        raise ValueError(f"unknown type {kind!r}; known types: {', '.join(PRODUCT_TYPES)}")
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = [
        "---",
        f"# A new {PRODUCT_TYPES[kind][0].lower()} for the library. Fill in the empty fields, delete the optional",
        "# ones you do not need, then run `hcbot kb validate`.",
        f"id: {identifier}",
        f"title: {quoted}",
        f"type: {kind}",
        "topics: []           # one to five of: " + ", ".join(TOPICS),
        "countries: []        # English names, e.g. [Chad, Mali]; leave [] for a product about no one country",
        "date:                # the day it was held or published, YYYY-MM-DD; unknown: delete it (or give year:)",
        "language: en         # en or fr",
        "url:                 # optional: its public page, https://...",
        'summary: ""          # one to three sentences, in your own words',
        "illustrative: false",
        'source: ""           # where the facts come from: a page, a report, the slides',
    ]
    if kind in _SPEAKING_TYPES:
        lines.append('speakers: []         # by their public role, e.g. ["the HC in Iraq"]; unknown: leave []')
    if kind == "webinar":
        lines += [
            "recording:           # optional, once it is held: the recording's https link",
            "time:                # an upcoming webinar: its start, HH:MM (for `hcbot broadcast send --product`)",
            "timezone: UTC        # the start's timezone, e.g. Europe/Zurich",
            "duration_minutes: 60",
            "join_link:           # optional: where people join it",
        ]
    lines += [
        f"review_by: {(today + REVIEW_AFTER).isoformat()}   # when to check it again (`hcbot kb list --stale`)",
        "---",
        "## What was done",
        "",
        "## Practical steps",
        "1. ",
        "",
    ]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str
    real: int
    illustrative: int

    @property
    def total(self) -> int:
        return self.real + self.illustrative


def topic_counts(products: Iterable[LearningProduct]) -> list[TopicCount]:
    """Per topic, in the taxonomy's order, how many curated products are real and how many are
    illustrative samples (the secretariat's answers are counted apart: they are not curated)."""
    real = dict.fromkeys(TOPICS, 0)
    samples = dict.fromkeys(TOPICS, 0)
    for product in products:
        if product.type == ANSWER_TYPE:
            continue
        for topic in product.topics:
            (samples if product.illustrative else real)[topic] += 1
    return [TopicCount(topic, real[topic], samples[topic]) for topic in TOPICS]


def stale(products: Iterable[LearningProduct], today: date) -> list[LearningProduct]:
    """The products whose ``review_by`` day has passed, the longest overdue first."""
    due = [product for product in products if product.review_by is not None and product.review_by < today]
    return sorted(due, key=lambda product: (product.review_by or today, product.id))
