"""The secretariat's broadcasts from the chat, as on the command line: /broadcast list, /broadcast
status N, /broadcast cancel N (/annonce liste, statut, annuler).

The numbers and outcomes are those of ``hcbot broadcast`` (:mod:`handlers.broadcasts.sending`);
only the wording is the chat's: short lines, in the person's language, times in their zone.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.broadcasts import sending
from handlers.broadcasts.reach import left_out
from handlers.context import Turn
from handlers.dates import short_date
from handlers.errors import BadInput, NotFound
from handlers.i18n import t, tn
from handlers.messages import Reply, ReplyBuilder, bold, text_reply
from storage import broadcasts as stored
from storage.models import Broadcast, BroadcastStatus, OutboxStatus

LISTED = 10
"""How many broadcasts /broadcast list shows: a phone screen; the shell lists them all."""
TITLE_LENGTH = 40
# A broadcast's number as typed: "3", "#3", "n°3". More than 9 digits is no broadcast of ours,
# and would not fit the database's integer.
_NUMBER = re.compile(r"(?:#|n°|no\.?\s*)?(\d{1,9})", re.IGNORECASE)
# The sub-command's word in the person's language, for the sentence that shows how to type it.
COMMAND_WORDS = {"status": ("status", "statut"), "cancel": ("cancel", "annuler")}


def zone_of(turn: Turn) -> ZoneInfo:
    person = turn.person
    name = (person.timezone or (person.operation.timezone if person.operation else None)) if person else None
    return ZoneInfo(name or "UTC")


def when(moment: datetime, turn: Turn, *, clock: bool = True) -> str:
    """A moment in the person's zone: "24 Nov 2026, 09:00 CET" (or the date alone)."""
    local = moment.astimezone(zone_of(turn))
    day = short_date(local.date(), turn.language)
    return f"{day}, {local:%H:%M} {local.tzname()}" if clock else day


def number_of(turn: Turn, typed: str, command: str) -> int:
    found = _NUMBER.fullmatch(typed.strip())
    if found is None:
        english, french = COMMAND_WORDS[command]
        raise BadInput("broadcast.not_a_number", value=typed.strip()[:20],
                       command=french if turn.language == "fr" else english)
    return int(found.group(1))


async def by_number(turn: Turn, typed: str, command: str) -> Broadcast:
    number = number_of(turn, typed, command)
    broadcast = await stored.by_id(turn.session, number)
    if broadcast is None:
        raise NotFound("broadcast.no_such", id=number)
    return broadcast


def meant_for(targeted: int, skipped: dict[str, int]) -> int:
    """How many it was sent to: those it matched but the people left out (opted out, no chat),
    who are counted apart. Messages withdrawn by a cancel were meant for someone: they stay in."""
    return targeted - sum(count for reason, count in skipped.items() if reason != "cancelled")


def title_of(broadcast: Broadcast) -> str:
    """What the secretariat calls it: the webinar's title, or the text's first line."""
    title = (broadcast.webinar or {}).get("title") or next(
        (text_line.strip() for text_line in (broadcast.text_en or "").splitlines() if text_line.strip()), "")
    return title if len(title) <= TITLE_LENGTH else title[:TITLE_LENGTH - 1].rstrip() + "…"


def state_of(broadcast: Broadcast, turn: Turn) -> str:
    status = broadcast.status
    if status is BroadcastStatus.DRAFT:
        mine = turn.person is not None and broadcast.created_by_id == turn.person.id
        return t("broadcast.state_yours" if mine else "broadcast.state_draft", turn.language)
    if status is BroadcastStatus.SCHEDULED and broadcast.send_at is not None:
        return t("broadcast.state_scheduled", turn.language, when=when(broadcast.send_at, turn))
    if status is BroadcastStatus.RELEASED and broadcast.released_at is not None:
        return t("broadcast.state_released", turn.language, when=when(broadcast.released_at, turn))
    if status is BroadcastStatus.CANCELLED and broadcast.cancelled_at is not None:
        return t("broadcast.state_cancelled", turn.language, when=when(broadcast.cancelled_at, turn, clock=False))
    return t(f"broadcast.state_{status.value}", turn.language, when="")


async def list_broadcasts(turn: Turn) -> list[Reply]:
    """The latest broadcasts, newest first: number, state, when, title, how many were sent."""
    found = await stored.newest_first(turn.session, LISTED)
    if not found:
        return [text_reply(t("broadcast.list_empty", turn.language))]
    counts = await stored.outcome_counts(turn.session, [broadcast.id for broadcast in found])
    builder = ReplyBuilder().add(bold(t("broadcast.list_title", turn.language)))
    for broadcast in found:
        parts = [f"#{broadcast.id} {state_of(broadcast, turn)}"]
        if broadcast.targeted:
            parts.append(tn("broadcast.list_sent", counts[broadcast.id].get(OutboxStatus.SENT, 0), turn.language,
                            targeted=meant_for(broadcast.targeted, broadcast.skipped)))
        if title := title_of(broadcast):
            parts.append(title)
        builder.add(" · ".join(parts))
    total = await stored.count(turn.session)
    if total > len(found):
        builder.add(tn("broadcast.list_more", total - len(found), turn.language))
    return [builder.build()]


async def status(turn: Turn, typed: str) -> list[Reply]:
    """How far a broadcast got (the latest one beyond a draft, or /broadcast status N)."""
    if typed.strip():
        broadcast: Broadcast | None = await by_number(turn, typed, "status")
    else:
        broadcast = await stored.latest_beyond_draft(turn.session)
        if broadcast is None:
            raise NotFound("broadcast.none")
    assert broadcast is not None
    found = await sending.report(turn.session, broadcast, turn.now)
    language = turn.language
    builder = ReplyBuilder().add(bold(t("broadcast.status_title", language, id=broadcast.id,
                                        state=state_of(broadcast, turn))))
    if title := title_of(broadcast):
        builder.add(title)
    builder.add(t("broadcast.status_audience", language, audience=sending.describe_audience(broadcast.audience,
                                                                                          language)))
    if broadcast.status is not BroadcastStatus.DRAFT and (broadcast.released_at or found.targeted):
        builder.add(tn("status.sent", found.sent, language, targeted=meant_for(found.targeted, found.skipped)))
        if found.failed:
            builder.add(tn("status.failed", found.failed, language))
            for reason, count in sorted(found.failures.items(), key=lambda item: -item[1]):
                builder.add(tn("status.failure", count, language, reason=reason))
        if found.waiting:
            builder.add(tn("status.waiting", found.waiting, language))
        if found.pending - found.waiting:
            builder.add(tn("status.pending", found.pending - found.waiting, language))
        if found.in_doubt:
            builder.add(tn("status.in_doubt", found.in_doubt, language))
        if reasons := left_out(found.skipped, language):
            builder.add(t("broadcast.left_out", language, reasons=reasons))
        if found.took is not None:
            builder.add(t("broadcast.status_took", language, seconds=f"{found.took.total_seconds():.1f}"))
    return [builder.build()]


async def cancel(turn: Turn, typed: str) -> list[Reply]:
    """/broadcast cancel N: what has not gone out is withdrawn; said plainly when nothing was left."""
    broadcast = await by_number(turn, typed, "cancel")
    done = await sending.cancel(turn.session, broadcast, turn.now)
    return [text_reply(cancellation(broadcast.id, done, turn.language))]


def cancellation(number: int, done: sending.Cancellation, language: str) -> str:
    """What cancelling did, in a sentence or two (the shell prints the same, in English)."""
    if done.outcome is sending.Cancelled.ALREADY:
        return t("broadcast.cancel_already", language, id=number)
    if done.outcome is sending.Cancelled.BEFORE_RELEASE:
        return t("broadcast.cancelled_unsent", language, id=number)
    if done.outcome is sending.Cancelled.NOTHING_LEFT:
        return t("broadcast.cancel_nothing_left", language, id=number)
    withdrawn = tn("broadcast.cancel_withdrawn", done.withdrawn, language, id=number)
    return withdrawn + (" " + tn("broadcast.cancel_gone", done.gone, language) if done.gone else "")
