"""The composition root: the one place where the parts are built and wired together."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.clock import Clock, SystemClock
from bot.scheduler import Scheduler
from bot.settings import Settings
from handlers.context import HandlerContext
from handlers.delivery import Deliverer, Messenger
from handlers.live import LivePath
from handlers.router import Router
from handlers.secretariat.tickets.library import refresh_answers
from knowledge import ANSWER_TYPE, SearchIndex, build_index, folder_signature
from storage.database import Database

if TYPE_CHECKING:
    from bot.platforms import Platform


@dataclass(slots=True)
class App:
    settings: Settings
    clock: Clock
    index: SearchIndex
    database: Database
    router: Router
    deliverer: Deliverer
    live: LivePath
    scheduler: Scheduler
    # The chat platforms the settings have credentials for, built but not started.
    platforms: list[Platform] = field(default_factory=list)

    def add_messenger(self, messenger: Messenger) -> None:
        """A platform's way of sending, for live replies and the outbox alike."""
        self.deliverer.register(messenger)

    async def close(self) -> None:
        await self.database.dispose()


def settle_heap() -> None:
    """Once the bot is built: what lives for the whole run (the library's index, the catalogue, the
    modules) is moved out of the garbage collector's reach. A full collection otherwise walks all of
    it, 50 to 190 ms each time on a 10,000-plan reconcile pass, and blocks every live message while it
    does (measured in benchmarks/bench_reconcile.py). Collected first, so no garbage is kept."""
    gc.collect()
    gc.freeze()


async def build_app(settings: Settings, *, clock: Clock | None = None, index: SearchIndex | None = None,
                    database: Database | None = None, fallback: Messenger | None = None,
                    platforms: bool = False) -> App:
    """Builds the bot from explicit settings: storage, the library's index, the router, the one
    live path, the deliverer and the scheduler; with ``platforms``, every chat platform the settings
    have credentials for (``SetupError`` names a missing setting), its messenger registered.

    ``fallback`` takes messages for people with no chat on a running platform (the console, so a
    demo shows everything the bot would send). Raises ``LibraryError`` on an invalid library, so
    the bot refuses to start rather than answer from a broken one. The embedded SQLite database is
    migrated to the latest schema here.
    """
    clock = clock or SystemClock()
    desk = settings.desk()
    built = index is None
    if index is None:
        index = build_index(clock.now().year, settings.knowledge_dir, settings.thesaurus_file, desk.answers_dir,
                            settings.index_cache_dir())
    database = database or Database(settings.database_url)
    migrate = settings.auto_migrate if settings.auto_migrate is not None else database.dialect == "sqlite"
    if migrate:
        await database.upgrade()
    context = HandlerContext(index=index, database=database, now=clock.now, hours=settings.schedule().ladder,
                             desk=desk, web_url=settings.desk_url())
    # An index built here holds the folder's answers, as does one the command line built; one given
    # without them (a test's) gets them from the first reconcile pass, which sees the folder change.
    if desk.answers_dir is not None and (built or any(product.type == ANSWER_TYPE for product in index.products)):
        context.answers_seen = folder_signature(desk.answers_dir)
    router = Router(context)
    deliverer = Deliverer(database, [], fallback=fallback, now=clock.now, resend_in_doubt=settings.resend_in_doubt)
    scheduler = Scheduler(database, deliverer, clock, settings=settings.schedule(),
                          refresh=lambda: refresh_answers(context, clock.now().year))
    app = App(settings=settings, clock=clock, index=index, database=database, router=router,
              deliverer=deliverer, live=LivePath(router, deliverer), scheduler=scheduler)
    if platforms:
        from bot.platforms import platforms_from_settings

        try:
            app.platforms = platforms_from_settings(settings, app)
        except BaseException:
            await app.close()
            raise
    return app
