"""One entry point for every platform: an incoming message in, replies out.

Errors are turned into replies here and only here: an expected error (:class:`HcbotError`) becomes
its one friendly sentence; anything else is logged with its traceback and the person gets a short
apology. Either way the conversation goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from handlers import answers
from handlers.context import HandlerContext, PagingMemory
from handlers.errors import HcbotError
from handlers.i18n import t
from handlers.messages import Incoming, Reply, ReplyBuilder, bold, text_reply

logger = logging.getLogger(__name__)

HandlerFunction = Callable[[Incoming, str, HandlerContext], Awaitable[list[Reply]]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    handler: HandlerFunction
    french: str
    help_fr: str
    aliases: tuple[str, ...] = ()

    @property
    def help(self) -> str:
        """The handler's one-line docstring is its /help text, so the two never drift apart."""
        return (self.handler.__doc__ or "").strip().splitlines()[0]


async def _help(message: Incoming, _args: str, context: HandlerContext) -> list[Reply]:
    """List what I can do."""
    language = context.memory.languages.get(PagingMemory.key(message.platform, message.user_id), "en")
    return [help_reply(default_commands(), language)]


def default_commands() -> list[Command]:
    return [
        Command("help", _help, "aide", "Voir ce que je sais faire.", ("start",)),
        Command("ask", answers.ask, "question",
                "Demander comment d'autres opérations ont fait (ou tapez simplement la question)."),
        Command("more", answers.more, "plus", "Voir les résultats suivants.", ("suite",)),
        Command("read", answers.read, "lire", "Lire un produit ici : /lire 2 ou /lire et son identifiant."),
        Command("topics", answers.topics, "sujets", "Voir les sujets de la bibliothèque.", ("themes",)),
        Command("topic", answers.topic, "sujet", "Parcourir un sujet : /sujet peas.", ("theme",)),
    ]


class Router:
    def __init__(self, context: HandlerContext, commands: Sequence[Command] | None = None) -> None:
        self.context = context
        self.commands = list(commands or default_commands())
        self._by_name: dict[str, tuple[Command, str]] = {}
        for command in self.commands:
            self._by_name[command.name] = (command, "en")
            self._by_name[command.french] = (command, "fr")
            for alias in command.aliases:
                self._by_name.setdefault(alias, (command, "en"))

    @property
    def memory(self) -> PagingMemory:
        return self.context.memory

    def _language(self, message: Incoming) -> str:
        return self.memory.languages.get(PagingMemory.key(message.platform, message.user_id), "en")

    async def handle(self, message: Incoming) -> list[Reply]:
        """Replies to one incoming message; never raises."""
        try:
            return await self._dispatch(message)
        except HcbotError as error:
            return [text_reply(error.user_message(self._language(message)))]
        except Exception:
            logger.exception("handler failed for %s user %s", message.platform, message.user_id)
            return [text_reply(t("error", self._language(message)))]

    async def _dispatch(self, message: Incoming) -> list[Reply]:
        if message.button is not None:
            return await self._press(message, message.button)
        text = message.text.strip()
        if not text.startswith("/"):
            return await answers.ask(message, text, self.context)
        name, _, args = text[1:].partition(" ")
        # Slack and Telegram may append "@botname" to a command.
        name = name.split("@", 1)[0].lower()
        found = self._by_name.get(name)
        if found is None:
            return [text_reply(t("unknown_command", self._language(message), name=name[:40]))]
        command, language = found
        # Typing "/aide" rather than "/help" is the clearest sign of the language a person wants.
        self.memory.languages[PagingMemory.key(message.platform, message.user_id)] = language
        return await command.handler(message, args, self.context)

    async def _press(self, message: Incoming, payload: str) -> list[Reply]:
        action, _, argument = payload.partition(":")
        if action == "more":
            return await answers.more(message, "", self.context)
        if action == "read":
            return await answers.read(message, argument, self.context)
        if action == "topic":
            return await answers.topic(message, argument, self.context)
        return [text_reply(t("unknown_button", self._language(message)))]


def help_reply(commands: Sequence[Command], language: str) -> Reply:
    builder = ReplyBuilder().add(t("help.intro", language))
    for command in commands:
        name = command.french if language == "fr" else command.name
        builder.add(bold(f"/{name}"), " " + (command.help_fr if language == "fr" else command.help))
    builder.add(t("help.example", language))
    return builder.build()
