"""The composition root: the one place where the parts are built and wired together."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from handlers.context import HandlerContext
from handlers.router import Router
from knowledge import SearchIndex, build_index


@dataclass(slots=True)
class App:
    settings: Settings
    clock: Clock
    index: SearchIndex
    router: Router


def build_app(settings: Settings, *, clock: Clock | None = None, index: SearchIndex | None = None) -> App:
    """Builds the bot from explicit settings. Raises ``LibraryError`` on an invalid library, so the
    bot refuses to start rather than answer from a broken one."""
    clock = clock or SystemClock()
    if index is None:
        index = build_index(clock.now().year, settings.knowledge_dir, settings.thesaurus_file)
    context = HandlerContext(index=index)
    return App(settings=settings, clock=clock, index=index, router=Router(context))
