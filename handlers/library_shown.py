"""How a learning product's kind and day read in a reply: "Webinar, 4 Oct 2016", "Upcoming webinar,
20 Jan 2027", "Webinar recording, 4 Oct 2016", "Report, 2021", or the type alone when the record
does not know when it was made (a guess would be read as a fact)."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from handlers.i18n import t
from knowledge import LearningProduct, type_name


def product_day(day: date, language: str) -> str:
    """4 Oct 2016 / 4 oct. 2016: Babel's abbreviated month, day first in both languages."""
    return format_date(day, "d MMM y", locale="fr" if language == "fr" else "en")


def product_kind(product: LearningProduct, language: str, today: date | None) -> str:
    """``today`` None (no clock at hand): a dated webinar is not called upcoming."""
    kind = type_name(product.type, language)
    if product.type == "webinar" and product.day is not None:
        if today is not None and product.upcoming(today):
            kind = t("kb.kind_upcoming", language)
        elif product.recording is not None:
            kind = t("kb.kind_recording", language)
    if product.day is not None:
        return t("kb.kind_dated", language, kind=kind, when=product_day(product.day, language))
    if product.year:
        return t("kb.kind_dated", language, kind=kind, when=str(product.year))
    return kind
