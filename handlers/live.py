"""The one path every live message takes, whatever the platform: dedupe, one person's messages in
order, the router, then sending through the outbox's deliverer (one pacing, one retry policy, one
deactivation of unreachable chats, one log line per outcome).

Adapters translate a platform's payload into an :class:`Incoming` and call :meth:`LivePath.answer`;
they decide nothing. What may be said where is policy, and lives here: a mention in a shared channel
is answered in its thread only when the answer comes from the library.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import cache

from handlers import accounts
from handlers.checkins.home import home
from handlers.delivery import Deliverer
from handlers.i18n import t
from handlers.messages import Incoming, Reply
from handlers.router import Destination, Router, default_commands
from handlers.secretariat import web_desk
from storage.database import inline_sqlite

# Commands whose answers come from the library, never from a plan: safe in a channel's thread.
PUBLIC_COMMANDS = frozenset({"help", "ask", "topics", "topic", "more", "read"})


@cache
def command_names(only: frozenset[str] | None = None) -> frozenset[str]:
    """The router's command words, English, French and aliases (``only``: these commands)."""
    names: set[str] = set()
    for command in default_commands():
        if only is None or command.name in only:
            names.update((command.name, command.french, *command.aliases))
    return frozenset(names)


def answered_in_private_note() -> str:
    """Said in a shared channel, before the person is known: so in both languages."""
    return f"{t('answered_in_private', 'en')} · {t('answered_in_private', 'fr')}"


def route(incoming: Incoming) -> tuple[Incoming, Destination]:
    """What a message asks, and where its answer goes.

    In a shared channel, plain text is always a question, never an answer to the person's open
    check-in (that would put their plan in the channel), and anything but a library answer goes to
    the person's private chat."""
    if not incoming.shared:
        return incoming, Destination(incoming.platform, incoming.chat_id, incoming.thread)
    text = incoming.text.strip()
    private = replace(incoming, chat_id=incoming.user_id, shared=False, thread=None)
    if incoming.button is not None:
        return private, Destination(incoming.platform, incoming.user_id)
    if not text:
        request, public = replace(private, text="/help"), True
    elif not text.startswith("/"):
        request, public = replace(private, text=f"/ask {text}"), True
    else:
        name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
        request, public = private, name in command_names(PUBLIC_COMMANDS)
    if public:
        # Answered in the channel: the request stays a shared one, so that nothing meant for the
        # person alone (other operations' plans) is put in the answer.
        return replace(request, shared=True), Destination(incoming.platform, incoming.chat_id, incoming.thread,
                                                          shared=True)
    return request, Destination(incoming.platform, incoming.user_id)


class _PersonLocks:
    """One lock per person with messages in flight: their messages are handled in the order they
    came, while other people go on. Locks are dropped when idle, so memory follows the traffic."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class LivePath:
    """Answers live messages for every adapter, and the few questions an adapter has to ask of the
    bot (whom to link by e-mail, what the Slack App Home shows)."""

    def __init__(self, router: Router, deliverer: Deliverer) -> None:
        self.router = router
        self.deliverer = deliverer
        self.database = router.context.database
        self.now = router.context.now
        self._locks = _PersonLocks()

    async def is_linked(self, platform: str, user_id: str) -> bool:
        return await accounts.is_linked(self.database, platform, user_id)

    async def link_by_email(self, platform: str, user_id: str, chat_id: str, email: str) -> bool:
        """Links a platform account whose verified e-mail is a registered person's; whether it did."""
        return await accounts.link_by_email(self.database, platform, user_id, chat_id, email, self.now()) is not None

    async def home(self, platform: str, user_id: str) -> Reply:
        """The person's plan at a glance, for a platform's home screen (Slack's App Home)."""
        return await home(self.database, platform, user_id, self.now(), self.router.context.hours,
                          self.router.context.index)

    async def answer(self, incoming: Incoming) -> list[Reply]:
        """Handles one message and sends its replies; returns the replies that went out (a
        redelivered message returns none). Never raises for a person's input."""
        request, destination = route(incoming)
        # A live message's statements are few, small and indexed: on SQLite they skip the driver's
        # thread once the write lock is held (storage.database.inline_sqlite), half its CPU.
        with inline_sqlite():
            return await self._answer(request, destination, incoming)

    async def _answer(self, request: Incoming, destination: Destination, incoming: Incoming) -> list[Reply]:
        async with self._locks.hold(f"{incoming.platform}:{incoming.user_id}"):
            queued = await self.router.handle_live(request, destination)
            if not queued:
                return []
            # Sent before the lock is released: the answer to one message goes out before the
            # next message of the same person is read.
            sent = await self.deliverer.deliver_claimed([item.claimed for item in queued])
            if any(item.reply.secret for item in queued):
                await web_desk.forget_sent_links(self.database, self.now())
        return [item.reply for item in queued if item.outbox_id in sent]

    @property
    def people_in_flight(self) -> int:
        return len(self._locks)
