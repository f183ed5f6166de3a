"""Why an audience reaches nobody, in sentences the composer can act on: a country or operation
that does not exist (with the closest one that does: "Sahelia (fictional)" for "Sahelia"), a topic
nobody follows, parts that each match someone but never together, or people all left out.

Only asked when the reach is 0, so the few extra queries cost nothing the rest of the time.
"""

from __future__ import annotations

from typing import Any

from rapidfuzz import fuzz, process, utils

from handlers.broadcasts import sending
from handlers.i18n import t, tn
from knowledge.taxonomy import topic_name
from storage import broadcasts as stored
from storage.database import Session
from storage.models import Role

SUGGESTION_SCORE = 75
"""WRatio from which a known value is offered as "did you mean": "Sahelia" -> "Sahelia (fictional)"
scores 90, "Tchad" -> "Chad" 89, "Chda" -> "Chad" 75; "Atlantis" -> "Levantia (fictional)" 60 is no
suggestion."""
KNOWN_SHOWN = 5
SKIP_REASONS = ("opted_out", "unlinked", "inactive", "cancelled")


def left_out(skipped: dict[str, int], language: str) -> str:
    """"1 opted out, 2 without a linked chat": the reasons people are skipped, the empty ones left out."""
    return ", ".join(tn(f"skipped.{reason}", skipped[reason], language) for reason in SKIP_REASONS
                     if skipped.get(reason))


async def why_nobody(session: Session, audience: dict[str, Any], reach: sending.Audience, language: str) -> list[str]:
    """One sentence per reason the audience reaches nobody (empty when it reaches someone)."""
    if reach.recipients:
        return []
    if reach.matched:
        return [tn("reach.all_left_out", reach.matched, language, reasons=left_out(dict(reach.skipped), language))]
    known = await stored.known_audience_values(session)
    reasons: list[str] = []
    for key, values in audience.items():
        if key == "country":
            reasons += [_unknown("country", value, known.countries, language) for value in values
                        if value.lower() not in {country.lower() for country in known.countries}]
        elif key == "operation":
            reasons += [_unknown("operation", value, known.operations, language) for value in values
                        if value not in known.operations]
    if reasons:
        return reasons
    for key, values in audience.items():
        # Each part alone: the one that matches nobody is the one to change.
        if await _matches_nobody(session, key, values):
            if key == "topic":
                reasons.append(t("reach.no_followers", language,
                                 topic=", ".join(topic_name(topic, language) for topic in values)))
            else:
                reasons.append(t("reach.nobody_with", language, criterion=sending.describe_audience({key: values})))
    if reasons:
        return reasons
    return [t("reach.not_together", language, audience=sending.describe_audience(audience, language))]


def _unknown(kind: str, value: str, known: list[str], language: str) -> str:
    best = process.extractOne(value, known, scorer=fuzz.WRatio, processor=utils.default_process,
                              score_cutoff=SUGGESTION_SCORE) if known else None
    if best is not None:
        return t(f"reach.no_{kind}_suggest", language, value=value[:60], suggestion=best[0])
    shown = ", ".join(known[:KNOWN_SHOWN]) + (", …" if len(known) > KNOWN_SHOWN else "")
    return t(f"reach.no_{kind}", language, value=value[:60], known=shown or "—")


async def _matches_nobody(session: Session, key: str, values: list[str]) -> bool:
    criteria: dict[str, Any] = {"roles": [Role(value) for value in values]} if key == "role" else {
        {"language": "languages", "operation": "operations", "country": "countries", "topic": "topics"}[key]: values}
    return not await stored.audience_members(session, **criteria)
