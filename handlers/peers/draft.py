"""``hcbot kb draft ACTION``: a learning product started from an action done in the field, in the
library's format, pre-filled with its facts and the notes their authors shared. The secretariat
writes it up in its own words, names the source, and commits it; ``hcbot kb validate`` refuses it
until the source is named."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

from handlers.dates import short_date
from handlers.peers.visibility import shorten
from knowledge.text import fold
from storage import repositories as repo
from storage.models import Action, Status

ID_LIMIT: Final = 80
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_REFERENCE = re.compile(r"^\s*([a-z0-9]+(?:-[a-z0-9]+)*)\s*[:#/,\s]\s*#?(\d{1,3})\s*$")


def read_reference(text: str) -> tuple[str, int] | None:
    """"sahelia-2026:3" (or "sahelia-2026#3", "sahelia-2026 3"): a plan's code and an action's number."""
    found = _REFERENCE.match(text.lower())
    return (found.group(1), int(found.group(2))) if found else None


def slug(text: str) -> str:
    return _NOT_SLUG.sub("-", fold(text).lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Draft:
    identifier: str
    text: str

    @property
    def filename(self) -> str:
        return f"{self.identifier}.md"


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: quotes, colons and accents are safe.
    return json.dumps(text, ensure_ascii=False)


def draft(action: Action, topics: tuple[str, ...], country: Callable[[str], str | None], today: date) -> Draft:
    """The Markdown file for ``action``: ``topics`` as the peers' search reads them, ``country``
    the thesaurus's English name for the operation's country (None when it has none)."""
    operation = action.plan.mission.operation
    standing = repo.standing_updates(action)
    done = [update for update in standing if update.status is Status.DONE]
    finished = done[-1].created_at.date() if done else None
    identifier = slug(f"{topics[0] if topics else 'practice'} {action.title} {operation.code}")[:ID_LIMIT].strip("-")
    named = country(operation.country)
    notes = [update for update in standing if update.shareable and update.note]
    title = f"{operation.country}: {shorten(action.title, 150)}"
    summary = (f"How the {operation.country} HCT went about one action of its plan: {shorten(action.title, 300)}"
               + (f", marked done in {finished:%B %Y}." if finished else "."))
    front = [
        "---",
        f"id: {identifier}",
        f"title: {_quoted(title)}",
        "type: practical-note",
        f"topics: [{', '.join(topics)}]" + ("" if topics else "  # name one to five topics of the taxonomy"),
        f"countries: [{_quoted(named)}]" if named else
        f"countries: []  # {_quoted(operation.country)} is not in the thesaurus: add it there, or leave this empty",
        f"year: {(finished or today).year}",
        "language: en",
        f"summary: {_quoted(summary)}",
        "illustrative: false",
        "# Check where the facts come from, then remove the '#' below: `hcbot kb validate` refuses a real",
        "# product without its source.",
        f"# source: {_quoted(f'Check-ins of the {action.plan.title} ({action.plan.code}), shared by their authors')}",
        "---",
    ]
    owner = action.owner.name if action.owner is not None else action.owner_label
    facts = [f"Action {action.number} of the plan \"{action.plan.title}\" ({action.plan.code}), adopted "
             f"{short_date(action.plan.adopted_on, 'en')}"
             + (f"; owner: {owner}" if owner else "")
             + (f"; marked done {short_date(finished, 'en')}." if finished else ".")]
    body = ["## What was done",
            "Draft started from the operation's check-ins: rewrite it in your own words before committing.",
            "", *facts, "", "## Notes from the operation"]
    if notes:
        for update in notes:
            body += [f"> {line}" for line in (update.note or "").splitlines() if line.strip()]
            body += [f"> ({update.status.value.replace('_', ' ')}, {short_date(update.created_at.date(), 'en')})", ""]
    else:
        body += ["No note was shared by its author.", ""]
    body += ["## Practical steps", "1. ", "", "## What to avoid", "- ", ""]
    return Draft(identifier, "\n".join([*front, *body]))
