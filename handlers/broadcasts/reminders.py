"""Webinar reminders: "Remind me" on a webinar's notice, and the reminder an hour before it starts.

Pressing the button records who wants it (once, however often it is pressed); the reconcile pass
calls :func:`queue_due`, which writes each reminder whose hour has come to the outbox under the key
``webinar-reminder:BROADCAST:PERSON``, so two passes, two replicas or a restart write it once. A
reminder is not spaced by the one-voice rule (its kind is not one of the spaced ones): the person
asked for it at that time, and an hour later would be after the start.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.checkins.plans import require_person
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, link, reply_to_json, text_reply
from storage import broadcasts as stored
from storage import outbox
from storage.database import Session
from storage.models import BroadcastStatus, Person

BEFORE = timedelta(hours=1)
KIND = "webinar_reminder"


def person_zone(person: Person) -> str:
    return person.timezone or (person.operation.timezone if person.operation else None) or "UTC"


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


async def press(turn: Turn, broadcast_id: int) -> list[Reply]:
    """"Remind me" on a webinar's notice: a reminder to this person an hour before the start."""
    person = require_person(turn, "stranger.notices")
    language = turn.language
    broadcast = await stored.by_id(turn.session, broadcast_id)
    if (broadcast is None or not broadcast.webinar
            or not await stored.was_sent_to(turn.session, broadcast_id, person.id)):
        raise NotFound("reminder.unknown")
    if broadcast.status is BroadcastStatus.CANCELLED:
        return [text_reply(t("reminder.withdrawn", language))]
    webinar = broadcast.webinar
    starts_at = datetime.fromisoformat(webinar["start"])
    zone = person_zone(person)
    if turn.now >= starts_at:
        return [_with_link(t("reminder.started", language), webinar, language)]
    if turn.now >= starts_at - BEFORE:
        minutes = math.ceil((starts_at - turn.now).total_seconds() / 60)
        return [_with_link(tn("reminder.soon", minutes, language, time=_clock(starts_at, zone)), webinar, language)]
    remind_at = starts_at - BEFORE
    new = await stored.add_reminder(turn.session, broadcast_id=broadcast_id, person_id=person.id, now=turn.now,
                                    remind_at=remind_at, starts_at=starts_at)
    local = _local(remind_at, zone)
    return [text_reply(t("reminder.set" if new else "reminder.already", language,
                         date=short_date(local.date(), language), time=f"{local:%H:%M} {local.tzname()}"))]


def _clock(moment: datetime, zone: str) -> str:
    local = _local(moment, zone)
    return f"{local:%H:%M} {local.tzname()} ({zone})"


def _with_link(sentence: str, webinar: dict[str, Any], language: str) -> Reply:
    builder = ReplyBuilder().add(sentence)
    if webinar.get("link"):
        builder.add(link(t("notice.join", language), webinar["link"]))
    return builder.build()


def reminder(webinar: dict[str, Any], language: str, zone: str, now: datetime) -> Reply:
    """The reminder itself: the title, how many minutes are left, the start in the person's time,
    the link."""
    starts_at = datetime.fromisoformat(webinar["start"])
    minutes = max(1, math.ceil((starts_at - now).total_seconds() / 60))
    builder = ReplyBuilder().add(bold(t("reminder.title", language, title=webinar["title"])))
    builder.add(tn("reminder.starts_in", minutes, language, time=_clock(starts_at, zone)))
    if webinar.get("link"):
        builder.add(link(t("notice.join", language), webinar["link"]))
    return builder.build()


async def queue_due(session: Session, now: datetime) -> int:
    """Writes the reminders whose hour has come to the outbox (the reconcile pass calls this);
    returns how many were new."""
    due = await stored.reminders_due(session, now)
    written = 0
    for wanted in due:
        written += await outbox.enqueue(
            session, dedupe_key=f"webinar-reminder:{wanted.broadcast_id}:{wanted.person_id}", kind=KIND,
            person_id=wanted.person_id, payload=reply_to_json(reminder(wanted.webinar, wanted.language,
                                                                       wanted.timezone, now)),
            due_at=now, now=now)
    await stored.mark_reminders_queued(session, [wanted.id for wanted in due], now)
    return written
