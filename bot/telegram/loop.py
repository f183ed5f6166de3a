"""The thin loop around python-telegram-bot's Application: polling or a webhook, each update
translated and handed to the live path, which owns dedupe, ordering, sending and retries.

The loop never owns the event loop (no ``run_polling``): the bot runs next to the scheduler and the
other adapters in one asyncio loop, started and stopped by the caller.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import BaseRequest, RequestData

from bot.logs import keep_out_of_logs
from bot.settings import Settings
from bot.telegram.messenger import TelegramMessenger
from bot.telegram.request import DEFAULT_BACKEND, sending_request
from bot.telegram.translate import incoming_from_update
from handlers.delivery import RateLimits
from handlers.live import LivePath
from handlers.router import Command, default_commands

logger = logging.getLogger(__name__)

# Only these reach the bot: edits, channel posts and membership changes are never asked for.
ALLOWED_UPDATES = ("message", "callback_query")
# How many updates are handled at once; the live path keeps one person's messages in order.
CONCURRENT_UPDATES = 16
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# A send's answer is awaited this long (PTB's default is 5 s): a read timeout leaves the message in
# doubt (Telegram may have it), so it must be far above Telegram's usual latency.
SEND_READ_TIMEOUT = 30.0
# Connections for sends through a backend other than PTB's own (which pools 256): the deliverer
# keeps a few sends to Telegram in flight, live replies add one per person answered at once.
SEND_POOL = 64
# A getUpdates answer is awaited this long beyond its long-poll timeout (PTB's own default).
POLL_READ_TIMEOUT = 5.0
# How long a getUpdates call waits for the batch it confirms to be handled before confirming it
# anyway: a handler that never ends must not stop the bot from reading messages.
CONFIRM_WAIT = 60.0


class TelegramSetupError(ValueError):
    """The Telegram settings cannot work (no token, a webhook without its secret): the bot refuses to start."""


def quiet_secret_loggers() -> None:
    """Keeps the bot token and the webhook secret out of the logs: httpx logs every request URL at
    INFO and the Bot API URL contains the token; PTB's bot logs that URL, and every call's parameters
    (the webhook secret among them), at DEBUG."""
    for name, level in (("httpx", logging.WARNING), ("telegram.Bot", logging.INFO),
                        ("telegram.ext.ExtBot", logging.INFO)):
        library_logger = logging.getLogger(name)
        if library_logger.level < level:
            library_logger.setLevel(level)


def bot_commands(commands: Sequence[Command], language: str) -> list[BotCommand]:
    """The command menu in one language, in the names and words the router understands."""
    menu: list[BotCommand] = []
    seen: set[str] = set()
    for command in commands:
        name = command.french if language == "fr" else command.name
        description = (command.help_fr if language == "fr" else command.help).strip()[:256]
        if _COMMAND_NAME.match(name) and description and name not in seen:
            seen.add(name)
            menu.append(BotCommand(name, description))
    return menu


def invite_link(bot_username: str, code: str) -> str:
    """The t.me link that opens the bot and sends "/start CODE": one tap links the chat."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={quote(code.strip(), safe='')}"


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Webhook mode: Telegram calls ``url`` (public, HTTPS); the bot listens on ``listen:port/path``
    (loopback unless asked: a reverse proxy terminates TLS) and takes only calls that carry
    ``secret`` in X-Telegram-Bot-Api-Secret-Token."""

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    path: str = "telegram"

    def __post_init__(self) -> None:
        if not self.secret:
            raise TelegramSetupError("Telegram webhook mode needs a secret token (HCBOT_TELEGRAM_WEBHOOK_SECRET): "
                                     "without one anybody could post updates to the bot")
        if not _WEBHOOK_SECRET.match(self.secret):
            raise TelegramSetupError("The Telegram webhook secret must be 1-256 characters: letters, digits, _ and -")
        if not self.url:
            raise TelegramSetupError("Telegram webhook mode needs the public URL Telegram calls")


def parseable_updates(result: list[Any]) -> list[Any]:
    """A getUpdates batch with every update this version of python-telegram-bot cannot parse (the
    Bot API documentation's own test update lacks ``is_bot`` and the chat's ``type``) replaced by
    an empty update with the same id. PTB would otherwise fail the whole batch and fetch it again,
    at once, forever; the empty update confirms the offset past it, and the bot ignores it."""
    kept: list[Any] = []
    for item in result:
        try:
            Update.de_json(item, None)
        except Exception as error:
            update_id = item.get("update_id") if isinstance(item, dict) else None
            # The type of the error only: the update's content is a person's message.
            logger.warning("Telegram update %s skipped: it cannot be parsed (%s)", update_id, type(error).__name__)
            if isinstance(update_id, int):
                kept.append({"update_id": update_id})
            continue
        kept.append(item)
    return kept


class UpdatesRequest(BaseRequest):
    """The connection getUpdates uses (python-telegram-bot gives it one of its own), on the same
    HTTP backend as the sends (``inner``), with unparseable updates skipped before the library
    sees the batch (``parse_json_payload`` is the hook PTB offers for reading responses).

    It also holds each getUpdates until the updates its offset confirms are handled. Telegram
    forgets confirmed updates, and PTB confirms a batch with the next call, made as soon as the
    batch is queued, before any of it is handled: a kill -9 mid-handling then lost the message (the
    fault tests caught it). Held, an unhandled update is fetched again after a crash, and the event
    key makes a second delivery of a handled one a no-op.

    When few people write, each question has a getUpdates of its own: on PTB's httpx backend that
    call was about a quarter of the bot's CPU (py-spy, ``bench_platforms.py --concurrent 50 --think
    1``), hence the backend the sends measured cheaper."""

    def __init__(self, inner: BaseRequest) -> None:
        self.inner = inner
        self.unhandled: set[int] = set()
        # Each fetched update as Telegram sent it, until handled: the handler reads it as it came
        # rather than turning PTB's parsed object back into a dict (measured: about 2 % of a question).
        self.raw: dict[int, dict[str, Any]] = {}
        self._progress = asyncio.Event()

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        data = BaseRequest.parse_json_payload(payload)
        if isinstance(data.get("result"), list):
            data["result"] = parseable_updates(data["result"])
            for item in data["result"]:
                if isinstance(item, dict) and isinstance(item.get("update_id"), int):
                    self.unhandled.add(item["update_id"])
                    self.raw[item["update_id"]] = item
        return data

    def handled(self, update_id: int) -> None:
        self.unhandled.discard(update_id)
        self.raw.pop(update_id, None)
        self._progress.set()

    async def _until_handled(self, offset: int) -> None:
        while any(update_id < offset for update_id in self.unhandled):
            self._progress.clear()
            await self._progress.wait()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        offset = request_data.parameters.get("offset") if request_data is not None else None
        if isinstance(offset, int):
            try:
                # Not asyncio.wait_for: on Python 3.11 it drops a cancellation that arrives as the
                # wait ends, and PTB's stop cancels the poll just as the last update is handled.
                # The poll then went on holding the connection PTB's last getUpdates needed.
                async with asyncio.timeout(CONFIRM_WAIT):
                    await self._until_handled(offset)
            except TimeoutError:
                logger.warning("Telegram updates confirmed after %.0f s without being handled", CONFIRM_WAIT)
        return await self.inner.do_request(url, method, request_data, read_timeout, write_timeout,
                                           connect_timeout, pool_timeout)


def _file_url(base_url: str) -> str:
    """The file URL that goes with a Bot API URL: ".../bot" serves files at ".../file/bot"."""
    stripped = base_url.rstrip("/")
    return stripped.removesuffix("/bot") + "/file/bot" if stripped.endswith("/bot") else base_url


class TelegramBot:
    """The bot on Telegram: long polling, or a webhook when ``webhook`` is given.

    ``await start()`` returns once updates are flowing; ``await stop()`` stops taking updates, lets
    the ones in flight finish, and closes the connections."""

    def __init__(self, token: str, live: LivePath, *, base_url: str | None = None,
                 webhook: WebhookSettings | None = None, poll_timeout: timedelta = timedelta(seconds=10),
                 concurrent_updates: int = CONCURRENT_UPDATES, limits: RateLimits | None = None,
                 http_backend: str = DEFAULT_BACKEND) -> None:
        if not token:
            raise TelegramSetupError("A Telegram bot token is needed (HCBOT_TELEGRAM_TOKEN)")
        # Before the Bot exists: it logs its URL, token included, as it is built.
        quiet_secret_loggers()
        keep_out_of_logs(token, token.partition(":")[2], webhook.secret if webhook else None)
        self.live = live
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        # Two connections: PTB's stop cancels the long poll and at once makes one more getUpdates
        # (to confirm the last batch), which must not wait for the cancelled one's to be let go.
        self._updates_request = UpdatesRequest(sending_request(http_backend, connection_pool_size=2,
                                                              read_timeout=POLL_READ_TIMEOUT))
        builder = (ApplicationBuilder().token(token).job_queue(None).concurrent_updates(concurrent_updates)
                   .get_updates_request(self._updates_request))
        if http_backend == "httpx":
            builder = builder.read_timeout(SEND_READ_TIMEOUT)  # PTB's own httpx request, as built by PTB
        else:
            builder = builder.request(sending_request(http_backend, connection_pool_size=SEND_POOL,
                                                      read_timeout=SEND_READ_TIMEOUT))
        if base_url:
            builder = builder.base_url(base_url).base_file_url(_file_url(base_url))
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.messenger = TelegramMessenger(self.application.bot, limits=limits)
        # Updates handled so far, answered or ignored: what a test or a health check can wait for.
        self.handled = 0

    @property
    def username(self) -> str:
        """The bot's @username, known once started."""
        return self.application.bot.username

    async def start(self, *, receive: bool = True) -> None:
        """Starts sending and, with ``receive``, taking updates (``hcbot tick`` only sends)."""
        application = self.application
        try:
            await application.initialize()  # getMe: a wrong token stops here
        except InvalidToken:
            await application.bot.shutdown()
            # PTB's own message quotes the token.
            raise TelegramSetupError("The Bot API refused the Telegram bot token (HCBOT_TELEGRAM_TOKEN)") from None
        except BaseException:
            await application.bot.shutdown()
            raise
        if not receive:
            return
        try:
            await self._register_commands()
            await application.start()
            assert application.updater is not None  # the builder always makes one
            if self.webhook is not None:
                await application.updater.start_webhook(
                    listen=self.webhook.listen, port=self.webhook.port, url_path=self.webhook.path,
                    webhook_url=self.webhook.url, secret_token=self.webhook.secret,
                    allowed_updates=list(ALLOWED_UPDATES))
            else:
                await application.updater.start_polling(timeout=self.poll_timeout,
                                                        allowed_updates=list(ALLOWED_UPDATES))
        except BaseException:
            await self.stop()
            raise
        logger.info("Telegram bot @%s started (%s)", self.username, "webhook" if self.webhook else "polling")

    async def stop(self) -> None:
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()  # waits for the updates in flight
        await application.shutdown()

    async def _register_commands(self) -> None:
        """The "/" menu, in English by default and in French for French-speaking Telegram users."""
        commands = default_commands()
        try:
            await self.application.bot.set_my_commands(bot_commands(commands, "en"))
            await self.application.bot.set_my_commands(bot_commands(commands, "fr"), language_code="fr")
        except TelegramError as error:
            # A missing menu is cosmetic: the commands work when typed.
            logger.warning("Telegram command menu not set: %s", error)

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            query = update.callback_query
            # The spinner stops at once, whatever the press leads to; the answer is not awaited
            # first, so the press keeps its place among the person's messages.
            spinner = asyncio.create_task(self._answer_button(query.id)) if query is not None else None
            raw = self._updates_request.raw.get(update.update_id)  # None in webhook mode
            incoming = incoming_from_update(raw if raw is not None else update.to_dict(), self.application.bot.id)
            if incoming is not None:
                await self.live.answer(incoming)
            if spinner is not None:
                await spinner
        except Exception:
            # One bad update must not stop the others: log it and go on.
            logger.exception("Telegram update %s failed", update.update_id)
        finally:
            self.handled += 1
            self._updates_request.handled(update.update_id)  # the next poll may confirm it now

    async def _answer_button(self, query_id: str) -> None:
        """Stops the spinner on the pressed button."""
        try:
            await self.application.bot.answer_callback_query(query_id)
        except TelegramError as error:
            logger.warning("Telegram callback query not answered: %s", error)


def telegram_bot_from_settings(settings: Settings, live: LivePath) -> TelegramBot | None:
    """The Telegram bot the settings ask for, or None when no token is set."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return None
    webhook = None
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        webhook = WebhookSettings(url=settings.telegram_webhook_url, secret=secret,
                                  listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
                                  path=settings.telegram_webhook_path)
    per_second = settings.telegram_messages_per_second
    return TelegramBot(settings.telegram_token.get_secret_value(), live, base_url=settings.telegram_api_url,
                       webhook=webhook, limits=RateLimits(overall_per_second=per_second if per_second > 0 else None,
                                                          per_chat_per_second=1, concurrent=2))
