"""The Slack adapter: pure translators between Slack's payloads and the bot's messages, a messenger
that delivers the outbox, and a thin loop around slack-bolt's ``AsyncApp``.

Privacy rule: plan data never goes into a shared channel. Slash commands and buttons are answered
in the person's direct messages with the bot; a mention in a channel is answered in its thread only
when the answer comes from the library (a question, /topics, /help...), anything else goes to the
person's direct messages.

Slack intercepts every message that starts with "/" as a slash command, so on Slack the router's
commands live under one slash command: "/checkin" is typed "/hcbot checkin". The renderer rewrites
the command names the bot's sentences mention accordingly.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, Final, Literal

import aiohttp
from aiohttp import ClientSession, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from handlers import accounts
from handlers.checkins.home import home
from handlers.delivery import DeliveryError, RateLimits, Recipient
from handlers.messages import Incoming, Reply, Span
from handlers.router import Router, default_commands
from storage.database import Database

logger = logging.getLogger(__name__)

PLATFORM: Final = "slack"
SLASH_COMMAND: Final = "/hcbot"
# What slack-manifest.yaml must grant and subscribe to; tests/test_slack.py holds the two together.
BOT_EVENTS: Final = frozenset({"message.im", "app_mention", "app_home_opened"})
BOT_SCOPES: Final[Mapping[str, str]] = {
    "app_mentions:read": "app_mention events",
    "chat:write": "chat.postMessage: every reply and every outbox message",
    "commands": "the /hcbot slash command",
    "files:write": "files.getUploadURLExternal and files.completeUploadExternal: the draft update",
    "im:history": "message.im events: what people write to the bot",
    "users:read": "users.info: who wrote, to link them by e-mail",
    "users:read.email": "the profile e-mail in users.info",
}
ACTION_ID: Final = re.compile(r"^hcbot:\d+$")

# Slack's limits (Block Kit reference).
SECTION_TEXT_LIMIT: Final = 3000
MESSAGE_BLOCK_LIMIT: Final = 50
HOME_BLOCK_LIMIT: Final = 100
BUTTONS_PER_BLOCK: Final = 25
BUTTON_LABEL_LIMIT: Final = 75
BUTTON_VALUE_LIMIT: Final = 2000
FALLBACK_TEXT_LIMIT: Final = 3000

# The person cannot be reached through this chat until something changes on their side.
UNREACHABLE_ERRORS: Final = frozenset({
    "channel_not_found", "user_not_found", "account_inactive", "is_archived", "cannot_dm_bot", "user_disabled",
})
# Slack's own trouble, reported with ok:false: worth trying again later.
TRANSIENT_ERRORS: Final = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})

# Commands whose answers come from the library, never from a plan: safe in a channel's thread.
_PUBLIC_COMMANDS: Final = frozenset({"help", "ask", "topics", "topic", "more", "read"})
_COMMANDS_ANSWERED_IN_DM_NOTE: Final = ("I am answering in our direct messages. · "
                                         "Je vous réponds en message direct.")

SlackMessage = tuple[str, list[dict[str, Any]]]
"""One chat.postMessage: the fallback text (notifications, old clients) and the Block Kit blocks."""


# --- Commands --------------------------------------------------------------------------------------


@cache
def _command_names(only: frozenset[str] | None = None) -> frozenset[str]:
    """The router's command words, English, French and aliases (``only``: these commands)."""
    names: set[str] = set()
    for command in default_commands():
        if only is None or command.name in only:
            names.update((command.name, command.french, *command.aliases))
    return frozenset(names)


_COMMAND_MENTION = re.compile(r"(?<![\w/])/([A-Za-z]+)\b")


def slack_commands(text: str) -> str:
    """"/checkin" -> "/hcbot checkin": the router's commands as they are typed on Slack."""
    def rewrite(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{SLASH_COMMAND} {name}" if name.lower() in _command_names() else match.group(0)

    return _COMMAND_MENTION.sub(rewrite, text)


# --- Incoming: Slack payloads -> Incoming -----------------------------------------------------------

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def text_from_slack(text: str) -> str:
    """Slack's message markup back to what the person typed: links, mentions and escapes."""
    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            prefix = target[0] if target[:1] in ("@", "#") else ""
            return prefix + label
        if target.startswith("!"):
            return "@" + target[1:]
        return target

    return _ENTITY.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _private_chat(channel: object, user_id: str) -> str:
    # A "D" channel where the bot sees a message or a button can only be the bot's own DM; anything
    # else is shared, and posting to the user id reaches the bot's DM with them instead.
    return channel if isinstance(channel, str) and channel.startswith("D") else user_id


def incoming_from_event(event: Mapping[str, Any]) -> Incoming | None:
    """A direct message to the bot or a mention of it; None for anything the bot must not answer
    (its own messages, edits, deletions, joins, messages in channels)."""
    user = event.get("user")
    if not isinstance(user, str) or not user or event.get("bot_id") or event.get("subtype"):
        return None
    text = event.get("text") or ""
    if event.get("type") == "message":
        if event.get("channel_type") != "im":
            return None
        return Incoming(PLATFORM, user, _private_chat(event.get("channel"), user), text=text_from_slack(text))
    if event.get("type") == "app_mention":
        return Incoming(PLATFORM, user, user, text=text_from_slack(_LEADING_MENTION.sub("", text, count=1)).strip())
    return None


def incoming_from_command(body: Mapping[str, Any]) -> Incoming:
    """``/hcbot SUB args`` -> "/SUB args"; a first word that is no command makes the whole text a
    question; nothing at all asks for help. Always answered in the person's DM."""
    user = str(body["user_id"])
    words = text_from_slack(str(body.get("text") or "")).strip()
    parts = words.split(maxsplit=1)
    if not parts:
        text = "/help"
    elif parts[0].lstrip("/").lower() in _command_names():
        text = " ".join(["/" + parts[0].lstrip("/").lower(), *parts[1:]])
    else:
        text = f"/ask {words}"
    name = body.get("user_name")
    return Incoming(PLATFORM, user, user, text=text, display_name=name if isinstance(name, str) else None)


def incoming_from_action(body: Mapping[str, Any]) -> Incoming:
    """A Block Kit button press: the button's value is the router's payload."""
    user = str(body["user"]["id"])
    actions = body.get("actions") or [{}]
    value = actions[0].get("value")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Incoming(PLATFORM, user, _private_chat(channel, user), button=value if isinstance(value, str) else "")


def mention_request(incoming: Incoming) -> tuple[Incoming, bool]:
    """What a mention asks, and whether its answer may go in the channel's thread.

    Plain text is always a question, never an answer to the person's open check-in: that would
    put their plan in the channel."""
    text = incoming.text.strip()
    if not text:
        return replace(incoming, text="/help"), True
    if not text.startswith("/"):
        return replace(incoming, text=f"/ask {text}"), True
    name = text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""
    return incoming, name in _command_names(_PUBLIC_COMMANDS)


# --- Outgoing: Reply -> Block Kit -------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters; everything else is taken literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _mrkdwn(span: Span, text: str) -> str:
    """One span as mrkdwn. Markers hug the words: Slack ignores "*bold *" with an inner space."""
    core = text.strip()
    if not core:
        return escape(text)
    start = text.index(core[0])
    lead, trail = text[:start], text[start + len(core):]
    body = escape(core)
    if span.link:
        body = f"<{_escape_url(span.link)}|{body}>"
    if span.italic:
        body = f"_{body}_"
    if span.bold:
        body = f"*{body}*"
    return escape(lead) + body + escape(trail)


_WORDS = re.compile(r"\S+\s*|\s+")


def _chunks(text: str, room: int) -> list[str]:
    """Splits text so each piece, once escaped, fits in ``room``; between words when it can."""
    pieces: list[str] = []
    current, size = "", 0
    for word in _WORDS.findall(text):
        for char in word if len(escape(word)) > room else [word]:
            length = len(escape(char))
            if size + length > room and current:
                pieces.append(current)
                current, size = "", 0
            current += char
            size += length
    if current:
        pieces.append(current)
    return pieces


def _atoms(span: Span, limit: int) -> list[tuple[str, str]]:
    """A span as (mrkdwn, fallback) pieces, each under ``limit`` characters of mrkdwn."""
    text = span.text if span.link else slack_commands(span.text)
    whole = _mrkdwn(span, text)
    if len(whole) <= limit:
        return [(whole, escape(text))]
    overhead = len(_mrkdwn(span, "x")) - 1
    if overhead > limit // 2:
        # A link whose address alone fills a section: keep its words, drop the link.
        span = Span(span.text, span.bold, span.italic)
        overhead = len(_mrkdwn(span, "x")) - 1
    return [(_mrkdwn(span, piece), escape(piece)) for piece in _chunks(text, limit - overhead)]


def _sections(reply: Reply, limit: int = SECTION_TEXT_LIMIT) -> list[tuple[str, str]]:
    """The reply's lines packed into as few section texts as the limit allows: (mrkdwn, fallback)."""
    sections: list[tuple[str, str]] = []
    markup, fallback = "", ""

    def flush() -> None:
        nonlocal markup, fallback
        if markup.strip():
            sections.append((markup.strip("\n"), fallback.strip("\n")))
        markup, fallback = "", ""

    def add(piece: str, plain: str) -> None:
        nonlocal markup, fallback
        if len(markup) + len(piece) > limit:
            flush()
            piece, plain = piece.lstrip("\n"), plain.lstrip("\n")
        markup += piece
        fallback += plain

    for number, spans in enumerate(reply.lines):
        if number:
            add("\n", "\n")
        for span in spans:
            for piece, plain in _atoms(span, limit):
                add(piece, plain)
    flush()
    return sections


def _section_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _action_blocks(reply: Reply) -> list[dict[str, Any]]:
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": button.label[:BUTTON_LABEL_LIMIT] or "…"},
         "value": button.payload[:BUTTON_VALUE_LIMIT], "action_id": f"hcbot:{number}"}
        for number, button in enumerate(reply.buttons)
    ]
    return [{"type": "actions", "elements": buttons[start:start + BUTTONS_PER_BLOCK]}
            for start in range(0, len(buttons), BUTTONS_PER_BLOCK)]


def _fallback(texts: Iterable[str], reply: Reply) -> str:
    text = "\n".join(texts).strip()
    if not text:
        text = " · ".join(escape(button.label) for button in reply.buttons)
    return text[:FALLBACK_TEXT_LIMIT] or " "


def render_blocks(reply: Reply) -> list[SlackMessage]:
    """The reply as one Slack message, or several when it exceeds Slack's 50 blocks a message.

    Sections of at most 3000 characters of mrkdwn, escaped once here; buttons in actions blocks of
    25 under the last section, each with a unique ``hcbot:N`` action id. A reply with only a file
    gets one message naming it, so the file has a message to follow; an empty reply gets none."""
    sections = _sections(reply)
    if not sections and not reply.buttons and reply.attachment is not None:
        name = escape(reply.attachment.filename)
        sections = [(name, name)]
    blocks = [(_section_block(markup), fallback) for markup, fallback in sections]
    blocks += [(block, "") for block in _action_blocks(reply)]
    messages: list[SlackMessage] = []
    for start in range(0, len(blocks), MESSAGE_BLOCK_LIMIT):
        batch = blocks[start:start + MESSAGE_BLOCK_LIMIT]
        messages.append((_fallback((fallback for _block, fallback in batch), reply), [block for block, _ in batch]))
    return messages


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab (views.publish): at most 100 blocks, the buttons always kept."""
    actions = _action_blocks(reply)
    sections = [_section_block(markup) for markup, _fallback in _sections(reply)]
    return {"type": "home", "blocks": sections[:HOME_BLOCK_LIMIT - len(actions)] + actions}


# --- Sending ------------------------------------------------------------------------------------------


def web_client(token: str, api_url: str | None = None, *, retries: bool = True) -> AsyncWebClient:
    """A Web API client. ``retries``: one more try after a network error or a 429 (the bot's live
    answers); the outbox's messenger takes none, because the deliverer decides about retries."""
    handlers = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=1)]
    return AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL,
                          retry_handlers=handlers if retries else [])


async def post_reply(client: AsyncWebClient, channel: str, reply: Reply, *, thread_ts: str | None = None) -> None:
    """Posts one reply: its messages, then its file. A channel may be a user id (the bot's DM with
    them): chat.postMessage answers with the DM's channel id, which the file upload needs."""
    posted_in = channel
    for text, blocks in render_blocks(reply):
        response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
        posted_in = str(response.get("channel") or channel)
    if reply.attachment is not None:
        await client.files_upload_v2(channel=posted_in, content=reply.attachment.content,
                                     filename=reply.attachment.filename, title=reply.attachment.filename,
                                     thread_ts=thread_ts)


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def delivery_error(error: SlackApiError) -> DeliveryError:
    """What Slack's answer means for the outbox: wait, try later, give up, or stop using this chat."""
    response = error.response
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "")
    status = response.status_code
    if status == 429 or code == "ratelimited":
        wait = _header(response.headers or {}, "Retry-After")
        try:
            retry_after = float(wait) if wait is not None else 1.0
        except ValueError:
            retry_after = 1.0
        return DeliveryError("slack: rate limited", retry_after=retry_after)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return DeliveryError(f"slack: {code or f'HTTP {status}'}")
    if code in UNREACHABLE_ERRORS:
        return DeliveryError(f"slack: {code}", unreachable=True)
    return DeliveryError(f"slack: {code or f'HTTP {status}'}", permanent=True)


class SlackMessenger:
    """Delivers outbox messages through the Web API. It neither retries nor waits: give it a client
    without retry handlers (``web_client(token, url, retries=False)``); the deliverer decides."""

    platform = PLATFORM
    # chat.postMessage takes about one message a second per channel, and Slack documents a
    # workspace-wide ceiling of "several hundred a minute": ten a second stays under it.
    limits = RateLimits(overall_per_second=10, per_chat_per_second=1)

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def send(self, recipient: Recipient, reply: Reply) -> None:
        # A reply too long for one message is several posts: if a later one fails, the retry sends
        # the earlier ones again. Replies that long are rare, and a repeat beats a loss.
        try:
            await post_reply(self.client, recipient.chat_id, reply)
        except SlackApiError as error:
            raise delivery_error(error) from error
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"slack: {type(error).__name__}") from error


# --- The loop -----------------------------------------------------------------------------------------


class SlackStartError(Exception):
    """Slack refused the credentials at start; the message names the problem, never the token."""


class SlackBot:
    """The bot on Slack: slack-bolt's ``AsyncApp`` in Socket Mode (no public URL; needs the app-level
    token) or in HTTP mode (Slack's signed requests to ``http_host:http_port`` + ``http_path``).

    Every request is acknowledged at once and worked on afterwards (bolt's default), so Slack never
    waits more than its 3 seconds; a retried event is recognised by its ``event_id`` in the database
    and dropped, on every replica."""

    def __init__(self, *, bot_token: str, router: Router, database: Database, now: Callable[[], datetime],
                 signing_secret: str | None = None, app_token: str | None = None,
                 mode: Literal["socket", "http"] = "socket", api_url: str | None = None,
                 http_host: str = "0.0.0.0", http_port: int = 3000, http_path: str = "/slack/events",
                 stop_grace_seconds: float = 10.0) -> None:
        if mode == "socket" and not app_token:
            raise ValueError("Slack Socket Mode needs the app-level token (xapp-...)")
        if mode == "http" and not signing_secret:
            raise ValueError("Slack HTTP mode needs the signing secret")
        self.router = router
        self.database = database
        self.now = now
        self.mode = mode
        self.http_host, self.http_port, self.http_path = http_host, http_port, http_path
        self.stop_grace_seconds = stop_grace_seconds
        self._app_token = app_token
        self.client = web_client(bot_token, api_url)
        # The deliverer's messenger has a client of its own that never retries: the deliverer decides.
        self.messenger = SlackMessenger(web_client(bot_token, api_url, retries=False))
        self.app = AsyncApp(name="hcbot", client=self.client, signing_secret=signing_secret or "",
                            logger=logger)
        self._register()
        self._in_flight: set[asyncio.Task[Any]] = set()
        # Users whose e-mail was looked up by this process: users.info once per unknown person.
        self._looked_up: set[str] = set()
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    def __repr__(self) -> str:
        return f"SlackBot(mode={self.mode!r})"

    @property
    def bound_port(self) -> int | None:
        """The HTTP port actually listened on (useful with port 0)."""
        if self._runner is None or not self._runner.addresses:
            return None
        return int(self._runner.addresses[0][1])

    def _register(self) -> None:
        app = self.app
        app.middleware(self._drop_retried_events)
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_mention)
        app.event("app_home_opened")(self._on_home_opened)
        app.command(SLASH_COMMAND)(self._on_command)
        app.action(ACTION_ID)(self._on_action)
        app.error(self._on_error)

    async def start(self) -> None:
        """Connects (Socket Mode) or starts listening (HTTP); returns once ready."""
        # One connection pool for every Web API call: without it slack-sdk opens (and closes) an
        # aiohttp session per call, which halves a large broadcast's rate.
        if self._session is None:
            self._session = ClientSession()
            self.client.session = self._session
            self.messenger.client.session = self._session
        try:
            await self.client.auth_test()
        except SlackApiError as error:
            raise SlackStartError(f"Slack refused the bot token: {error.response.get('error')}") from None
        if self.mode == "socket":
            assert self._app_token is not None
            try:
                opened = await self.client.apps_connections_open(app_token=self._app_token)
            except SlackApiError as error:
                raise SlackStartError(f"Slack refused the app-level token: {error.response.get('error')}") from None
            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            # The URL just issued proves the token; the client would otherwise ask for another.
            self._socket.client.wss_uri = str(opened["url"])
            await self._socket.connect_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
        else:
            self._runner = web.AppRunner(self.app.web_app(path=self.http_path, port=self.http_port))
            await self._runner.setup()
            await web.TCPSite(self._runner, self.http_host, self.http_port).start()

    async def stop(self) -> None:
        """Stops taking requests, lets the work in flight finish (up to the grace period), and
        closes the connections."""
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        # Bolt starts each listener in a task of its own after acknowledging; give the ones just
        # started the turn they need to register as in flight.
        await asyncio.sleep(0)
        busy = {task for task in self._in_flight if not task.done()}
        if busy:
            await asyncio.wait(busy, timeout=self.stop_grace_seconds)
        if self._session is not None:
            self.client.session = self.messenger.client.session = None
            await self._session.close()
            self._session = None

    @asynccontextmanager
    async def _working(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._in_flight.discard(task)

    # Bolt passes listener arguments by name: the parameter names below are bolt's.

    async def _drop_retried_events(self, body: dict[str, Any], resp: BoltResponse,
                                   next_: Callable[[], Awaitable[None]]) -> BoltResponse:
        event_id = body.get("event_id")
        if (body.get("type") == "event_callback" and isinstance(event_id, str)
                and not await accounts.first_time(self.database, f"slack:{event_id}", self.now())):
            # Acknowledged, and nothing else: this event was handled already, maybe by another replica.
            return BoltResponse(status=200, body="")
        await next_()
        return resp

    async def _on_message(self, event: dict[str, Any]) -> None:
        incoming = incoming_from_event(event)
        if incoming is None:
            return
        async with self._working():
            await self._link_by_email(incoming.user_id, incoming.chat_id)
            await self._answer(incoming, incoming.chat_id)

    async def _on_mention(self, event: dict[str, Any]) -> None:
        incoming = incoming_from_event(event)
        if incoming is None:
            return
        request, public = mention_request(incoming)
        async with self._working():
            await self._link_by_email(incoming.user_id, incoming.user_id)
            if public:
                thread = str(event.get("thread_ts") or event.get("ts") or "") or None
                await self._answer(request, str(event["channel"]), thread_ts=thread)
            else:
                await self._answer(request, incoming.user_id)

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        in_dm = str(body.get("channel_id", "")).startswith("D")
        if in_dm:
            await ack()
        else:
            await ack(text=_COMMANDS_ANSWERED_IN_DM_NOTE)
        incoming = incoming_from_command(body)
        async with self._working():
            await self._link_by_email(incoming.user_id, incoming.chat_id)
            await self._answer(incoming, incoming.chat_id)

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        incoming = incoming_from_action(body)
        async with self._working():
            await self._link_by_email(incoming.user_id, incoming.chat_id)
            await self._answer(incoming, incoming.chat_id)

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        user = event.get("user")
        if event.get("tab") != "home" or not isinstance(user, str):
            return
        async with self._working():
            await self._link_by_email(user, _private_chat(event.get("channel"), user))
            reply = await home(self.database, PLATFORM, user, self.now())
            await self.client.views_publish(user_id=user, view=home_view(reply))

    async def _on_error(self, error: Exception) -> None:
        # The request body is left out: it is the person's words, and logs are not the place.
        logger.error("Slack request failed: %s", type(error).__name__, exc_info=error)

    async def _answer(self, incoming: Incoming, channel: str, *, thread_ts: str | None = None) -> None:
        for reply in await self.router.handle(incoming):
            await post_reply(self.client, channel, reply, thread_ts=thread_ts)

    async def _link_by_email(self, user_id: str, chat_id: str) -> None:
        """Links a Slack account whose workspace e-mail is a registered person's, so an HC starts
        with their plan and no invite code. Asked once per account and process."""
        if user_id in self._looked_up:
            return
        if len(self._looked_up) > 100_000:
            self._looked_up.clear()
        self._looked_up.add(user_id)
        if await accounts.is_linked(self.database, PLATFORM, user_id):
            return
        try:
            found = await self.client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            self._looked_up.discard(user_id)  # ask again on their next message
            logger.warning("users.info failed for %s: %s", user_id, type(error).__name__)
            return
        user = found.get("user") or {}
        email = (user.get("profile") or {}).get("email")
        if user.get("is_bot") or user.get("deleted") or not isinstance(email, str) or not email:
            return
        person = await accounts.link_by_email(self.database, PLATFORM, user_id, chat_id, email, self.now())
        if person is not None:
            logger.info("linked Slack user %s by profile e-mail", user_id)
