"""Delivering the outbox through the platforms the bot runs on, under their rate limits.

Rows are claimed in small chunks (pending -> sending) in one short transaction, sent concurrently
(one chat's messages in order), and the outcomes of the chunk are recorded in one more. A crash
between a send and its record leaves the row in "sending": it is never sent again (the bot errs
towards at most once), and ``in_doubt`` lists such rows for the secretariat. The chunk size bounds
how many rows a crash can leave in doubt.

Outcomes, by what the platform said:

- a rate limit (429) pauses the whole platform for its ``retry_after``, then the same message is sent
  again in the same pass; a long wait goes back to the outbox with that time;
- a server error or a network failure goes back to the outbox with exponential backoff;
- "this person cannot be reached" (Telegram 403, a blocked bot; Slack ``user_not_found``...) marks the
  chat identity inactive and fails the row with the reason; the person's other chats stay usable;
- after ``MAX_ATTEMPTS`` the row fails for good, with its last reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter

from handlers.accounts import deactivate_chat
from handlers.messages import Reply, reply_from_json
from handlers.nudges.spacing import ONE_VOICE
from storage import outbox, rates
from storage.database import Database

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CHAT_BURST = 3
# A rate-limit wait longer than this goes back to the outbox rather than holding the pass.
MAX_INLINE_WAIT = 60.0


class DeliveryError(Exception):
    """A send that did not happen.

    ``retry_after`` (seconds) for rate limits; ``unreachable`` when this chat can never be reached
    again until the person writes (they blocked the bot, left the workspace): the identity is marked
    inactive; ``permanent`` when retrying cannot help for this message.
    """

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False,
                 unreachable: bool = False, rendering: bool = False, ambiguous: bool = False) -> None:
        super().__init__(reason)
        # The request was written but no answer came (a read timeout, a reset after sending): the
        # platform may have delivered it. Like a crash, such a message is in doubt.
        self.ambiguous = ambiguous
        self.retry_after = retry_after
        self.permanent = permanent or unreachable or rendering
        self.unreachable = unreachable
        # The platform refused the message's markup or size: sending it as plain text may pass.
        self.rendering = rendering


@dataclass(frozen=True, slots=True)
class RateLimits:
    """What a platform accepts: messages per second overall, and per chat (None: no limit)."""

    overall_per_second: float | None = None
    per_chat_per_second: float | None = None
    # Sends in flight at once (None: a whole chunk). Some client libraries pay per open connection.
    concurrent: int | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who a message goes to, and through which chat. A reply to someone not registered has no
    person: ``person_id`` is None and the name and e-mail are empty."""

    person_id: int | None
    name: str
    email: str
    language: str
    platform: str
    chat_id: str
    thread: str | None = None
    # A reply to what the person just wrote, rather than a proactive message.
    live: bool = False


class Messenger(Protocol):
    """One platform's way of sending a reply to a chat. Implementations translate the platform's
    errors into ``DeliveryError``; they do not retry or wait: the deliverer does."""

    platform: str
    limits: RateLimits

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        """Sends one reply to one chat, or raises DeliveryError. ``plain``: without markup, after
        the platform refused the formatted one."""
        ...


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deactivated: int = 0
    rate_limited: int = 0
    in_doubt: int = 0


@dataclass(slots=True)
class _Job:
    message_id: int
    attempts: int
    reply: Reply
    recipient: Recipient | None
    # Set when no chat could be chosen: failed for good, or back to the outbox.
    problem: str | None = None
    retry_later: bool = False


@dataclass(slots=True)
class _Outcome:
    message_id: int
    sent: bool = False
    error: DeliveryError | None = None
    recipient: Recipient | None = None


class SharedBudget:
    """A platform's overall rate as one budget in the database, for every replica together.

    Time is cut into slots of a tenth of a second, each with a tenth of the rate (a slot of a whole
    second for rates under ten a second); each send takes a unit of the current slot and waits for
    the next one when it is spent. Small slots keep the sends even across the second, so that a
    send delayed a little on its way (a loaded replica) cannot pile a second's worth onto the next.
    Wall-clock, not the bot's clock: this is about the platform's seconds. A rate that is not a
    multiple of ten is rounded down (25 a second is sent at 20), never up."""

    def __init__(self, database: Database, platform: str, per_second: float) -> None:
        self.database = database
        self.platform = platform
        self.slots_per_second = 10 if per_second >= 10 else 1
        self.limit = max(1, int(per_second) // self.slots_per_second)

    def slot(self, moment: float) -> int:
        """The slot's number, counted in tenths of a second whatever its length, so that old
        slots of every platform are forgotten alike."""
        return int(moment * self.slots_per_second) * (10 // self.slots_per_second)

    async def take(self) -> None:
        while True:
            moment = time.time()
            slot = self.slot(moment)
            async with self.database.transaction() as session:
                if await rates.take(session, self.platform, slot, self.limit):
                    return
            next_slot = (int(moment * self.slots_per_second) + 1) / self.slots_per_second
            await asyncio.sleep(max(0.001, next_slot - time.time()))


class _PlatformGate:
    """A platform's limits: a limiter overall, one per chat (the most recent chats kept), and a
    pause that a 429 puts on every send to the platform."""

    def __init__(self, limits: RateLimits, max_chats: int = 20_000, shared: SharedBudget | None = None) -> None:
        self.limits = limits
        self.shared = shared
        rate = limits.overall_per_second
        # A bucket a tenth of a second deep: the platform sees an even rate, not a burst of a full
        # second's worth at the start of every broadcast.
        self.overall = AsyncLimiter(max(1.0, rate / 10), 0.1 if rate >= 10 else 1 / rate) if rate else None
        self.in_flight = asyncio.Semaphore(limits.concurrent) if limits.concurrent else None
        self._chats: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._max_chats = max_chats
        self.paused_until = 0.0

    def _chat(self, chat_id: str) -> AsyncLimiter | None:
        rate = self.limits.per_chat_per_second
        if not rate:
            return None
        # About one a second, with a burst of three: an answer that takes three messages (a long
        # product, a reply and its check-in prompt) is not held back a second between each.
        limiter = self._chats.pop(chat_id, None) or AsyncLimiter(CHAT_BURST, CHAT_BURST / rate)
        self._chats[chat_id] = limiter
        if len(self._chats) > self._max_chats:
            self._chats.popitem(last=False)
        return limiter

    async def pace(self, chat_id: str) -> None:
        """Waits for the chat's own pace (about one message a second)."""
        chat = self._chat(chat_id)
        if chat is not None:
            await chat.acquire()

    async def wait(self, *, live: bool = False) -> None:
        """Waits for the platform's pause and (for the outbox's bulk) the overall rate. A reply to
        someone who just wrote is paced per chat only: it must not queue behind a broadcast of
        thousands, and the few there are fit in the platforms' margins."""
        # Not a poll: it sleeps until the pause ends, and again only if a 429 meanwhile pushed the end later.
        while (pause := self.paused_until - time.monotonic()) > 0:  # noqa: ASYNC110 - a moving deadline, no event
            await asyncio.sleep(pause)
        if live:
            return
        if self.overall is not None:
            await self.overall.acquire()
        if self.shared is not None:
            await self.shared.take()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)


def choose_identity(identities: Sequence[outbox.ChatRow], platforms: Mapping[str, object]) -> outbox.ChatRow | None:
    """The active chat on a running platform where the person was seen last (then the newest link)."""
    usable = [identity for identity in identities if identity.active and identity.platform in platforms]
    if not usable:
        return None
    return max(usable, key=lambda identity: (identity.last_seen_at is not None, identity.last_seen_at or 0,
                                             identity.id))


class _GroupRecord:
    """The records of live replies sent at about the same time, written in one transaction (a
    group commit): with many people answered at once, each reply's own transaction to mark it sent
    was a tenth of a question's CPU. A reply's sender waits until its record is committed, as
    before; the states written are the same."""

    def __init__(self, write: Callable[[list[_Job], list[_Outcome], DeliveryReport], Awaitable[None]]) -> None:
        self._write = write
        self._waiting: list[tuple[list[_Job], list[_Outcome], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, jobs: list[_Job], outcomes: list[_Outcome]) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((jobs, outcomes, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._write_all())
        await done

    async def _write_all(self) -> None:
        # Whatever queued while a group was being written goes in the next one.
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._write([job for jobs, _o, _d in group for job in jobs],
                                  [outcome for _j, outcomes, _d in group for outcome in outcomes], DeliveryReport())
            except BaseException as error:
                for _jobs, _outcomes, done in group:
                    if not done.done():
                        done.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                for _jobs, _outcomes, done in group:
                    if not done.done():
                        done.set_result(None)


class Deliverer:
    """Sends what the outbox holds. One per process: it keeps each platform's rate limiters
    between passes. ``fallback`` (the console) takes messages for people with no chat on a
    running platform, so a demo shows everything the bot would send."""

    def __init__(self, database: Database, messengers: Sequence[Messenger], *, fallback: Messenger | None = None,
                 now: Callable[[], datetime], chunk: int = 30, resend_in_doubt: bool = False,
                 shared_budget: bool | None = None) -> None:
        self.database = database
        # The operator's choice for a send whose answer was lost: at most once (the default: a
        # person may miss a message) or at least once (a person may get it twice).
        self.resend_in_doubt = resend_in_doubt
        self.messengers = {messenger.platform: messenger for messenger in messengers}
        self.fallback = fallback
        self.now = now
        self.chunk = chunk
        # Several replicas share a database only on PostgreSQL: there the platform's limit is one
        # budget for all of them; SQLite runs one process, whose own limiter is enough.
        self.shared_budget = database.dialect == "postgresql" if shared_budget is None else shared_budget
        self._gates = {messenger.platform: self._gate(messenger) for messenger in messengers}
        if fallback is not None:
            self._gates.setdefault(fallback.platform, _PlatformGate(fallback.limits))
        self._stopping = False
        self._live_records = _GroupRecord(self._record)

    def _gate(self, messenger: Messenger) -> _PlatformGate:
        rate = messenger.limits.overall_per_second
        shared = SharedBudget(self.database, messenger.platform, rate) if self.shared_budget and rate else None
        return _PlatformGate(messenger.limits, shared=shared)

    def use_fallback(self, messenger: Messenger) -> None:
        """Messages for people with no chat on a running platform go to ``messenger`` (the console)."""
        self.fallback = messenger
        self._gates.setdefault(messenger.platform, self._gate(messenger))

    def register(self, messenger: Messenger) -> None:
        """Adds a platform that started after the deliverer was built (the composition root builds
        the deliverer first: the adapters need the live path, which needs the deliverer)."""
        self.messengers[messenger.platform] = messenger
        self._gates[messenger.platform] = self._gate(messenger)

    async def forget_spent_budgets(self) -> None:
        """Drops the shared budget's slots older than a minute (cleaned hourly)."""
        if self.shared_budget:
            async with self.database.transaction() as session:
                await rates.forget_before(session, int((time.time() - 60) * 10))

    def request_stop(self) -> None:
        """Finish the chunk in flight, then stop: SIGTERM loses nothing and waits little."""
        self._stopping = True

    async def deliver(self, *, limit: int | None = None) -> DeliveryReport:
        """Sends every due row (or up to ``limit``), chunk by chunk, until none is left."""
        report = DeliveryReport()
        done = 0
        while not self._stopping and (limit is None or done < limit):
            size = self.chunk if limit is None else min(self.chunk, limit - done)
            jobs = await self._claim(size)
            if not jobs:
                break
            done += len(jobs)
            outcomes = await self._send_all(jobs, report)
            await self._record(jobs, outcomes, report)
        return report

    async def deliver_claimed(self, claimed: list[outbox.Claimed]) -> set[int]:
        """Sends rows their writer claimed (a live message's replies, written already claimed in its
        transaction) through the same path as every other row (pacing, retries, deactivation);
        returns the ids that went out."""
        if not claimed:
            return set()
        jobs = self._jobs(claimed, {}, {})
        outcomes = await self._send_all(jobs, DeliveryReport())
        await self._live_records.record(jobs, outcomes)
        return {outcome.message_id for outcome in outcomes if outcome.sent}

    async def _claim(self, size: int) -> list[_Job]:
        async with self.database.transaction() as session:
            claimed = await outbox.claim(session, self.now(), size, one_voice=ONE_VOICE)
            if not claimed:
                return []
            people, chats = await outbox.recipients(
                session, {row.person_id for row in claimed if row.person_id is not None and row.chat_id is None})
            return self._jobs(claimed, people, chats)

    def _jobs(self, claimed: list[outbox.Claimed], people: Mapping[int, outbox.PersonRow],
              chats: Mapping[int, list[outbox.ChatRow]]) -> list[_Job]:
        jobs = []
        for row in claimed:
            if row.chat_id is not None and row.platform is not None:
                reply = reply_from_json(row.payload)
                if row.platform not in self.messengers and self.fallback is None:
                    jobs.append(_Job(row.id, row.attempts, reply, None, f"no running platform for {row.platform}",
                                     retry_later=True))
                    continue
                language = str(row.payload.get("language") or "en")
                # A row for a chat that answers nothing just written (the secretariat's channel; the
                # secretariat's answer to a stranger) is proactive: paced with the bulk, and shown so.
                proactive = bool(row.payload.get("proactive"))
                name, address = (str(row.payload.get("to") or ""), row.chat_id) if proactive else ("", "")
                jobs.append(_Job(row.id, row.attempts, reply, Recipient(
                    row.person_id, name, address, language, row.platform, row.chat_id, row.thread,
                    live=not proactive)))
            elif row.person_id is not None and row.person_id in people:
                jobs.append(self._job(row, people[row.person_id], chats.get(row.person_id, [])))
            else:
                jobs.append(_Job(row.id, row.attempts, reply_from_json(row.payload), None, "no recipient"))
        return jobs

    def _job(self, row: outbox.Claimed, person: outbox.PersonRow, identities: list[outbox.ChatRow]) -> _Job:
        reply = reply_from_json(row.payload)
        identity = choose_identity(identities, self.messengers)

        def recipient(platform: str, chat_id: str) -> Recipient:
            return Recipient(person.id, person.name, person.email, person.language, platform, chat_id)

        if identity is not None:
            return _Job(row.id, row.attempts, reply, recipient(identity.platform, identity.chat_id))
        if self.fallback is not None:
            return _Job(row.id, row.attempts, reply, recipient(self.fallback.platform, person.email))
        active = [identity for identity in identities if identity.active]
        if active:
            # Linked on a platform this process does not run (its credentials are missing here, or
            # it runs on another replica): keep the message and try again later.
            platforms = ", ".join(sorted({identity.platform for identity in active}))
            return _Job(row.id, row.attempts, reply, None, f"no running platform for {platforms}", retry_later=True)
        reason = "no active chat (blocked or never linked)" if identities else "no linked chat"
        return _Job(row.id, row.attempts, reply, None, reason)

    async def _send_all(self, jobs: list[_Job], report: DeliveryReport) -> list[_Outcome]:
        by_chat: dict[tuple[str, str], list[_Job]] = {}
        for job in jobs:
            if job.recipient is not None:
                by_chat.setdefault((job.recipient.platform, job.recipient.chat_id), []).append(job)

        async def one_chat(chat_jobs: list[_Job]) -> list[_Outcome]:
            return [await self._send_one(job, report) for job in chat_jobs]

        results = await asyncio.gather(*(one_chat(chat_jobs) for chat_jobs in by_chat.values()))
        return [outcome for chat_outcomes in results for outcome in chat_outcomes]

    async def _send_one(self, job: _Job, report: DeliveryReport) -> _Outcome:
        assert job.recipient is not None
        recipient = job.recipient
        messenger = self.messengers.get(recipient.platform) or self.fallback
        assert messenger is not None
        gate = self._gates[messenger.platform]
        plain = False
        while True:
            if self._stopping and (pause := gate.paused_until - time.monotonic()) > 0:
                # Stopping: no waiting out a rate limit; the row goes back to the outbox.
                return _Outcome(job.message_id, error=DeliveryError("stopping", retry_after=pause),
                                recipient=recipient)
            try:
                # The chat's pace before a connection is taken: a person who sent four messages
                # at once waits a second for the fourth reply, and must not hold one of the few
                # connections meanwhile (every other person's reply queued behind it).
                await gate.pace(recipient.chat_id)
                if gate.in_flight is None:
                    await gate.wait(live=recipient.live)
                    await messenger.send(recipient, job.reply, plain=plain)
                else:
                    # The overall rate is taken once a connection is free, not before: sends that
                    # took their turn and then queued for a connection would reach the platform in
                    # a burst.
                    async with gate.in_flight:
                        await gate.wait(live=recipient.live)
                        await messenger.send(recipient, job.reply, plain=plain)
            except DeliveryError as error:
                if error.retry_after is not None and error.retry_after <= MAX_INLINE_WAIT and not self._stopping:
                    # The platform asked every sender to slow down, not just this message.
                    report.rate_limited += 1
                    gate.pause(error.retry_after)
                    continue
                if error.rendering and not plain:
                    # Once, without markup: a person is better served by plain words than by nothing.
                    logger.warning("outbox row %s to %s refused as formatted (%s): sending it as plain text",
                                   job.message_id, recipient.platform, error)
                    plain = True
                    continue
                # The reason only: a chat id is enough to find the row, and no message text is logged.
                logger.warning("outbox row %s to %s failed: %s", job.message_id, recipient.platform, error)
                return _Outcome(job.message_id, error=error, recipient=recipient)
            except Exception as error:  # a bug in a translator must not stall the outbox
                logger.exception("sending outbox row %s through %s failed", job.message_id, recipient.platform)
                return _Outcome(job.message_id, error=DeliveryError(f"internal error: {type(error).__name__}"),
                                recipient=recipient)
            return _Outcome(job.message_id, sent=True, recipient=recipient)

    async def _record(self, jobs: list[_Job], outcomes: list[_Outcome], report: DeliveryReport) -> None:
        now = self.now()
        attempts = {job.message_id: job.attempts for job in jobs}
        async with self.database.transaction() as session:
            sent = [(outcome.message_id, f"{outcome.recipient.platform}:{outcome.recipient.chat_id}")
                    for outcome in outcomes if outcome.sent and outcome.recipient is not None]
            await outbox.mark_sent_many(session, sent, now)
            report.sent += len(sent)
            for job in jobs:
                if job.recipient is not None:
                    continue
                assert job.problem is not None
                if job.retry_later and job.attempts < MAX_ATTEMPTS:
                    await outbox.mark_retry(session, job.message_id, job.problem, now + outbox.backoff(job.attempts))
                    report.retried += 1
                else:
                    await outbox.mark_failed(session, job.message_id, job.problem)
                    report.failed += 1
            for outcome in outcomes:
                error = outcome.error
                if error is None:
                    continue
                assert outcome.recipient is not None
                if error.unreachable:
                    report.deactivated += await deactivate_chat(session, outcome.recipient.platform,
                                                                outcome.recipient.chat_id, str(error))
                tries = attempts[outcome.message_id]
                if error.ambiguous and not self.resend_in_doubt:
                    # Left "sending", never sent again: at most once. Counted as in doubt.
                    await outbox.mark_in_doubt(session, outcome.message_id, str(error))
                    report.in_doubt += 1
                elif error.permanent or tries >= MAX_ATTEMPTS:
                    await outbox.mark_failed(session, outcome.message_id, str(error))
                    report.failed += 1
                else:
                    wait = (timedelta(seconds=error.retry_after) if error.retry_after is not None
                            else outbox.backoff(tries))
                    await outbox.mark_retry(session, outcome.message_id, str(error), now + wait)
                    report.retried += 1


async def in_doubt(database: Database, now: datetime, older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Rows claimed but never recorded: the process died between sending and recording."""
    async with database.transaction() as session:
        return await outbox.in_doubt(session, now - older_than)
