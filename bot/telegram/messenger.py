"""Sending replies to Telegram chats for the deliverer, and what each Bot API error means to it.
It never waits or retries: the deliverer does (one policy for every platform)."""

from __future__ import annotations

import os
import warnings
from collections import OrderedDict
from datetime import timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # not exported; PTB pinned to 22.x
from telegram.warnings import PTBDeprecationWarning

from bot.telegram.render import MessagePart, message_parts
from bot.telegram.request import MAYBE_DELIVERED
from bot.telegram.translate import PLATFORM
from handlers.delivery import DeliveryError, RateLimits, Recipient
from handlers.messages import Reply

_NO_PREVIEW_JSON = LinkPreviewOptions(is_disabled=True).to_dict()
# What Telegram says when it refuses a message's markup or size: as plain text it may pass.
_RENDERING_REFUSALS = ("can't parse entities", "message is too long")
# Transport failures after the request may have reached Telegram (PTB keeps httpx's error as the
# cause): the message may have been delivered, so it is in doubt and not sent again. A connect or
# pool timeout, a refused connection never sent anything: those are retried.
_MAYBE_DELIVERED = MAYBE_DELIVERED  # both HTTP backends' errors: see bot/telegram/request.py


def use_timedelta_retry_after() -> None:
    """Opts in to what python-telegram-bot's next major version does anyway (``RetryAfter`` as a
    timedelta); otherwise every 429 during a broadcast prints a deprecation warning."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


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
        lowered = reason.lower()
        if "chat not found" in lowered:
            return DeliveryError(reason, unreachable=True)
        if any(refusal in lowered for refusal in _RENDERING_REFUSALS):
            return DeliveryError(reason, rendering=True)
        return DeliveryError(reason, permanent=True)
    if isinstance(error, NetworkError):  # TimedOut included
        # Before, every one was retried: a lost answer (the fault tests' 5 %) sent the message twice.
        return DeliveryError(reason, ambiguous=isinstance(error.__cause__, _MAYBE_DELIVERED))
    return DeliveryError(f"{type(error).__name__}: {reason}")


async def _send_text(bot: Bot, chat_id: str, text: str, part: MessagePart) -> None:
    """sendMessage through python-telegram-bot's request layer: its status codes, errors (RetryAfter,
    Forbidden, BadRequest...) and timeouts, as ``Bot.send_message`` has them. What it leaves out is
    the parsing of Telegram's answer into a ``Message``, which the bot never reads, and the turning
    of each argument into a parameter: measured, 7 % of a question's CPU under load."""
    # A numeric chat id goes as a number, as PTB's own calls send it.
    target: int | str = int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id
    parameters = [RequestParameter("chat_id", target, None), RequestParameter("text", text, None),
                  RequestParameter("link_preview_options", _NO_PREVIEW_JSON, None)]
    if not part.plain:
        parameters.append(RequestParameter("parse_mode", ParseMode.HTML.value, None))
    if part.markup is not None:
        parameters.append(RequestParameter("reply_markup", part.markup.to_dict(), None))
    await bot.request.post(f"{bot.base_url}/sendMessage", RequestData(parameters))


async def send_part(bot: Bot, chat_id: str, part: MessagePart) -> None:
    """Makes one Bot API call, or raises DeliveryError."""
    try:
        if part.text is not None:
            await _send_text(bot, chat_id, part.text, part)
        elif part.attachment is not None:
            await bot.send_document(chat_id, part.attachment.content, filename=part.attachment.filename,
                                    reply_markup=part.markup)
    except TelegramError as error:
        raise delivery_error(error, bot.token) from error


class TelegramMessenger:
    """Delivers replies to Telegram chats.

    A reply may take several calls (a long text, a file). When one of them fails for a reason that
    may pass later and the deliverer sends the same reply again, the calls that went through are not
    repeated; the most recent ``remembered`` such replies are kept, so memory stays bounded."""

    platform = PLATFORM

    def __init__(self, bot: Bot, *, limits: RateLimits | None = None, remembered: int = 1000) -> None:
        use_timedelta_retry_after()
        self.bot = bot
        # Two sends in flight are plenty at 30 a second; more open connections make httpcore's pool
        # slower per request (measured: 700 µs of CPU a send at 2, 1,300 µs at 30).
        self.limits = limits or RateLimits(overall_per_second=30, per_chat_per_second=1, concurrent=2)
        self._done: OrderedDict[tuple[str, Reply, bool], int] = OrderedDict()
        self._remembered = remembered

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        key = (recipient.chat_id, reply, plain)
        parts = message_parts(reply, plain=plain)
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
