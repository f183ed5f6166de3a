"""An upcoming webinar announced from its library record (`hcbot broadcast send --product ID`): the
record already holds the title, day, time, speakers, topics and links, so the secretariat does not
write them again in a notice file, and the notice cannot disagree with what the library says."""

from __future__ import annotations

from datetime import datetime

from handlers.broadcasts.sending import Notice, NoticeRejected, WebinarIn
from handlers.i18n import t
from knowledge import LearningProduct, Problem


def product_notice(product: LearningProduct, now: datetime) -> Notice:
    """The notice for ``product``; :class:`NoticeRejected` naming the field to fix when it is not an
    upcoming webinar with a start time."""
    def refuse(field: str, key: str, **values: str) -> NoticeRejected:
        return NoticeRejected([Problem(product.source, None, field, t(key, "en", **values))])

    if product.type != "webinar":
        raise refuse("type", "kb.notice_not_webinar", kind=product.type)
    if product.day is None:
        raise refuse("date", "kb.notice_no_date", date="date: YYYY-MM-DD", time="time: HH:MM")
    if product.day < now.date():
        raise refuse("date", "kb.notice_past", start=product.day.isoformat())
    if product.starts_at is None:
        raise refuse("time", "kb.notice_no_time", time="time: HH:MM", timezone="timezone: Europe/Zurich")
    if product.starts_at <= now:
        raise refuse("date", "kb.notice_past", start=f"{product.starts_at:%Y-%m-%d %H:%M} UTC")
    webinar = WebinarIn.model_validate({
        "title": product.title,
        "start": product.starts_at,
        "timezone": product.timezone or "UTC",
        "duration_minutes": product.duration_minutes or 60,
        "link": product.join_link or product.url,
        "speakers": list(product.speakers),
        "topics": list(product.topics),
    })
    texts = []
    for language in ("en", "fr"):
        lines = [t("kb.notice", language, summary=product.summary)]
        if product.language != language:
            lines.append(t(f"product.in_{product.language}", language).capitalize() + ".")
        if product.url and product.join_link and product.url != product.join_link:
            lines.append(t("kb.notice_more", language, url=product.url))
        texts.append("\n".join(lines))
    return Notice(texts[0], texts[1], {**webinar.model_dump(mode="json", exclude_none=True),
                                       "start": webinar.starts_at().isoformat()})
