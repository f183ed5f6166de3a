"""What every handler may use, wired once by the composition root in ``bot``, and the per-message
``Turn`` the router builds for each incoming message."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from handlers.messages import Incoming
from handlers.nudges.deadlines import LadderSettings
from handlers.secretariat.tickets.settings import DeskSettings
from knowledge import SearchIndex
from storage.database import Database, Session
from storage.models import Person

V = TypeVar("V")


class Recent(OrderedDict[str, V]):
    """A dict that keeps only the ``limit`` most recently written keys: memory follows the people
    who are active, not everyone who ever wrote."""

    def __init__(self, limit: int = 10_000) -> None:
        super().__init__()
        self.limit = limit

    def __setitem__(self, key: str, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.limit:
            self.popitem(last=False)


@dataclass(slots=True)
class PagingMemory:
    """Per-person memory that may be lost on restart: the language a person last wrote in. The last
    answer (what /more pages through) is in the database, with questions and check-ins.
    Bounded: the 10,000 people who wrote last."""

    languages: Recent[str] = field(default_factory=Recent)

    @staticmethod
    def key(platform: str, user_id: str) -> str:
        return f"{platform}:{user_id}"


@dataclass(slots=True)
class HandlerContext:
    index: SearchIndex
    database: Database
    now: Callable[[], datetime]
    memory: PagingMemory = field(default_factory=PagingMemory)
    page_size: int = 3
    max_results: int = 30
    max_question_length: int = 1000
    # Working hours for what goes out in people's local time (broadcasts composed in a chat).
    hours: LadderSettings = field(default_factory=LadderSettings)
    # Where passed questions are told and answers kept (handlers/secretariat/tickets).
    desk: DeskSettings = field(default_factory=DeskSettings)
    # What the Q&A folder held when the index last read it: a change means another replica (or a
    # person) added an answer, and the index reloads them.
    answers_seen: tuple[tuple[str, int, int], ...] = ()
    # The web desk's address for /desk's sign-in links (None: no desk configured).
    web_url: str | None = None


@dataclass(slots=True)
class Turn:
    """One incoming message being handled: who sent it, in which transaction, at what time."""

    message: Incoming
    context: HandlerContext
    now: datetime
    session: Session
    person: Person | None = None
    # Read once: after a failed transaction the person's attributes can no longer be loaded, and
    # the error reply still needs their language.
    person_language: str = field(init=False, default="en")
    # Which branch of the router answered ("command:checkin", "checkin-answer", "question", ...):
    # for logs and for tests that must know what happened without reading the sentences.
    route: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.person is not None:
            self.person_language = self.person.language

    @property
    def key(self) -> str:
        return PagingMemory.key(self.message.platform, self.message.user_id)

    @property
    def language(self) -> str:
        remembered = self.context.memory.languages.get(self.key)
        if remembered:
            return remembered
        return self.person_language

    def set_language(self, language: str) -> None:
        self.context.memory.languages[self.key] = language
