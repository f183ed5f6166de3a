"""Broadcasts: the secretariat's notices (webinars, new learning products) to the people who want them.

A notice is an English text, optionally a French one, and optionally a webinar with structured
fields; everyone gets their language, the webinar's start in their own timezone and an ``.ics`` file
for their calendar. The audience is a combination of role, operation, country, language and topic
followed; people who turned notices off, who have no linked chat or whose chats are all inactive are
skipped and counted.

Releasing a broadcast writes one outbox row per recipient under the key ``broadcast:ID:PERSON`` with
insert-on-conflict-do-nothing, in one transaction with the broadcast's own status: a release that
crashes half-way writes nothing, and one that runs twice writes each row once. Delivery is then the
outbox's (rate limits, 429, 403, at most once per row).
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from rapidfuzz.distance import OSA

from handlers.dates import short_date
from handlers.i18n import colon, t
from handlers.messages import Attachment, Reply, ReplyBuilder, bold, link, reply_to_json
from handlers.nudges.deadlines import LadderSettings, sending_slot
from handlers.secretariat.imports import check_timezone
from knowledge import Problem
from knowledge.documents import DocumentError, load_yaml, split_at_line, split_front_matter, validation_problems
from knowledge.taxonomy import TOPICS, check_topics, topic_name
from storage import accounts
from storage import broadcasts as stored
from storage.database import Session
from storage.models import Broadcast, BroadcastStatus, OutboxStatus, Person, Role

WEEKDAYS = frozenset({1, 2, 3, 4, 5})
AUDIENCE_KEYS = ("role", "operation", "country", "language", "topic")
FRENCH_MARKER = "---fr---"
"""The line, exactly this, after which a notice's French text starts."""
MAX_TEXT = 3500


class NoticeRejected(Exception):
    """A notice that cannot be sent as written; every problem with its line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class AudienceRejected(ValueError):
    """An audience that names an unknown key or value: ``message`` is its sentence in the catalogue
    (the chat words it in the composer's language); ``str()`` is the English, for the shell."""

    def __init__(self, message: str, **values: str) -> None:
        self.message, self.values = message, values
        super().__init__(t(message, "en", **values))

    def in_language(self, language: str) -> str:
        return t(self.message, language, **self.values)


class WebinarIn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3, max_length=200)
    start: datetime
    timezone: str = "UTC"
    duration_minutes: int = Field(default=60, ge=10, le=600)
    link: str | None = Field(default=None, pattern=r"^https?://\S+$")
    speakers: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        return check_timezone(name)

    @field_validator("topics")
    @classmethod
    def _topics(cls, topics: list[str]) -> list[str]:
        return check_topics(topics)

    def starts_at(self) -> datetime:
        """The start as an aware UTC time: a start written without an offset is in ``timezone``."""
        start = self.start if self.start.tzinfo else self.start.replace(tzinfo=ZoneInfo(self.timezone))
        return start.astimezone(ZoneInfo("UTC"))


class NoticeHeader(BaseModel):
    model_config = ConfigDict(extra="forbid")

    webinar: WebinarIn | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    text_en: str
    text_fr: str | None = None
    webinar: dict[str, Any] | None = None


def parse_notice(text: str, display: str = "message") -> Notice:
    """A notice from Markdown: optional YAML front matter with a ``webinar:``, the English text, then
    optionally a line ``---fr---`` and the French text."""
    header: dict[str, Any] = {}
    body = text.replace("\r\n", "\n")
    for number, content in enumerate(body.split("\n"), 1):
        if any(character == "\x00" or "\ud800" <= character <= "\udfff" for character in content):
            # No database stores a NUL byte, and no reader meant one.
            raise NoticeRejected([Problem(display, number, "text", "a NUL byte or a character that is not valid "
                                                                   "UTF-8; retype or re-save the text")])
    try:
        front = split_front_matter(body, display)
        document = None if front is None else load_yaml(front.yaml, display, first_line=front.yaml_line)
    except DocumentError as error:
        raise NoticeRejected([error.problem]) from None
    if front is not None and document is not None:
        loaded = {} if document.data is None else document.data
        if not isinstance(loaded, dict):
            raise NoticeRejected([Problem(display, front.yaml_line, None,
                                          "the front matter must be a mapping (webinar: ...)")])
        try:
            header = NoticeHeader.model_validate(loaded).model_dump(mode="json", exclude_none=True)
        except ValidationError as error:
            raise NoticeRejected(validation_problems(error, display, document)) from None
        body = front.body
    parts = split_at_line(body, FRENCH_MARKER)
    english = parts[0].strip()
    french = parts[1].strip() if parts[1] is not None else None
    problems = []
    if not english:
        problems.append(Problem(display, None, "text", "the English text is empty"))
    for name, value in (("text", english), ("text_fr", french)):
        if value and len(value) > MAX_TEXT:
            problems.append(Problem(display, None, name,
                                    f"{len(value)} characters; at most {MAX_TEXT} fit one message"))
    if problems:
        raise NoticeRejected(problems)
    webinar = header.get("webinar")
    if webinar is not None:
        parsed = WebinarIn.model_validate(webinar)
        webinar = {**webinar, "start": parsed.starts_at().isoformat()}
    return Notice(english, french or None, webinar)


def parse_audience(text: str) -> dict[str, list[str]]:
    """"role=hc,country=Chad" -> {"role": ["hc"], "country": ["Chad"]}. Values of one key are
    alternatives (``role=hc|hct_member``, or the key repeated); different keys must all hold.
    "all" or an empty text is everyone."""
    wanted = text.strip()
    if wanted.lower() in {"", "all", "everyone", "tous"}:
        return {}
    audience: dict[str, list[str]] = {}
    for part in wanted.split(","):
        key, sep, values = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in AUDIENCE_KEYS:
            near = [known for known in AUDIENCE_KEYS if sep and OSA.distance(key, known) <= 2]
            if near:  # "contry=Chad"
                raise AudienceRejected("audience.key_suggest", part=part.strip()[:60], typed=key[:20],
                                       suggestion=near[0])
            raise AudienceRejected("audience.key_value", part=part.strip()[:60], keys=", ".join(AUDIENCE_KEYS))
        for value in values.split("|"):
            value = value.strip()
            if not value:
                raise AudienceRejected("audience.empty", part=part.strip()[:60])
            if key == "role" and value.lower() not in {role.value for role in Role}:
                raise AudienceRejected("audience.role", value=value[:40],
                                       choices=", ".join(role.value for role in Role))
            if key == "language" and value.lower() not in {"en", "fr"}:
                raise AudienceRejected("audience.language", value=value[:40])
            if key == "topic" and value.lower() not in TOPICS:
                raise AudienceRejected("audience.topic", value=value[:40], choices=", ".join(TOPICS))
            normal = value if key in {"country", "operation"} else value.lower()
            audience.setdefault(key, [])
            if normal not in audience[key]:
                audience[key].append(normal)
    return audience


def describe_audience(audience: dict[str, Any], language: str = "en") -> str:
    if not audience:
        return t("broadcast.everyone", language)
    return ", ".join(f"{key}={'|'.join(values)}" for key, values in audience.items())


@dataclass(slots=True)
class Recipient:
    person_id: int
    language: str
    timezone: str
    working_days: frozenset[int] = WEEKDAYS


@dataclass(slots=True)
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def matched(self) -> int:
        return len(self.recipients) + sum(self.skipped.values())


async def expand(session: Session, audience: dict[str, Any]) -> Audience:
    """Who an audience reaches now, and who it skips and why. A few set-based queries, so ten
    thousand people take milliseconds, not ten thousand round trips."""
    people = await stored.audience_members(
        session, roles=[Role(role) for role in audience.get("role") or []], languages=audience.get("language") or [],
        operations=audience.get("operation") or [], countries=audience.get("country") or [],
        topics=audience.get("topic") or [])
    chats = await accounts.reachability(session)
    result = Audience()
    for member in people:
        if not member.notices:
            result.skipped["opted_out"] += 1
        elif member.person_id not in chats:
            result.skipped["unlinked"] += 1
        elif not chats[member.person_id]:
            result.skipped["inactive"] += 1
        else:
            result.recipients.append(Recipient(
                member.person_id, member.language, member.own_timezone or member.operation_timezone or "UTC",
                frozenset(member.working_days) if member.working_days else WEEKDAYS))
    return result


def local_start(webinar: dict[str, Any], zone: str) -> str:
    start = datetime.fromisoformat(webinar["start"]).astimezone(ZoneInfo(zone))
    return f"{start:%H:%M} {start.tzname()} ({zone})"


def render(broadcast_id: int, notice: Notice, language: str, zone: str, *, now: datetime, uid: str) -> Reply:
    """The notice as one person sees it: their language, the start in their zone, the .ics (made
    ``now``, under the broadcast's ``uid``: see :func:`calendar_uid`) and a "Remind me" button."""
    text = notice.text_fr if language == "fr" and notice.text_fr else notice.text_en
    builder = ReplyBuilder()
    for paragraph_line in text.splitlines():
        builder.add(paragraph_line)
    attachment = None
    webinar = notice.webinar
    if webinar is not None:
        start = datetime.fromisoformat(webinar["start"]).astimezone(ZoneInfo(zone))
        builder.blank().add(bold(f"{t('notice.webinar', language)}{colon(language)} {webinar['title']}"))
        when = f"{short_date(start.date(), language)}, {local_start(webinar, zone)}"
        builder.add(f"{t('notice.when', language)}{colon(language)} {when}, "
                    + t("notice.minutes", language, minutes=webinar.get("duration_minutes", 60)))
        if webinar.get("speakers"):
            builder.add(f"{t('notice.speakers', language)}{colon(language)} {', '.join(webinar['speakers'])}")
        if webinar.get("topics"):
            builder.add(f"{t('notice.topics', language)}{colon(language)} "
                        + ", ".join(topic_name(topic, language) for topic in webinar["topics"]))
        if webinar.get("link"):
            builder.add(link(t("notice.join", language), webinar["link"]))
        builder.add(t("notice.calendar", language))
        attachment = Attachment(f"webinar-{broadcast_id}.ics", calendar_file(uid, webinar, now), "text/calendar")
        # Pressed by the person who got it: their reminder goes an hour before the start.
        builder.button(t("notice.remind_me", language), f"bc:{broadcast_id}:remind")
    builder.blank().add(t("notice.footer", language))
    reply = builder.build()
    return Reply(reply.lines, reply.buttons, attachment)


def calendar_uid(broadcast_id: int, created_at: datetime) -> str:
    """The broadcast's event UID: the same for every copy of its .ics, so adding it twice updates one
    event rather than making two. The creation time is in it because ids start again at 1 in another
    database (a test deployment, a reset): their broadcast 1 must not replace ours in a calendar."""
    made = created_at.astimezone(UTC).isoformat(timespec="seconds")
    return f"broadcast-{broadcast_id}-{hashlib.sha256(f'{broadcast_id}:{made}'.encode()).hexdigest()[:12]}@hcbot"


def calendar_file(uid: str, webinar: dict[str, Any], now: datetime) -> bytes:
    """An iCalendar event in UTC, so every calendar shows it at the right local time. DTSTAMP is
    when this copy was made (RFC 5545), not the start: a calendar compares it to know which copy of
    the event is newer."""
    start = datetime.fromisoformat(webinar["start"]).astimezone(UTC)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//hcbot//P2P notices//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=int(webinar.get("duration_minutes", 60))))
    event.add("summary", webinar["title"])
    if webinar.get("link"):
        event.add("url", webinar["link"])
        event.add("location", webinar["link"])
    if webinar.get("speakers"):
        event.add("description", "Speakers: " + ", ".join(webinar["speakers"]))
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def notice_of(broadcast: Broadcast) -> Notice:
    return Notice(broadcast.text_en or "", broadcast.text_fr, broadcast.webinar)


async def release(session: Session, broadcast: Broadcast, now: datetime,
                  hours: LadderSettings | None = None) -> int:
    """Writes the broadcast's outbox rows, one per recipient; returns how many were new. Each row
    is due at once, or, for a broadcast in local hours, at the recipient's next working-hours moment
    (the hours of the nudges: HCBOT_SEND_HOUR to HCBOT_LAST_HOUR)."""
    hours = hours or LadderSettings()
    audience = await expand(session, broadcast.audience)
    notice = notice_of(broadcast)
    payloads: dict[tuple[str, str], dict[str, Any]] = {}
    rows = []
    for recipient in audience.recipients:
        variant = (recipient.language, recipient.timezone if notice.webinar else "UTC")
        if variant not in payloads:
            payloads[variant] = reply_to_json(render(broadcast.id, notice, *variant, now=now,
                                                     uid=calendar_uid(broadcast.id, broadcast.created_at)))
        rows.append({"dedupe_key": f"broadcast:{broadcast.id}:{recipient.person_id}", "kind": "broadcast",
                     "person_id": recipient.person_id, "payload": payloads[variant],
                     "due_at": sending_slot(now, recipient.timezone, recipient.working_days, hours)
                     if broadcast.local_hours else now,
                     "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
                     "broadcast_id": broadcast.id})
    written = await stored.write_messages(session, rows)
    broadcast.status = BroadcastStatus.RELEASED
    broadcast.released_at = now
    broadcast.step = None
    broadcast.targeted = audience.matched
    broadcast.skipped = dict(audience.skipped)
    return written


async def release_due(session: Session, now: datetime, hours: LadderSettings | None = None) -> int:
    """Releases every scheduled broadcast whose time has come (the reconcile job calls this)."""
    written = 0
    for broadcast in await stored.due_for_release(session, now):
        written += await release(session, broadcast, now, hours)
    return written


async def schedule(session: Session, notice: Notice, audience: dict[str, Any], send_at: datetime,
                   now: datetime, created_by: Person | None, *, local_hours: bool = True,
                   hours: LadderSettings | None = None) -> Broadcast:
    broadcast = await stored.add_scheduled(session, created_by_id=created_by.id if created_by else None, now=now,
                                           text_en=notice.text_en, text_fr=notice.text_fr, webinar=notice.webinar,
                                           audience=audience, send_at=send_at, local_hours=local_hours)
    if send_at <= now:
        await release(session, broadcast, now, hours)
    return broadcast


class Cancelled(enum.Enum):
    """What cancelling a broadcast did."""

    ALREADY = "already"  # it was cancelled before
    BEFORE_RELEASE = "before_release"  # a draft or a scheduled one: nothing went out
    WITHDRAWN = "withdrawn"  # released: what had not gone out yet is withdrawn
    NOTHING_LEFT = "nothing_left"  # released and every message already gone: it stays released


@dataclass(frozen=True, slots=True)
class Cancellation:
    outcome: Cancelled
    withdrawn: int = 0
    gone: int = 0
    """Messages already sent, failed or being sent: beyond recall."""


async def cancel(session: Session, broadcast: Broadcast, now: datetime) -> Cancellation:
    """Stops a broadcast: not yet released, nothing goes out; released, what has not been sent yet
    is withdrawn (and counted). One whose every message has gone is left as it is, released: calling
    it cancelled would tell the report's reader that people did not get what they got."""
    if broadcast.status is BroadcastStatus.CANCELLED:
        return Cancellation(Cancelled.ALREADY)
    if broadcast.status is not BroadcastStatus.RELEASED:
        broadcast.status = BroadcastStatus.CANCELLED
        broadcast.cancelled_at = now
        broadcast.step = None
        return Cancellation(Cancelled.BEFORE_RELEASE)
    withdrawn = await stored.withdraw_pending(session, broadcast.id)
    gone = len(await stored.message_outcomes(session, broadcast.id))
    if not withdrawn:
        return Cancellation(Cancelled.NOTHING_LEFT, 0, gone)
    broadcast.skipped = {**broadcast.skipped, "cancelled": broadcast.skipped.get("cancelled", 0) + withdrawn}
    broadcast.status = BroadcastStatus.CANCELLED
    broadcast.cancelled_at = now
    broadcast.step = None
    return Cancellation(Cancelled.WITHDRAWN, withdrawn, gone)


@dataclass(slots=True)
class BroadcastReport:
    id: int
    status: str
    audience: str
    send_at: datetime | None
    targeted: int
    sent: int
    failed: int
    pending: int
    waiting: int
    in_doubt: int
    skipped: dict[str, int]
    failures: dict[str, int]
    took: timedelta | None

    def lines(self) -> list[str]:
        skipped = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(self.skipped.items())
                            if count) or "none"
        lines = [
            f"Broadcast {self.id}: {self.status}, audience {self.audience}"
            + (f", send at {self.send_at:%Y-%m-%d %H:%M} UTC" if self.send_at else ""),
            f"targeted {self.targeted}: sent {self.sent}, failed {self.failed}, pending {self.pending}"
            + (f" ({self.waiting} waiting for working hours in their timezone)" if self.waiting else "")
            + f", in doubt {self.in_doubt}, skipped {skipped}",
        ]
        for reason, count in sorted(self.failures.items(), key=lambda item: -item[1]):
            lines.append(f"  failed {count}: {reason}")
        if self.took is not None:
            lines.append(f"took {self.took.total_seconds():.1f} s from release to last message")
        if self.in_doubt:
            lines.append("in doubt: the platform may or may not have them (the bot stopped mid-send, or the "
                         "platform's answer was lost); not resent: at most once")
        return lines


async def report(session: Session, broadcast: Broadcast, now: datetime) -> BroadcastReport:
    counts: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    last_sent: datetime | None = None
    for outcome in await stored.message_outcomes(session, broadcast.id):
        counts[outcome.status.value] += 1
        if outcome.status is OutboxStatus.PENDING and outcome.due_at > now:
            counts["waiting"] += 1
        if outcome.status is OutboxStatus.FAILED:
            failures[_reason(outcome.last_error)] += 1
        if outcome.sent_at is not None and (last_sent is None or outcome.sent_at > last_sent):
            last_sent = outcome.sent_at
    took = (last_sent - broadcast.released_at) if last_sent and broadcast.released_at else None
    return BroadcastReport(broadcast.id, broadcast.status.value, describe_audience(broadcast.audience),
                           broadcast.send_at, broadcast.targeted, counts["sent"], counts["failed"], counts["pending"],
                           counts["waiting"], counts["sending"],
                           {key: int(value) for key, value in broadcast.skipped.items()}, dict(failures), took)


def _reason(error: str | None) -> str:
    """Failure reasons grouped: the platform's words without the ids that make each one unique."""
    return re.sub(r"\d{3,}", "N", (error or "unknown")[:120])
