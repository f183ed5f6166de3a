"""What is due at ``now``, and bringing the database up to it.

Two halves. ``due`` and ``reminders_due`` are pure: given what the database holds (open plans,
people, who is linked or already in a check-in), they list the candidates, each an outbox row under
a unique dedupe key: deadline nudges, secretariat escalations, check-in prompts, reminders. The
writers then queue each candidate not queued before; a check-in prompt also opens its check-in
session (the prompt asks its first question). Besides the outbox, a pass closes check-ins abandoned
for too long and releases the scheduled broadcasts whose time has come.

Running it every minute, twice at once, or after a week of downtime gives the same rows: the dedupe
keys make every write idempotent. The database is the only source of truth: no schedule lives in
memory.
"""

from __future__ import annotations

import asyncio
import enum
import gc
from bisect import bisect_right
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from time import monotonic
from typing import Protocol
from zoneinfo import ZoneInfo

from handlers.broadcasts import reminders, sending
from handlers.checkins import dialogue
from handlers.dates import short_date
from handlers.i18n import english_count, t, tn
from handlers.messages import ReplyBuilder, bold, reply_to_json
from handlers.nudges import spacing
from handlers.nudges.deadlines import (
    LadderSettings,
    Step,
    ladder,
    latest_due,
    send_at,
    sending_slot,
    update_due_on,
    working_day,
    working_days_between,
)
from storage import accounts, checkins, outbox, plans
from storage import repositories as repo
from storage.accounts import PersonSummary
from storage.database import Database, Session, plan_each_statement_with_its_values
from storage.models import CheckinSession, CheckinStep, Person, Role, Status
from storage.outbox import QueuedNudge, WaitingMessage
from storage.plans import LatestStatus, OpenPlan


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    ladder: LadderSettings = field(default_factory=LadderSettings)
    checkin_reminder_after: timedelta = timedelta(hours=48)
    checkin_expires_after: timedelta = timedelta(days=7)
    stale_after: timedelta = timedelta(days=30)


@dataclass(slots=True)
class ReconcileReport:
    nudges: int = 0
    escalations: int = 0
    checkins: int = 0
    reminders: int = 0
    expired: int = 0
    broadcast_messages: int = 0
    webinar_reminders: int = 0
    held_back: int = 0
    spaced: int = 0

    def __str__(self) -> str:
        return (f"{english_count(self.nudges, 'nudge')}, {english_count(self.escalations, 'escalation')}, "
                f"{english_count(self.checkins, 'check-in')}, {english_count(self.reminders, 'reminder')}, "
                f"{english_count(self.expired, 'expired check-in')} queued or closed, "
                f"{english_count(self.broadcast_messages, 'broadcast message')} released, "
                f"{english_count(self.webinar_reminders, 'webinar reminder')} queued, "
                f"{english_count(self.held_back, 'nudge')} held back, "
                f"{english_count(self.spaced, 'message')} spaced")


class PlanLike(Protocol):
    @property
    def adopted_on(self) -> date: ...
    @property
    def update_due_on(self) -> date | None: ...
    @property
    def window_closes_months(self) -> int | None: ...
    @property
    def nudge_days_before(self) -> list[int] | None: ...


def plan_ladder(plan: PlanLike, settings: ScheduleSettings) -> LadderSettings:
    """The global ladder with this plan's own overrides."""
    base = settings.ladder
    return LadderSettings(
        window_opens_months=min(base.window_opens_months, plan.window_closes_months or base.window_closes_months),
        window_closes_months=plan.window_closes_months or base.window_closes_months,
        days_before=tuple(plan.nudge_days_before) if plan.nudge_days_before else base.days_before,
        overdue_every_days=base.overdue_every_days,
        overdue_max=base.overdue_max,
        escalate_after_days=base.escalate_after_days,
        send_hour=base.send_hour,
        last_hour=base.last_hour,
    )


def plan_steps(plan: PlanLike, settings: ScheduleSettings, until: datetime) -> tuple[LadderSettings, list[Step]]:
    own = plan_ladder(plan, settings)
    due_on = update_due_on(plan.adopted_on, plan.update_due_on, own)
    return own, ladder(plan.adopted_on, due_on, own, until=until.date() + timedelta(days=1))


def _paused(until: datetime | None, now: datetime) -> bool:
    return until is not None and until > now


class Kind(enum.StrEnum):
    """What a candidate is; also the outbox row's ``kind``."""

    NUDGE = "nudge"
    ESCALATION = "escalation"
    CHECKIN = "checkin"
    REMINDER = "reminder"


@dataclass(slots=True)
class Candidate:
    """One outbox row that is due, before it is written."""

    key: str
    kind: Kind
    person: PersonSummary
    plan: OpenPlan | None
    due_at: datetime
    step: Step | None = None
    due_on: date | None = None
    checkin: CheckinSession | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the database holds that decides what is due, read in a few set-based queries."""

    plans: list[OpenPlan]
    people: list[PersonSummary]
    linked: set[int]
    """People with an active chat."""
    owners: dict[int, set[int]]
    """Per plan, the registered owners of its actions."""
    busy: set[int]
    """People already in an open check-in."""


async def read_facts(session: Session, *, between: Callable[[], Awaitable[None]] | None = None) -> Facts:
    """The facts in the caller's transaction; the big reads a thousand rows at a time, ``between``
    awaited after each thousand (a pass's ``Pacer.breathe``: 10,000 rows turned into objects at once
    held the event loop over 100 ms)."""
    return Facts(plans=await plans.open_plans(session, between=between),
                 people=await accounts.everyone(session, between=between),
                 linked=await accounts.people_with_active_chat(session, between=between),
                 owners=await plans.owners_by_plan(session, between=between),
                 busy=await checkins.people_in_checkin(session))


def _cycle_instant(plan: OpenPlan, cycle: int, settings: ScheduleSettings) -> datetime:
    return _cycle_moment(plan.adopted_on, plan.checkin_every_weeks, cycle, plan.working_days, plan.timezone,
                         settings.ladder.send_hour)


@lru_cache(maxsize=65_536)
def _cycle_moment(adopted_on: date, every_weeks: int, cycle: int, working_days: frozenset[int], timezone: str,
                  send_hour: int) -> datetime:
    """When check-in cycle ``cycle`` opens (memoised like the ladder: see deadlines._MEMO)."""
    day = adopted_on + timedelta(weeks=every_weeks * cycle)
    day = working_day(day, working_days, earlier=False)
    return datetime.combine(day, time(send_hour), tzinfo=ZoneInfo(timezone))


def _latest_cycle(plan: OpenPlan, now: datetime, settings: ScheduleSettings) -> int:
    cycle = max(0, (now.date() - plan.adopted_on).days // (7 * plan.checkin_every_weeks) + 1)
    while cycle > 0 and _cycle_instant(plan, cycle, settings) > now:
        cycle -= 1
    return cycle


NUDGE_LOOKAHEAD = timedelta(minutes=10)
"""How far ahead of its time a deadline nudge is written (due at its own time all the same). The
deliverer claims due rows every few seconds and a pass runs every minute: a notice waiting for
09:00 would otherwise go out at 09:00:05, before the pass that writes the 09:00 nudge; written ahead,
the nudge is there when the pass spaces them, and goes first."""


@dataclass(frozen=True, slots=True)
class Everyone:
    """The people of :class:`Facts` as :func:`due` looks them up, indexed once a pass."""

    hcs: dict[int, list[PersonSummary]]
    """Per operation, its HCs."""
    secretariat: list[PersonSummary]
    by_id: dict[int, PersonSummary]

    @classmethod
    def of(cls, facts: Facts) -> Everyone:
        hcs: dict[int, list[PersonSummary]] = {}
        for person in facts.people:
            if person.role is Role.HC and person.operation_id is not None:
                hcs.setdefault(person.operation_id, []).append(person)
        return cls(hcs, [person for person in facts.people if person.role is Role.SECRETARIAT],
                   {person.id: person for person in facts.people})


def due(facts: Facts, now: datetime, settings: ScheduleSettings, *, plans_now: list[OpenPlan] | None = None,
        everyone: Everyone | None = None) -> list[Candidate]:
    """Every nudge, escalation and check-in prompt due at ``now``, queued before or not; nudges
    up to :data:`NUDGE_LOOKAHEAD` ahead. ``plans_now``: only these of the facts' plans (a pass
    goes a few plans at a time), with ``everyone`` indexed once for all of them."""
    everyone = everyone or Everyone.of(facts)
    hcs, secretariat = everyone.hcs, everyone.secretariat
    open_plans = [plan for plan in (facts.plans if plans_now is None else plans_now)
                  if not _paused(plan.operation_paused_until, now)]
    candidates: list[Candidate] = []
    # Pauses are read at ``now``: a nudge is written ahead only for someone not paused now. Its due
    # time is its step's own (a step within the look-ahead), or now's working-hours slot (a catch-up).
    ahead = now + NUDGE_LOOKAHEAD
    for plan in open_plans:
        rungs = _rungs_of(plan, settings, ahead)
        own, due_on = rungs.own, rungs.due_on
        step = rungs.latest_due(plan, ahead)
        leaders = [person for person in hcs.get(plan.operation_id, []) if not _paused(person.paused_until, now)]
        if step is not None and leaders:
            due_at = sending_slot(max(now, send_at(step, plan.timezone, plan.working_days, own)), plan.timezone,
                                  plan.working_days, own)
            candidates.append(Candidate(plans.nudge_key(plan.id, step.key), Kind.NUDGE, leaders[0], plan, due_at,
                                        step, due_on))
        for moment, escalation in rungs.escalations:
            if moment <= now:
                candidates += [Candidate(f"escalate:{plan.id}:{escalation.key}:{person.id}", Kind.ESCALATION,
                                         person, plan, now, escalation, due_on) for person in secretariat]
    return candidates + _checkins_due(facts, open_plans, everyone, now, settings)


@dataclass(slots=True)
class _Rungs:
    """One plan's ladder as :func:`due` reads it on one day, worked out once and kept between
    passes: a pass every minute over 10,000 plans recomputed the same ladders, their send times and
    their latest step each time (half the CPU of a steady pass). A pure cache of pure functions,
    under everything they read (the plan's dates, overrides, zone and working days; the settings;
    the day ``until``): a fresh process, or a changed plan, works them out afresh."""

    inputs: tuple[object, ...]
    own: LadderSettings
    due_on: date
    moments: list[datetime]
    """The send times of the steps to the HC, in order: which of them have come decides
    ``latest_due``'s answer, so it is kept per how many have."""
    escalations: list[tuple[datetime, Step]]
    """The steps to the secretariat with their send times, in the ladder's order."""
    steps: list[Step]
    latest: dict[int, Step | None] = field(default_factory=dict)
    cycle: tuple[datetime | None, datetime, int] | None = None
    """The last check-in cycle found: from when (None: cycle 0, from the start), until when, which."""

    def latest_due(self, plan: OpenPlan, ahead: datetime) -> Step | None:
        come = bisect_right(self.moments, ahead)
        if come not in self.latest:
            self.latest[come] = latest_due(self.steps, plan.timezone, plan.working_days, self.own, ahead)
        return self.latest[come]


_RUNGS: dict[int, _Rungs] = {}
_RUNGS_KEPT = 131_072
"""Plans whose ladders are kept (by plan id): past it, the cache starts afresh."""


def _rungs_of(plan: OpenPlan, settings: ScheduleSettings, ahead: datetime) -> _Rungs:
    until = ahead.date() + timedelta(days=1)
    inputs = (plan.adopted_on, plan.update_due_on, plan.window_closes_months, plan.nudge_days_before,
              plan.checkin_every_weeks, plan.timezone, plan.working_days, settings, until)
    kept = _RUNGS.get(plan.id)
    if kept is not None and kept.inputs == inputs:
        return kept
    own, steps = plan_steps(plan, settings, ahead)
    moments, escalations = [], []
    for step in steps:
        moment = send_at(step, plan.timezone, plan.working_days, own)
        if step.to_secretariat:
            escalations.append((moment, step))
        else:
            moments.append(moment)
    moments.sort()
    rungs = _Rungs(inputs, own, update_due_on(plan.adopted_on, plan.update_due_on, own), moments, escalations,
                   steps)
    if len(_RUNGS) >= _RUNGS_KEPT:
        _RUNGS.clear()
    _RUNGS[plan.id] = rungs
    return rungs


def _cycle_at(plan: OpenPlan, now: datetime, settings: ScheduleSettings) -> int:
    """:func:`_latest_cycle`, kept with the plan's ladder while ``now`` stays within the cycle: the
    cycles' times only grow (a cycle is weeks after the last, a rest day moves it days at most), so
    between one cycle's time and the next's the answer is the same."""
    rungs = _rungs_of(plan, settings, now + NUDGE_LOOKAHEAD)
    if rungs.cycle is not None:
        since, until, cycle = rungs.cycle
        if (since is None or since <= now) and now < until:
            return cycle
    cycle = _latest_cycle(plan, now, settings)
    rungs.cycle = (_cycle_instant(plan, cycle, settings) if cycle > 0 else None,
                   _cycle_instant(plan, cycle + 1, settings), cycle)
    return cycle


def _checkins_due(facts: Facts, open_plans: list[OpenPlan], everyone: Everyone, now: datetime,
                  settings: ScheduleSettings) -> list[Candidate]:
    """Every N weeks after adoption, a check-in for the HC and each registered action owner; only the
    latest cycle counts after downtime."""
    hcs, by_id = everyone.hcs, everyone.by_id
    found = []
    for plan in open_plans:
        cycle = _cycle_at(plan, now, settings)
        if cycle == 0:
            continue
        due_at = sending_slot(now, plan.timezone, plan.working_days, settings.ladder)
        invited = {person.id for person in hcs.get(plan.operation_id, [])} | facts.owners.get(plan.id, set())
        for person_id in sorted(invited):
            person = by_id.get(person_id)
            if (person is None or person_id not in facts.linked or person_id in facts.busy
                    or _paused(person.paused_until, now)):
                continue
            found.append(Candidate(f"checkin:{plan.id}:{person_id}:{cycle}", Kind.CHECKIN, person, plan, due_at))
    return found


def reminders_due(waiting: list[tuple[CheckinSession, Person]], now: datetime,
                  settings: ScheduleSettings) -> list[Candidate]:
    """A reminder for each check-in left unanswered (``waiting``: each with its person), in the
    person's working hours; none for a paused person."""
    found = []
    for open_session, person in waiting:
        if _paused(person.paused_until, now):
            continue
        due_at = now
        if person.operation is not None:
            due_at = sending_slot(now, person.operation.timezone, frozenset(person.operation.working_days),
                                  settings.ladder)
        summary = PersonSummary(person.id, person.language, person.paused_until, person.operation_id, person.role)
        found.append(Candidate(f"checkin-reminder:{open_session.id}", Kind.REMINDER, summary, None, due_at,
                               checkin=open_session))
    return found


def progress_counts(statuses: list[LatestStatus], plan_ids: set[int], now: datetime,
                    settings: ScheduleSettings) -> dict[int, tuple[int, int, int]]:
    """Per plan: actions reported recently, all actions, actions with a stale or no status."""
    counts: dict[int, list[int]] = {plan_id: [0, 0, 0] for plan_id in plan_ids}
    for latest in statuses:
        entry = counts[latest.plan_id]
        entry[1] += 1
        if latest.reported_at is not None and now - latest.reported_at <= settings.stale_after:
            entry[0] += 1
        elif latest.status is None or latest.status is not Status.DONE:
            entry[2] += 1
    return {plan_id: (entry[0], entry[1], entry[2]) for plan_id, entry in counts.items()}


CATCH_UP_QUIET_DAYS = 2
"""After a catch-up (a step sent on a later day than its own), a step whose own day comes within
this many working days of it is skipped for good: the HC just heard how many days are left."""


OLDER_THAN_SENT = "older than a nudge already sent"
TOO_SOON_AFTER_CATCH_UP = "too soon after a catch-up"


def held_back(candidate: Candidate, queued: list[QueuedNudge], settings: ScheduleSettings) -> str | None:
    """Why a nudge that is due is not sent, or None. ``queued``: the plan's nudges queued before."""
    plan, step = candidate.plan, candidate.step
    if plan is None or step is None:
        return None
    return skip_reason(plan, plan.timezone, plan.working_days, step, candidate.due_at, queued, settings)


def skip_reason(plan: PlanLike, timezone: str, working_days: frozenset[int], step: Step, due_at: datetime,
                queued: list[QueuedNudge], settings: ScheduleSettings) -> str | None:
    """Why the nudge for ``step``, due at ``due_at``, is skipped given the plan's nudges ``queued``
    before it, or None. (The schedule view asks the same of the steps it shows.)

    Monotonic: a step whose time is not after a nudge already queued for the plan is older than what
    the HC was told (a ``tick --now`` into the future sent "112 days late"; "111 days late" must not
    follow). Quiet after a catch-up: see :data:`CATCH_UP_QUIET_DAYS`."""
    if not queued:
        return None
    latest = max(queued, key=lambda nudge: nudge.due_at)
    own, steps = plan_steps(plan, settings, max(due_at, latest.due_at))
    moment = send_at(step, timezone, working_days, own)
    if moment <= latest.due_at:
        return OLDER_THAN_SENT
    previous = next((known for known in steps if known.key == latest.step_key), None)
    if previous is None:
        return None
    zone = ZoneInfo(timezone)
    sent_on = latest.due_at.astimezone(zone).date()
    caught_up = sent_on > send_at(previous, timezone, working_days, own).astimezone(zone).date()
    # The step's own day, not today's: a step skipped stays skipped, never sent later as a catch-up.
    if caught_up and working_days_between(sent_on, moment.astimezone(zone).date(),
                                          working_days) <= CATCH_UP_QUIET_DAYS:
        return TOO_SOON_AFTER_CATCH_UP
    return None


def nudge_reply(plan: OpenPlan, due_on: date, now: datetime, recent: int, total: int, stale: int,
                language: str) -> dict[str, object]:
    """Days left, how far the check-ins got, and the two things an HC does next: read the draft,
    or say it is sent."""
    days = (due_on - now.date()).days
    if days > 0:
        when = t("nudge.days_left", language, days=days)
    elif days == 0:
        when = t("nudge.due_today", language)
    else:
        when = t("nudge.days_late", language, days=-days)
    builder = ReplyBuilder()
    builder.add(bold(t("nudge.title", language, plan=plan.title)))
    builder.add(t("nudge.due", language, date=short_date(due_on, language), when=when))
    builder.add(t("nudge.progress", language, recent=recent, total=total, stale=stale))
    builder.button(t("nudge.draft", language), f"report:#{plan.id}")
    builder.button(t("nudge.mark_sent", language), f"submitted:#{plan.id}")
    return reply_to_json(builder.build())


def escalation_reply(plan: OpenPlan, due_on: date, now: datetime, language: str = "en") -> dict[str, object]:
    """To one member of the secretariat, in their language: which plan is how late."""
    builder = ReplyBuilder().add(bold(t("escalate.title", language, plan=plan.title)))
    builder.add(t("escalate.body", language, operation=plan.operation_name, days=(now.date() - due_on).days,
                  date=short_date(due_on, language)))
    builder.button(t("nudge.draft", language), f"report:#{plan.id}")
    return reply_to_json(builder.build())


def stopped_reply(plan: OpenPlan, due_on: date, nudges: int, language: str = "en") -> dict[str, object]:
    """To one member of the secretariat, once: the HC got the last weekly overdue nudge; the bot
    says no more, and someone should follow up in person."""
    builder = ReplyBuilder().add(bold(t("escalate.stopped_title", language, plan=plan.title)))
    builder.add(tn("escalate.stopped_body", nudges, language, operation=plan.operation_name,
                   date=short_date(due_on, language)))
    builder.button(t("nudge.draft", language), f"report:#{plan.id}")
    return reply_to_json(builder.build())


class _Batches(Protocol):
    """Where a pass writes: every batch in the caller's one transaction, or each in its own."""

    def batch(self) -> AbstractAsyncContextManager[Session]: ...

    def read(self) -> AbstractAsyncContextManager[Session]: ...


@dataclass(frozen=True, slots=True)
class _CallerTransaction:
    session: Session

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Session]:
        yield self.session

    def read(self) -> AbstractAsyncContextManager[Session]:
        return self.batch()


@dataclass(frozen=True, slots=True)
class _OwnTransactions:
    database: Database

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Session]:
        async with self.database.transaction() as session:
            await self._plan_with_values(session)
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Session]:
        """The pass's long reads (every open plan and person, the keys already queued), paced
        chunk by chunk: on SQLite in a snapshot, so that live messages write meanwhile instead
        of waiting behind the write lock for the whole read."""
        async with self.database.snapshot() as session:
            await self._plan_with_values(session)
            yield session

    async def _plan_with_values(self, session: Session) -> None:
        # A plan for each statement's own values: psycopg prepares a statement run five times,
        # and PostgreSQL's generic plan for ``IN`` of 2,000 parameters (or ``= ANY`` of their
        # array) tests each row against each of them, no hash: the steady pass's dedupe-key
        # look-up took 5 to 20 s over 23,000 outbox rows; planned with the values, the array is
        # hashed, 50 ms. (A first pass's outbox grows from nothing: what the planner expects of
        # it is far off, so the plan must not depend on it.)
        await plan_each_statement_with_its_values(session)


BATCH = 200
"""Candidates written per statement (and, with :func:`reconcile_in_batches`, per transaction)."""

SQLITE_BATCH = 50
"""Candidates a transaction with :func:`reconcile_in_batches` on SQLite, where each batch holds the
one write lock and a live message waits for the batch in hand: 200 a batch held it 45 ms and live
answers waited 93 ms at p95 during a 10,000-plan pass; 50 a batch, 42 ms at p95 for a pass of 6.8 s
instead of 4.4 s. PostgreSQL locks rows, not the database: there batches stay at :data:`BATCH`."""

SLICE = timedelta(milliseconds=5)
"""The longest stretch of the pass's own Python work before it lets the event loop run: a live
message is read within about this long even while 10,000 plans are reconciled. At 10 ms the loop
was held up to 36 ms at a time during a 10,000-plan pass, at 5 ms up to 20 ms, the pass as fast."""


class Pacer:
    """Yields to the event loop whenever :data:`SLICE` has gone by since it last did."""

    def __init__(self, budget: timedelta = SLICE) -> None:
        self.budget = budget.total_seconds()
        self.since = monotonic()

    async def breathe(self) -> None:
        if monotonic() - self.since >= self.budget:
            await asyncio.sleep(0)
            self.since = monotonic()


async def reconcile(session: Session, now: datetime, settings: ScheduleSettings | None = None) -> ReconcileReport:
    """One pass in the caller's transaction: queue what is due, close abandoned check-ins, remind
    the idle ones, release broadcasts. Written set-wise, :data:`BATCH` candidates a statement."""
    return await _pass(_CallerTransaction(session), now, settings or ScheduleSettings(), BATCH)


async def reconcile_in_batches(database: Database, now: datetime, settings: ScheduleSettings | None = None, *,
                               batch: int | None = None) -> ReconcileReport:
    """The same pass as :func:`reconcile`, each batch committed on its own: a first pass over
    10,000 plans never holds the database (SQLite's one writer) while live messages wait. Safe to
    stop anywhere: a batch is written whole or not at all, and the next pass finds by their dedupe
    keys what the committed batches queued. ``batch``: candidates a transaction (:data:`BATCH`)."""
    size = batch or (SQLITE_BATCH if database.dialect == "sqlite" else BATCH)
    return await _pass(_OwnTransactions(database), now, settings or ScheduleSettings(), size)


_passes_running = 0
_thresholds_before: tuple[int, int, int] | None = None


@contextmanager
def _no_full_collections() -> Iterator[None]:
    """While a pass runs, the garbage collector's young generations only. A full collection walks
    every object not frozen at start-up (``bot.app.settle_heap``), and a first pass holds 10,000
    plans' facts and candidates: each took 50 to 110 ms, a dozen times a pass, the event loop
    blocked throughout (no slicing can split one). Deferred, the next one runs after the pass,
    once its objects are freed. Young collections go on (cycles made meanwhile are still found);
    the thresholds are put back when the last pass running ends."""
    global _passes_running, _thresholds_before
    if _passes_running == 0:
        _thresholds_before = gc.get_threshold()
        gc.set_threshold(_thresholds_before[0], _thresholds_before[1], 2**30)
    _passes_running += 1
    try:
        yield
    finally:
        _passes_running -= 1
        if _passes_running == 0 and _thresholds_before is not None:
            gc.set_threshold(*_thresholds_before)
            _thresholds_before = None


async def _pass(batches: _Batches, now: datetime, settings: ScheduleSettings, size: int) -> ReconcileReport:
    with _no_full_collections():
        return await _pass_collected_young(batches, now, settings, size)


async def _pass_collected_young(batches: _Batches, now: datetime, settings: ScheduleSettings,
                                size: int) -> ReconcileReport:
    report = ReconcileReport()
    pacer = Pacer()
    async with batches.read() as session:
        facts = await read_facts(session, between=pacer.breathe)
    await pacer.breathe()
    candidates = await _due_paced(facts, now, settings, pacer)
    await _queue_new(batches, candidates, now, settings, report, pacer, size)
    async with batches.batch() as session:
        report.expired += await checkins.expire_started_before(session, now - settings.checkin_expires_after)
        for candidate in reminders_due(await _waiting(session, now, settings), now, settings):
            report.reminders += await _remind(session, candidate, now)
            await pacer.breathe()
    async with batches.batch() as session:
        report.broadcast_messages = await sending.release_due(session, now, settings.ladder)
    async with batches.batch() as session:
        report.webinar_reminders = await reminders.queue_due(session, now)
    # Last, once everything this pass queues is in: no two messages to a person in the same hour.
    # Read in a snapshot, written a few hundred moves a transaction: in one transaction the read
    # and 6,000 moves held SQLite's write lock 0.4 s, and live messages waited that long. A move
    # applies only to a message still pending (one sent meanwhile stays as sent), and the claim
    # holds back what spacing would move (outbox._held_for_one_voice), so a message sent between
    # the read and the writes is still sent in its turn; a pass stopped between two writes
    # leaves whole statements, and the next pass spaces the rest.
    async with batches.read() as session:
        # Only the people with messages less than a gap apart: spacing moves nobody else's.
        waiting, last_sent = await outbox.waiting_for_spacing(session, spacing.KINDS, now + SPACING_LOOKAHEAD,
                                                              between=pacer.breathe, crowded_within=spacing.GAP)
    moves = await _space_paced(waiting, last_sent, settings, pacer)
    # A few hundred a statement: 6,000 moves in one executemany held the event loop over 100 ms
    # while its parameters were built.
    for first in range(0, len(moves), _MOVES_A_STATEMENT):
        async with batches.batch() as session:
            await outbox.move_due(session, moves[first:first + _MOVES_A_STATEMENT])
        await pacer.breathe()
    report.spaced = len(moves)
    return report


SPACING_LOOKAHEAD = timedelta(hours=2)
"""The people whose messages are spaced in a pass: those with one due within this time (a pass runs
every minute; a message due later is spaced by a later pass, with whatever joined it by then)."""

_PLANS_A_SLICE = 25
_MOVES_A_STATEMENT = 500


async def _due_paced(facts: Facts, now: datetime, settings: ScheduleSettings, pacer: Pacer) -> list[Candidate]:
    """:func:`due`, a few plans at a time, yielding between them; in the same order (every nudge
    and escalation, then every check-in)."""
    ladder_candidates: list[Candidate] = []
    checkin_candidates: list[Candidate] = []
    everyone = Everyone.of(facts)
    for first in range(0, len(facts.plans), _PLANS_A_SLICE):
        for candidate in due(facts, now, settings, plans_now=facts.plans[first:first + _PLANS_A_SLICE],
                             everyone=everyone):
            (checkin_candidates if candidate.kind is Kind.CHECKIN else ladder_candidates).append(candidate)
        await pacer.breathe()
    return ladder_candidates + checkin_candidates


async def _space_paced(waiting: list[WaitingMessage], last_sent: dict[int, datetime], settings: ScheduleSettings,
                       pacer: Pacer) -> list[tuple[int, datetime, datetime]]:
    """:func:`spacing.space`, a few hundred people at a time (it spaces each person on their own):
    (row id, the due time read, the new one), so that the write can check the row is as read."""
    read_due = {message.id: message.due_at for message in waiting}
    by_person: dict[int, list[WaitingMessage]] = {}
    for message in waiting:
        by_person.setdefault(message.person_id, []).append(message)
    people = list(by_person)
    moves: list[tuple[int, datetime, datetime]] = []
    for first in range(0, len(people), 500):
        chunk = [message for person_id in people[first:first + 500] for message in by_person[person_id]]
        moves += [(message_id, read_due[message_id], due_at)
                  for message_id, due_at in spacing.space(chunk, last_sent, settings.ladder)]
        await pacer.breathe()
    return moves


async def _queue_new(batches: _Batches, candidates: list[Candidate], now: datetime, settings: ScheduleSettings,
                     report: ReconcileReport, pacer: Pacer, size: int) -> None:
    async with batches.read() as session:
        existing = await outbox.existing_keys(session, [candidate.key for candidate in candidates],
                                              between=pacer.breathe)
        missing = [candidate for candidate in candidates if candidate.key not in existing]
        nudging = {c.plan.id for c in missing if c.kind is Kind.NUDGE and c.plan is not None}
        queued = await outbox.queued_nudges(session, nudging) if nudging else {}
    kept = []
    for number, candidate in enumerate(missing):
        if (candidate.kind is not Kind.NUDGE or candidate.plan is None
                or held_back(candidate, queued[candidate.plan.id], settings) is None):
            kept.append(candidate)
        if number % 100 == 99:
            await pacer.breathe()
    report.held_back += len(missing) - len(kept)
    # Nudges and escalations first, then check-ins, each kind in the order found, as before batching.
    ladder_rows = [candidate for candidate in kept if candidate.kind is not Kind.CHECKIN]
    opened: set[int] = set()
    for first in range(0, len(ladder_rows), size):
        async with batches.batch() as session:
            await _write_ladder(session, ladder_rows[first:first + size], now, settings, report, pacer)
        await pacer.breathe()
    prompts = [candidate for candidate in kept if candidate.kind is Kind.CHECKIN]
    for first in range(0, len(prompts), size):
        async with batches.batch() as session:
            report.checkins += await _open_checkins(session, prompts[first:first + size], now, opened, pacer)
        await pacer.breathe()


async def _write_ladder(session: Session, batch: list[Candidate], now: datetime, settings: ScheduleSettings,
                        report: ReconcileReport, pacer: Pacer) -> None:
    """A batch of nudges and escalations, in one insert."""
    nudged = {c.plan.id for c in batch if c.kind is Kind.NUDGE and c.plan is not None}
    progress = progress_counts(await plans.latest_statuses(session, nudged), nudged, now, settings)
    rows: list[outbox.NewMessage] = []
    for candidate in batch:
        plan, person = candidate.plan, candidate.person
        assert plan is not None  # nudges and escalations are each about a plan
        assert candidate.due_on is not None
        if candidate.kind is Kind.NUDGE:
            # Days left as of the morning it goes out, in the operation's own calendar.
            sent_on = candidate.due_at.astimezone(ZoneInfo(plan.timezone))
            payload = nudge_reply(plan, candidate.due_on, sent_on, *progress[plan.id], person.language)
            rows.append(outbox.NewMessage(candidate.key, Kind.NUDGE.value, person.id, payload, candidate.due_at))
        else:
            payload = (stopped_reply(plan, candidate.due_on, settings.ladder.overdue_max, person.language)
                       if candidate.step is not None and candidate.step.key.startswith("stopped")
                       else escalation_reply(plan, candidate.due_on, now, person.language))
            rows.append(outbox.NewMessage(candidate.key, Kind.ESCALATION.value, person.id, payload, now))
        await pacer.breathe()
    new = await outbox.enqueue_many(session, rows, now)
    for candidate in batch:
        if candidate.key in new:
            if candidate.kind is Kind.NUDGE:
                report.nudges += 1
            else:
                report.escalations += 1


def answered_by(person: PersonSummary, actions: list[checkins.ActionState]) -> list[int]:
    """``repositories.actions_answered_by`` on plain rows: the open actions a person answers for
    (the HC and the secretariat the whole plan, an owner their own), done ones left out."""
    everything = person.role in (Role.HC, Role.SECRETARIAT, Role.ADMIN)
    return [action.id for action in actions
            if action.status is not Status.DONE and (everything or action.owner_id == person.id)]


async def _open_checkins(session: Session, batch: list[Candidate], now: datetime, opened: set[int],
                         pacer: Pacer) -> int:
    """A batch of check-ins opened set-wise: their keys claimed in one insert, their sessions in
    another, their first questions written in one executemany. What the one-by-one path does
    differently (someone already in a check-in, or asked twice in this pass, or invited to a plan
    outside their own operation) still goes that way, one at a time."""
    busy = await checkins.in_checkin_among(session, [candidate.person.id for candidate in batch])
    seen: set[int] = set()
    fast: list[Candidate] = []
    slow: list[Candidate] = []
    for candidate in batch:
        person, plan = candidate.person, candidate.plan
        assert plan is not None
        ordinary = (person.id not in busy and person.id not in opened and person.id not in seen
                    and (person.role in (Role.SECRETARIAT, Role.ADMIN) or person.operation_id == plan.operation_id))
        (fast if ordinary else slow).append(candidate)
        seen.add(person.id)
    count = await _open_fast(session, fast, now, pacer) if fast else 0
    opened.update(candidate.person.id for candidate in fast)
    for candidate in slow:
        assert candidate.plan is not None
        count += await _open_checkin(session, candidate, candidate.plan, now)
        opened.add(candidate.person.id)
        await pacer.breathe()
    return count


async def _open_fast(session: Session, batch: list[Candidate], now: datetime, pacer: Pacer) -> int:
    actions = await checkins.actions_of_plans(session, {c.plan.id for c in batch if c.plan is not None})
    chosen = {candidate.key: answered_by(candidate.person, actions[candidate.plan.id])
              for candidate in batch if candidate.plan is not None}
    # Nobody with nothing to answer is asked (as the one-by-one path): no key is claimed for them.
    asked = [candidate for candidate in batch if chosen[candidate.key]]
    # The keys first: a second reconcile racing this one claims none of them, and opens no second
    # check-in for the same person.
    claimed = await outbox.enqueue_many(session, [
        outbox.NewMessage(candidate.key, Kind.CHECKIN.value, candidate.person.id, {}, candidate.due_at)
        for candidate in asked], now)
    asked = [candidate for candidate in asked if candidate.key in claimed]
    if not asked:
        return 0
    ids = await checkins.start_many(session, [(c.person.id, c.plan.id, chosen[c.key]) for c in asked
                                              if c.plan is not None], now)
    people = await checkins.people_by_ids(session, {candidate.person.id for candidate in asked})
    first_actions = await repo.actions_by_ids(session, [chosen[candidate.key][0] for candidate in asked])
    payloads: dict[str, dict[str, object]] = {}
    for candidate in asked:
        person, action_ids = candidate.person, chosen[candidate.key]
        assert candidate.plan is not None
        checkin = CheckinSession(id=ids[person.id], person_id=person.id, plan_id=candidate.plan.id,
                                 step=CheckinStep.ASK_STATUS, action_ids=action_ids, position=0, pending_status=None)
        payloads[candidate.key] = reply_to_json(dialogue.question(
            checkin, first_actions[action_ids[0]], person.language,
            dialogue.start_intro(people[person.id], candidate.plan.title, len(action_ids), person.language)))
        await pacer.breathe()
    await outbox.set_payloads(session, payloads)
    return len(asked)


async def _open_checkin(session: Session, candidate: Candidate, plan_row: OpenPlan, now: datetime) -> int:
    person = await accounts.person_by_id(session, candidate.person.id)
    if person is None:
        return 0
    plan = await repo.plan_by_id(session, plan_row.id)
    if plan is None or not repo.actions_answered_by(person, plan):
        return 0
    # Claim the key first: a second reconcile racing this one stops here, before it opens a
    # second check-in session for the same person.
    if not await outbox.enqueue(session, dedupe_key=candidate.key, kind=Kind.CHECKIN.value, person_id=person.id,
                                payload={}, due_at=candidate.due_at, now=now):
        return 0
    replies = await dialogue.start(session, person, plan.code, now)
    await outbox.set_payload(session, candidate.key, reply_to_json(replies[0]))
    return 1


async def _waiting(session: Session, now: datetime, settings: ScheduleSettings) -> list[tuple[CheckinSession, Person]]:
    waiting = []
    for open_session in await checkins.awaiting_reminder(session, now - settings.checkin_reminder_after):
        person = await accounts.person_by_id(session, open_session.person_id)
        if person is not None:
            waiting.append((open_session, person))
    return waiting


async def _remind(session: Session, candidate: Candidate, now: datetime) -> int:
    open_session = candidate.checkin
    assert open_session is not None
    open_session.reminded_at = now
    language = candidate.person.language
    reply = await dialogue.prompt(session, open_session, language, t("checkin.reminder", language))
    return int(await outbox.enqueue(session, dedupe_key=candidate.key, kind=Kind.REMINDER.value,
                                    person_id=candidate.person.id, payload=reply_to_json(reply),
                                    due_at=candidate.due_at, now=now))
