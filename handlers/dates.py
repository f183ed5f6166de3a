"""Dates as people read them in a chat, shared by every job."""

from __future__ import annotations

from datetime import date

_MONTHS = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "fr": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.".split(),
}


def short_date(moment: date, language: str) -> str:
    """"3 Feb 2026": day first, month in letters, so no reader mistakes it for 2 March.

    Takes a date or a datetime (a datetime is a date); datetimes are UTC."""
    return f"{moment.day} {_MONTHS['fr' if language == 'fr' else 'en'][moment.month - 1]} {moment.year}"
