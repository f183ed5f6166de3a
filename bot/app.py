"""The composition root: the one place where the parts are built and wired together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from handlers.context import HandlerContext
from handlers.router import Router
from knowledge import SearchIndex, build_index
from storage.database import Database


@dataclass(slots=True)
class App:
    settings: Settings
    clock: Clock
    index: SearchIndex
    database: Database
    router: Router

    async def close(self) -> None:
        await self.database.dispose()


async def build_app(settings: Settings, *, clock: Clock | None = None, index: SearchIndex | None = None,
                    database: Database | None = None) -> App:
    """Builds the bot from explicit settings.

    Raises ``LibraryError`` on an invalid library, so the bot refuses to start rather than answer
    from a broken one. The embedded SQLite database is migrated to the latest schema here.
    """
    clock = clock or SystemClock()
    if index is None:
        index = build_index(clock.now().year, settings.knowledge_dir, settings.thesaurus_file)
    database = database or Database(settings.database_url)
    migrate = settings.auto_migrate if settings.auto_migrate is not None else database.dialect == "sqlite"
    if migrate:
        await database.upgrade()
    context = HandlerContext(index=index, database=database, now=clock.now, hours=settings.schedule().ladder)
    return App(settings=settings, clock=clock, index=index, database=database, router=Router(context))
