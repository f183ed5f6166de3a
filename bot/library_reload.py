"""The library reloaded while `hcbot run` serves: the secretariat edits or adds a product file (or
sends SIGHUP) and the next question is answered from it, with no restart.

A change is seen by polling what the folder holds (names, sizes, modification times: a few stat
calls a second, whatever the platform or file system, where inotify misses edits on network
mounts). The new library goes through the same validation as at start (``build_index``); one
that does not validate is logged, with its first problems, and the bot keeps serving the library
it has: a typo in one file must not take the answers away from everyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from pathlib import Path

from bot.clock import Clock
from bot.settings import Settings
from handlers.context import HandlerContext
from knowledge import BUNDLED_LIBRARY, BUNDLED_THESAURUS, LibraryError, SearchIndex, ThesaurusError, build_index
from knowledge import folder_signature as answers_signature

logger = logging.getLogger(__name__)

POLL_SECONDS = 2.0
Signature = tuple[tuple[str, int, int], ...]


def library_signature(folder: Path, thesaurus: Path) -> Signature:
    """What the library's files are now, cheaply; any edit, addition or removal changes it."""
    found: list[tuple[str, int, int]] = []
    paths = sorted(folder.rglob("*.md")) if folder.is_dir() else []
    for path in [*paths, thesaurus]:
        try:
            status = path.stat()
        except FileNotFoundError:
            continue  # removed or replaced while we looked: the next look sees it
        found.append((str(path), status.st_size, status.st_mtime_ns))
    return tuple(found)


class LibraryReloader:
    """Keeps ``context.index`` (what every turn answers from) in step with the library's files."""

    def __init__(self, context: HandlerContext, settings: Settings, clock: Clock, *,
                 interval: float = POLL_SECONDS, on_swap: Callable[[SearchIndex], None] | None = None) -> None:
        self.context = context
        self.settings = settings
        self.clock = clock
        self.interval = interval
        self.on_swap = on_swap
        self.folder = settings.knowledge_dir or BUNDLED_LIBRARY
        self.thesaurus = settings.thesaurus_file or BUNDLED_THESAURUS
        self.seen = library_signature(self.folder, self.thesaurus)
        self.reloads = 0
        self.refusals = 0
        self.changed = asyncio.Event()
        """Set after every reload tried (kept or refused): a test waits on it, not on a clock."""
        self._asked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def request(self) -> None:
        """Reload now, changed or not (SIGHUP)."""
        self._asked.set()

    def reload(self, why: str) -> bool:
        """Builds the index from the files as they are; swaps it in if they validate. Whether it did."""
        self.seen = library_signature(self.folder, self.thesaurus)
        answers = self.context.desk.answers_dir
        try:
            index = build_index(self.clock.now().year, self.settings.knowledge_dir, self.settings.thesaurus_file,
                                answers)
        except LibraryError as error:
            self.refusals += 1
            shown = "; ".join(str(problem) for problem in error.problems[:3])
            logger.warning("library reload (%s) refused, still serving the previous library: %d problems: %s",
                           why, len(error.problems), shown)
            self.changed.set()
            return False
        except ThesaurusError as error:
            self.refusals += 1
            logger.warning("library reload (%s) refused, still serving the previous library: %s", why, error)
            self.changed.set()
            return False
        self.context.index = index
        if answers is not None:
            self.context.answers_seen = answers_signature(answers)
        if self.on_swap is not None:
            self.on_swap(index)
        self.reloads += 1
        logger.info("library reloaded (%s): %d products", why, len(index.products))
        self.changed.set()
        return True

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._asked.wait(), self.interval)
            if self._asked.is_set():
                self._asked.clear()
                self.reload("SIGHUP")
            elif library_signature(self.folder, self.thesaurus) != self.seen:
                self.reload("files changed")

    def start(self, *, sighup: bool = True) -> None:
        """Watches in the background; with ``sighup``, SIGHUP asks for a reload (where signals exist)."""
        if sighup and hasattr(signal, "SIGHUP"):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.request)
        self._task = asyncio.ensure_future(self._watch())

    async def stop(self) -> None:
        if hasattr(signal, "SIGHUP"):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
