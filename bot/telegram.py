"""The Telegram adapter: pure translators (update JSON -> Incoming, Reply -> HTML, inline keyboard),
a messenger for the outbox, and a thin loop around python-telegram-bot's Application.

The loop never owns the event loop (no ``run_polling``): the bot runs next to the scheduler and the
other adapters in one asyncio loop, started and stopped by the caller.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import warnings
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.settings import Settings
from handlers import accounts
from handlers.delivery import DeliveryError, RateLimits, Recipient
from handlers.i18n import t
from handlers.messages import Attachment, Incoming, Line, Reply, Span, text_reply
from handlers.router import Command, Router, default_commands
from storage.database import Database

logger = logging.getLogger(__name__)

PLATFORM = "telegram"
MESSAGE_LIMIT = 4096
MIN_LIMIT = 16
CALLBACK_DATA_LIMIT = 64  # bytes, not characters
# Only these reach the bot: edits, channel posts and membership changes are never asked for.
ALLOWED_UPDATES = ("message", "callback_query")
# How many updates are handled at once; messages of one chat are still handled in order.
CONCURRENT_UPDATES = 16
# Replies in a conversation wait out a rate limit a couple of times, briefly; proactive messages
# go through the outbox, whose deliverer has its own policy.
REPLY_ATTEMPTS = 3
MAX_REPLY_WAIT = 30.0
# Three short buttons share a phone-width row; a longer label gets a row of its own.
BUTTONS_PER_ROW = 3
SHORT_LABEL = 16

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramSetupError(ValueError):
    """The Telegram settings cannot work (no token, a webhook without its secret): the bot refuses to start."""


# --- update JSON -> Incoming -----------------------------------------------------------------------


def _display_name(user: Mapping[str, Any]) -> str | None:
    name = " ".join(str(part) for part in (user.get("first_name"), user.get("last_name")) if part)
    return name or (str(user["username"]) if user.get("username") else None)


def _private_chat_id(message: object) -> str | None:
    if not isinstance(message, Mapping):
        return None
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") != "private" or "id" not in chat:
        return None
    return str(chat["id"])


def _person(user: object) -> Mapping[str, Any] | None:
    if not isinstance(user, Mapping) or "id" not in user or user.get("is_bot"):
        return None
    return user


def unreadable_private_message(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """(chat id, language) of a private message the bot cannot read (a sticker, a photo, a voice
    note): it gets one sentence saying so, rather than silence."""
    message = data.get("message")
    chat_id = _private_chat_id(message)
    if chat_id is None or not isinstance(message, Mapping) or isinstance(message.get("text"), str):
        return None
    sender = _person(message.get("from"))
    if sender is None:
        return None
    return chat_id, "fr" if str(sender.get("language_code") or "").startswith("fr") else "en"


def incoming_from_update(data: Mapping[str, Any]) -> Incoming | None:
    """A Telegram Update (Bot API JSON) as an Incoming, or None when the bot should not answer it.

    The bot talks in private chats only: groups, channels and edited messages are ignored. So is a
    message without text (a sticker, a photo, a voice note): as an empty text it would be taken for an
    answer in the middle of a check-in.
    """
    query = data.get("callback_query")
    if isinstance(query, Mapping):
        sender = _person(query.get("from"))
        chat_id = _private_chat_id(query.get("message"))
        payload = query.get("data")
        if sender is None or chat_id is None or not isinstance(payload, str) or not payload:
            return None
        return Incoming(PLATFORM, str(sender["id"]), chat_id, button=payload, display_name=_display_name(sender))
    message = data.get("message")
    chat_id = _private_chat_id(message)
    if chat_id is None or not isinstance(message, Mapping):
        return None
    sender = _person(message.get("from"))
    text = message.get("text")
    if sender is None or not isinstance(text, str) or not text.strip():
        return None
    return Incoming(PLATFORM, str(sender["id"]), chat_id, text=text, display_name=_display_name(sender))


# --- Reply -> HTML ---------------------------------------------------------------------------------


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _linkable(url: str | None) -> bool:
    return url is not None and url.lower().startswith(_LINK_SCHEMES)


def _wrap(span: Span, text: str) -> str:
    """One span's text, escaped once, inside its tags."""
    inner = html.escape(text, quote=False)
    if span.italic:
        inner = f"<i>{inner}</i>"
    if span.bold:
        inner = f"<b>{inner}</b>"
    if _linkable(span.link):
        inner = f'<a href="{html.escape(span.link or "", quote=True)}">{inner}</a>'
    return inner


def _fitting_prefix(text: str, room: int) -> int:
    """How many characters of ``text`` fit in ``room`` units once escaped."""
    if _units(html.escape(text, quote=False)) <= room:
        return len(text)  # nearly always: spare the character-by-character count
    used = 0
    for count, character in enumerate(text):
        used += _units(html.escape(character, quote=False))
        if used > room:
            return count
    return len(text)


def _line_pieces(spans: Line, limit: int) -> list[str]:
    """A line rendered in pieces of at most ``limit`` units, cut between characters of a span's text,
    never inside a tag or an entity; preferably after a space."""
    pieces: list[str] = []
    current = ""
    for original in spans:
        span, rest = original, original.text
        if span.link and not _linkable(span.link):
            # Telegram refuses a link it cannot open: the address is shown as text instead.
            shown = span.text if span.link == span.text else f"{span.text} ({span.link})"
            span, rest = replace(span, link=None), shown
        while rest:
            room = limit - _units(current) - _units(_wrap(span, ""))
            cut = _fitting_prefix(rest, room) if room > 0 else 0
            if cut < len(rest):
                space = rest.rfind(" ", 0, cut)
                if space > 0:
                    cut = space + 1
                elif current:
                    pieces.append(current)
                    current = ""
                    continue
            if cut == 0:
                # Even a piece of its own cannot hold the tags (a huge link): keep the words, drop the markup.
                span = Span(rest)
                continue
            current += _wrap(span, rest[:cut])
            rest = rest[cut:]
            if rest:
                pieces.append(current)
                current = ""
    if current or not pieces:
        pieces.append(current)
    return pieces


def render_html(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply as Telegram HTML messages, each at most ``limit`` units: split between lines, and
    inside a line only when the line alone is too long. Empty when the reply has no text."""
    if limit < MIN_LIMIT:
        raise ValueError(f"a message limit under {MIN_LIMIT} cannot hold an escaped character in its tags")
    messages: list[str] = []
    current: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        while current and not current[-1].strip():
            current.pop()
        if current:
            messages.append("\n".join(current))
        current, size = [], 0

    for spans in reply.lines:
        for piece in _line_pieces(spans, limit):
            if not current and not piece.strip():
                continue  # a message never starts with blank lines
            added = _units(piece) + (1 if current else 0)
            if current and size + added > limit:
                flush()
                if not piece.strip():
                    continue
                added = _units(piece)
            current.append(piece)
            size += added
    flush()
    return messages


# --- inline keyboard -------------------------------------------------------------------------------


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard: short labels three to a row, long ones alone.

    Telegram accepts callback data of 1 to 64 bytes: a button whose payload does not fit is left out
    (and logged) rather than failing the whole message."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for button in reply.buttons:
        size = len(button.payload.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            logger.warning("button %r left out: its payload is %d bytes, Telegram takes 1 to %d",
                           button.label, size, CALLBACK_DATA_LIMIT)
            continue
        markup_button = InlineKeyboardButton(button.label, callback_data=button.payload)
        if len(button.label) > SHORT_LABEL:
            if row:
                rows.append(row)
                row = []
            rows.append([markup_button])
            continue
        row.append(markup_button)
        if len(row) == BUTTONS_PER_ROW:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


# --- sending ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessagePart:
    """One Bot API call of a reply: a text message, or the attached file, maybe with the keyboard."""

    text: str | None = None
    attachment: Attachment | None = None
    markup: InlineKeyboardMarkup | None = None


def message_parts(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[MessagePart]:
    """The calls that send a reply: its text messages, then its file; the keyboard goes on the last
    text message (on the file when there is no text)."""
    texts = render_html(reply, limit)
    parts = [MessagePart(text=text) for text in texts]
    if reply.attachment is not None:
        parts.append(MessagePart(attachment=reply.attachment))
    markup = keyboard(reply)
    if markup is not None and parts:
        last = len(texts) - 1 if texts else len(parts) - 1
        parts[last] = replace(parts[last], markup=markup)
    return parts


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait a 429 asks for. PTB 22 gives an int or a timedelta depending on PTB_TIMEDELTA, and
    warns about the int: both are read here, without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def delivery_error(error: TelegramError, token: str = "") -> DeliveryError:
    """What a Bot API error means for the deliverer. A transport error may quote the request URL,
    which carries the token: the token is blanked out of the reason, which is stored and logged."""
    reason = str(error).replace(token, "<token>") if token else str(error)
    if isinstance(error, RetryAfter):
        return DeliveryError(f"Too Many Requests: {reason}", retry_after=retry_after_seconds(error))
    if isinstance(error, Forbidden | ChatMigrated):
        return DeliveryError(reason, unreachable=True)
    if isinstance(error, BadRequest):
        if "chat not found" in reason.lower():
            return DeliveryError(reason, unreachable=True)
        return DeliveryError(reason, permanent=True)
    if isinstance(error, NetworkError):  # TimedOut included: transient, the deliverer backs off
        return DeliveryError(reason)
    return DeliveryError(f"{type(error).__name__}: {reason}")


async def send_part(bot: Bot, chat_id: str, part: MessagePart) -> None:
    """Makes one Bot API call, or raises DeliveryError."""
    try:
        if part.text is not None:
            await bot.send_message(chat_id, part.text, parse_mode=ParseMode.HTML, reply_markup=part.markup,
                                   link_preview_options=_NO_PREVIEW)
        elif part.attachment is not None:
            await bot.send_document(chat_id, part.attachment.content, filename=part.attachment.filename,
                                    reply_markup=part.markup)
    except TelegramError as error:
        raise delivery_error(error, bot.token) from error


class TelegramMessenger:
    """Delivers outbox messages to Telegram chats. It does not wait or retry: the deliverer does.

    A reply may take several calls (a long text, a file). When one of them fails and the deliverer
    sends the same reply again, the calls that went through are not repeated."""

    def __init__(self, bot: Bot, *, remembered: int = 1000) -> None:
        use_timedelta_retry_after()
        self.bot = bot
        self.platform = PLATFORM
        # Two sends in flight are plenty at 30 a second; more open connections make httpcore's pool
        # slower per request (measured: 700 µs of CPU a send at 2, 1,300 µs at 30).
        self.limits = RateLimits(overall_per_second=30, per_chat_per_second=1, concurrent=2)
        self._done: OrderedDict[tuple[str, Reply], int] = OrderedDict()
        self._remembered = remembered

    async def send(self, recipient: Recipient, reply: Reply) -> None:
        key = (recipient.chat_id, reply)
        parts = message_parts(reply)
        done = self._done.pop(key, 0)
        for index in range(done, len(parts)):
            try:
                await send_part(self.bot, recipient.chat_id, parts[index])
            except DeliveryError as error:
                if index > 0 and not error.permanent:
                    self._done[key] = index
                    while len(self._done) > self._remembered:
                        self._done.popitem(last=False)
                raise


# --- the loop --------------------------------------------------------------------------------------


def use_timedelta_retry_after() -> None:
    """Opts in to what python-telegram-bot's next major version does anyway (``RetryAfter`` as a
    timedelta); otherwise every 429 during a broadcast prints a deprecation warning."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


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
    and takes only calls that carry ``secret`` in X-Telegram-Bot-Api-Secret-Token."""

    url: str
    secret: str
    listen: str = "0.0.0.0"
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


class _ChatLocks:
    """One lock per chat with messages in flight: a person's messages are handled in the order they
    were sent, while other chats go on."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: Counter[str] = Counter()

    @asynccontextmanager
    async def hold(self, chat_id: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:
                del self._users[chat_id]
                del self._locks[chat_id]


def _file_url(base_url: str) -> str:
    """The file URL that goes with a Bot API URL: ".../bot" serves files at ".../file/bot"."""
    stripped = base_url.rstrip("/")
    return stripped.removesuffix("/bot") + "/file/bot" if stripped.endswith("/bot") else base_url


class TelegramBot:
    """The bot on Telegram: long polling, or a webhook when ``webhook`` is given.

    ``await start()`` returns once updates are flowing; ``await stop()`` stops taking updates, lets
    the ones in flight finish, and closes the connections."""

    def __init__(self, token: str, router: Router, database: Database, now: Callable[[], datetime], *,
                 base_url: str | None = None, webhook: WebhookSettings | None = None,
                 poll_timeout: timedelta = timedelta(seconds=10),
                 concurrent_updates: int = CONCURRENT_UPDATES) -> None:
        if not token:
            raise TelegramSetupError("A Telegram bot token is needed (HCBOT_TELEGRAM_TOKEN)")
        # Before the Bot exists: it logs its URL, token included, as it is built.
        quiet_secret_loggers()
        self.router = router
        self.database = database
        self.now = now
        self.webhook = webhook
        self.poll_timeout = poll_timeout
        builder = ApplicationBuilder().token(token).job_queue(None).concurrent_updates(concurrent_updates)
        if base_url:
            builder = builder.base_url(base_url).base_file_url(_file_url(base_url))
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.messenger = TelegramMessenger(self.application.bot)
        self._locks = _ChatLocks()

    @property
    def username(self) -> str:
        """The bot's @username, known once started."""
        return self.application.bot.username

    async def start(self) -> None:
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
            await self._handle(update)
        except Exception:
            # One bad update must not stop the others: log it and go on.
            logger.exception("Telegram update %s failed", update.update_id)

    async def _handle(self, update: Update) -> None:
        data = update.to_dict()
        incoming = incoming_from_update(data)
        query = update.callback_query
        if incoming is None:
            if query is not None:
                await self._answer_button(query.id)
            elif (unreadable := unreadable_private_message(data)) is not None:
                chat_id, language = unreadable
                await self._reply(chat_id, text_reply(t("text_only", language)))
            return
        async with self._locks.hold(incoming.chat_id):
            key = f"telegram:{self.application.bot.id}:{update.update_id}"
            if not await accounts.first_time(self.database, key, self.now()):
                return  # delivered again: a webhook retry, or a restart before the offset was confirmed
            if query is not None:
                await self._answer_button(query.id)
            for reply in await self.router.handle(incoming):
                if not await self._reply(incoming.chat_id, reply):
                    break

    async def _answer_button(self, query_id: str) -> None:
        """Stops the spinner on the pressed button."""
        try:
            await self.application.bot.answer_callback_query(query_id)
        except TelegramError as error:
            logger.warning("Telegram callback query not answered: %s", error)

    async def _reply(self, chat_id: str, reply: Reply) -> bool:
        """Sends one reply; False when the chat cannot be reached."""
        for part in message_parts(reply):
            for attempt in range(1, REPLY_ATTEMPTS + 1):
                try:
                    await send_part(self.application.bot, chat_id, part)
                    break
                except DeliveryError as error:
                    if error.retry_after is not None and attempt < REPLY_ATTEMPTS:
                        await asyncio.sleep(min(error.retry_after, MAX_REPLY_WAIT))
                        continue
                    logger.warning("reply to Telegram chat %s not sent: %s", chat_id, error)
                    if error.unreachable:
                        await accounts.deactivate(self.database, PLATFORM, chat_id, str(error))
                    return False
        return True


def telegram_bot_from_settings(settings: Settings, router: Router, database: Database,
                               now: Callable[[], datetime]) -> TelegramBot | None:
    """The Telegram bot the settings ask for, or None when no token is set."""
    if settings.telegram_token is None or not settings.telegram_token.get_secret_value():
        return None
    webhook = None
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
        webhook = WebhookSettings(url=settings.telegram_webhook_url, secret=secret,
                                  listen=settings.telegram_webhook_listen, port=settings.telegram_webhook_port,
                                  path=settings.telegram_webhook_path)
    return TelegramBot(settings.telegram_token.get_secret_value(), router, database, now,
                       base_url=settings.telegram_api_url, webhook=webhook)
