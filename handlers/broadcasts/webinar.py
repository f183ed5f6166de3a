"""A webinar's header asked in the chat, one short question at a time (title, start with its
timezone, duration, link), for a secretariat member on a phone who will not type YAML front matter.

Pure: each reader takes the typed answer and returns the value, or raises :class:`BadInput` with the
one sentence that says what is wrong ("2026-02-30 is not a date: February 2026 has 28 days"). The
answers end in the same webinar a notice's front matter gives (:func:`finished`), so the rest of the
bot cannot tell the two apart.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date
from pydantic import ValidationError
from rapidfuzz import fuzz, process, utils

from handlers.broadcasts.sending import WebinarIn
from handlers.errors import BadInput

TITLE_LENGTH = (3, 200)
DURATION_MINUTES = (10, 600)
SKIP_WORDS = frozenset({"skip", "passer", "no", "non", "none", "aucun", "-", "no link", "pas de lien"})

# "2026-12-03 14:00 Europe/Zurich", "2026-12-03T14:00+01:00", "2026-12-3 14h", "2026-12-03 à 14h30 UTC".
_MOMENT = re.compile(r"(?P<date>\d{4}-\d{1,2}-\d{1,2})(?:\s*[T ]\s*|\s+(?:at|à|a)\s+)"
                     r"(?P<clock>(?P<hour>\d{1,2})(?:[:h.](?P<minute>\d{2})?)?)\s*(?P<zone>.*)", re.IGNORECASE)
_OFFSET = re.compile(r"(?:UTC|GMT)?\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?", re.IGNORECASE)
_MINUTES = re.compile(r"(?P<minutes>\d{1,4})\s*(?:m|mn|min|mins|minutes?)?", re.IGNORECASE)
_HOURS = re.compile(r"(?P<hours>\d{1,2})\s*(?:h|hr|hrs|hours?|heures?)\s*"
                    r"(?P<minutes>\d{1,2})?\s*(?:m|mn|min|minutes?)?", re.IGNORECASE)


def read_title(text: str) -> str:
    title = " ".join(text.split())
    if not TITLE_LENGTH[0] <= len(title) <= TITLE_LENGTH[1]:
        raise BadInput("webinar.bad_title")
    return title


def read_moment(text: str, default_zone: str, now: datetime, language: str, *,
                unreadable: str = "webinar.bad_start", past: str = "webinar.past") -> tuple[datetime, str]:
    """A date, a time and optionally a timezone (a name or an offset; without one, ``default_zone``)
    -> (the moment in UTC, the zone's name). A moment not after ``now`` is refused with ``past``."""
    typed = " ".join(text.split())
    found = _MOMENT.fullmatch(typed)
    if found is None:
        raise BadInput(unreadable, value=typed[:60])
    day = _date(found.group("date"), language)
    hour, minute = int(found.group("hour")), int(found.group("minute") or 0)
    if hour > 23 or minute > 59:
        raise BadInput("webinar.bad_clock", value=found.group("clock"))
    zone_text = found.group("zone").strip()
    zone: tzinfo
    offset = _OFFSET.fullmatch(zone_text) if zone_text else None
    if offset is not None:
        sign = -1 if offset.group("sign") == "-" else 1
        shift = timedelta(hours=int(offset.group("hours")), minutes=int(offset.group("minutes") or 0))
        if shift > timedelta(hours=14):
            raise BadInput("webinar.unknown_zone", value=zone_text)
        zone_name, zone = "UTC", timezone(sign * shift)
    else:
        zone_name = resolve_zone(zone_text) if zone_text else default_zone
        zone = ZoneInfo(zone_name)
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
    if moment <= now:
        raise BadInput(past)
    return moment, zone_name


def _date(text: str, language: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise BadInput("webinar.no_month", value=text, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        # The month by name ("February 2026"), in the sentence's language: a number would not say
        # which month the reader typed.
        named = format_date(date(year, month, 1), "MMMM y", locale="fr" if language == "fr" else "en")
        raise BadInput("webinar.no_day", value=text, month=named, days=days)
    return date(year, month, day)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Every IANA zone, by its name folded ("europe/zurich") and by its city ("zurich", "new york"),
    a city only when one zone has it."""
    names = sorted(available_timezones())
    by_key = {name.lower(): name for name in names}
    cities: dict[str, list[str]] = {}
    for name in names:
        cities.setdefault(name.rsplit("/", 1)[-1].replace("_", " ").lower(), []).append(name)
    for city, zones in cities.items():
        if len(zones) == 1:
            by_key.setdefault(city, zones[0])
    return by_key


def resolve_zone(text: str) -> str:
    """An IANA zone name from what was typed: exact, any case, or a city ("Zurich"); otherwise
    the closest name is suggested."""
    typed = text.strip()
    zones = _zones()
    found = zones.get(typed.lower()) or zones.get(typed.replace("_", " ").lower())
    if found is not None:
        return found
    best = process.extractOne(typed, sorted(set(zones.values())), scorer=fuzz.WRatio,
                              processor=utils.default_process, score_cutoff=85)
    if best is not None:
        raise BadInput("webinar.unknown_zone_suggest", value=typed[:60], suggestion=best[0])
    raise BadInput("webinar.unknown_zone", value=typed[:60])


def read_duration(text: str) -> int:
    """"90", "90 min", "1h30", "1 h", "2 heures" -> minutes, between 10 and 600."""
    typed = text.strip()
    minutes: int | None = None
    if (found := _MINUTES.fullmatch(typed)) is not None:
        minutes = int(found.group("minutes"))
    elif (found := _HOURS.fullmatch(typed)) is not None:
        minutes = int(found.group("hours")) * 60 + int(found.group("minutes") or 0)
    if minutes is None or not DURATION_MINUTES[0] <= minutes <= DURATION_MINUTES[1]:
        raise BadInput("webinar.bad_duration")
    return minutes


def read_link(text: str) -> str | None:
    """A web link to join, or None for "skip". Slack's <https://...> wrapping is taken off."""
    typed = text.strip().strip("<>").split("|", 1)[0].strip()
    if typed.lower() in SKIP_WORDS:
        return None
    if "://" not in typed and re.match(r"[\w-]+(\.[\w-]+)+(/|$)", typed):
        typed = "https://" + typed  # "zoom.us/j/123" as a phone's user types it
    parts = urlsplit(typed)
    host = parts.hostname or ""
    if (parts.scheme.lower() not in {"http", "https"} or not host or any(character.isspace() for character in typed)
            or ("." not in host and host != "localhost") or len(typed) > 500):
        raise BadInput("webinar.bad_link")
    # "HTTPS://..." from a phone's keyboard: the scheme in lower case, as links are written.
    return parts.scheme.lower() + typed[len(parts.scheme):]


def finished(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as the webinar a notice's front matter gives: the same fields and checks
    (:class:`WebinarIn`), the start in UTC."""
    try:
        parsed = WebinarIn.model_validate(answers)
    except ValidationError:
        # Each answer was read and checked as it came; what fails here is an answer from an older
        # version of the questions, kept in a draft across an upgrade: ask from the start again.
        raise BadInput("webinar.bad_answers") from None
    return {**parsed.model_dump(mode="json", exclude_none=True), "start": parsed.starts_at().isoformat()}
