"""APScheduler in the bot's own event loop: two short periodic jobs, nothing else in its store.

The database is the source of truth (see handlers/reconcile.py): APScheduler only says "look again
now". A job that overruns is never started twice (max_instances=1), missed runs collapse into one
(coalesce), and stopping waits for the job in flight, which runs in a task of its own that
APScheduler cannot cancel, so SIGTERM leaves no outbox row "sending".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from handlers.accounts import forget_events
from handlers.delivery import Deliverer
from handlers.nudges.reconcile import ReconcileReport, ScheduleSettings, reconcile_in_batches
from storage.database import Database

logger = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, database: Database, deliverer: Deliverer, clock: Clock, *,
                 settings: ScheduleSettings | None = None, reconcile_every: timedelta = timedelta(minutes=1),
                 deliver_every: timedelta = timedelta(seconds=5), refresh: Callable[[], object] | None = None) -> None:
        self.database = database
        # Reloads what another replica may have changed on disk (the secretariat's answers added
        # to the library), once a reconcile pass.
        self.refresh = refresh
        self.deliverer = deliverer
        self.clock = clock
        self.settings = settings or ScheduleSettings()
        # One lock per job: a long delivery (a big broadcast at 30 a second) must not hold back the
        # reconcile pass that queues the next nudges, and neither runs twice at once.
        self._in_flight: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Future[None]] = set()
        self._stopping = False
        self._scheduler = AsyncIOScheduler()
        for job, every in ((self.reconcile_once, reconcile_every), (self.deliver_once, deliver_every),
                           (self.housekeeping_once, timedelta(hours=1))):
            self._scheduler.add_job(self._guarded(job), "interval", seconds=every.total_seconds(),
                                    max_instances=1, coalesce=True)

    def _guarded(self, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
        lock = self._in_flight.setdefault(job.__name__, asyncio.Lock())

        async def guarded() -> None:
            if self._stopping:
                return
            async with lock:
                try:
                    await job()
                except Exception:
                    # The next run tries again; the rows it needs are still in the database.
                    logger.exception("scheduled job %s failed", job.__name__)

        async def run() -> None:
            # The work runs in a task of our own: APScheduler's shutdown cancels the jobs it runs,
            # and a delivery cancelled between sending and recording would leave rows "sending".
            task = asyncio.ensure_future(guarded())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.shield(task)
        run.__name__ = job.__name__
        return run

    async def reconcile_once(self) -> ReconcileReport:
        if self.refresh is not None:
            self.refresh()
        # Batch by batch, each committed on its own: a big first pass never holds the database
        # while live messages wait, and yields the event loop between its slices of work.
        report = await reconcile_in_batches(self.database, self.clock.now(), self.settings)
        logger.info("reconcile: %s", report)
        return report

    async def deliver_once(self) -> None:
        report = await self.deliverer.deliver()
        if report.sent or report.retried or report.failed:
            logger.info("deliver: %s", report)

    async def housekeeping_once(self) -> None:
        # Platforms retry an event for minutes at most; a day of event ids is plenty to answer once.
        await forget_events(self.database, self.clock.now() - timedelta(days=1))
        await self.deliverer.forget_spent_budgets()

    async def start(self) -> None:
        """Starts the jobs, and one immediate pass in the background (a restart catches up at
        once, in chunks, while the bot already answers and a SIGTERM is honoured within seconds)."""
        async def first_pass() -> None:
            await self._guarded(self.reconcile_once)()
            await self._guarded(self.deliver_once)()

        first = asyncio.ensure_future(first_pass())
        self._tasks.add(first)
        first.add_done_callback(self._tasks.discard)
        self._scheduler.start()

    async def idle(self) -> None:
        """Waits for the passes in flight (tests, and ``hcbot tick``-style callers)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """No new pass starts; the delivery in flight finishes its chunk and records it."""
        self._stopping = True
        self.deliverer.request_stop()
        self._scheduler.shutdown(wait=False)
        await self.idle()
