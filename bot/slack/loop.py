"""The bot on Slack: a thin loop around slack-bolt's ``AsyncApp``, in Socket Mode (no public URL;
needs the app-level token) or in HTTP mode (Slack's signed requests to ``http_host:http_port`` +
``http_path``).

Every request is acknowledged at once and worked on afterwards (bolt's default), so Slack never
waits more than its 3 seconds. Each request gets a key that Slack's redeliveries share (the event
id, or the signed request, or the Socket Mode payload); the live path drops a key it has seen, on
every replica. The adapter translates and runs bolt; the live path decides and sends.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Final, Literal

import aiohttp
from aiohttp import ClientSession, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.logs import keep_out_of_logs
from bot.slack import PLATFORM, SLASH_COMMAND
from bot.slack.messenger import DEFAULT_LIMITS, SlackMessenger, web_client
from bot.slack.render import ACTION_ID, home_view
from bot.slack.translate import (
    event_key,
    in_direct_messages,
    incoming_from_action,
    incoming_from_command,
    incoming_from_event,
    private_chat,
    signed_request_key,
    socket_payload_key,
)
from handlers.delivery import RateLimits
from handlers.live import LivePath, answered_in_private_note
from handlers.messages import Incoming

logger = logging.getLogger(__name__)

KEY: Final = "hcbot_request_key"
# Users whose e-mail this process looked up, most recent kept: users.info once per person.
LOOKED_UP_LIMIT: Final = 50_000
_TIMESTAMP = re.compile(r"\d{1,12}")


class SlackStartError(Exception):
    """Slack refused the credentials at start; the message names the problem, never the token."""


@web.middleware
async def reject_malformed_timestamps(request: web.Request,
                                      handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                                      ) -> web.StreamResponse:
    """A request whose X-Slack-Request-Timestamp is not a number is not Slack's: 401, as for a bad
    signature (slack-sdk's verifier would raise on it, and bolt would answer 500)."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    if timestamp is not None and not _TIMESTAMP.fullmatch(timestamp.strip()):
        return web.Response(status=401, text="")
    return await handler(request)


class SlackBot:
    """slack-bolt's app, its Socket Mode or HTTP server, and the messenger the deliverer uses."""

    def __init__(self, *, bot_token: str, live: LivePath, signing_secret: str | None = None,
                 app_token: str | None = None, mode: Literal["socket", "http"] = "socket",
                 api_url: str | None = None, http_host: str = "127.0.0.1", http_port: int = 3000,
                 http_path: str = "/slack/events", limits: RateLimits = DEFAULT_LIMITS,
                 stop_grace_seconds: float = 10.0) -> None:
        if mode == "socket" and not app_token:
            raise ValueError("Slack Socket Mode needs the app-level token (xapp-...)")
        if mode == "http" and not signing_secret:
            raise ValueError("Slack HTTP mode needs the signing secret")
        keep_out_of_logs(bot_token, app_token, signing_secret)
        self.live = live
        self.mode = mode
        self.http_host, self.http_port, self.http_path = http_host, http_port, http_path
        self.stop_grace_seconds = stop_grace_seconds
        self._app_token = app_token
        # One client, without retry handlers, for bolt, the messenger and the adapter's own calls.
        self.client = web_client(bot_token, api_url)
        self.messenger = SlackMessenger(self.client, limits)
        self.app = AsyncApp(name="hcbot", client=self.client, signing_secret=signing_secret or "", logger=logger)
        self._register()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._looked_up: OrderedDict[str, None] = OrderedDict()
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
        app.middleware(self._key_request)
        app.event("message")(self._on_message)
        app.event("app_mention")(self._on_message)
        app.event("app_home_opened")(self._on_home_opened)
        app.command(SLASH_COMMAND)(self._on_command)
        app.action(ACTION_ID)(self._on_action)
        app.error(self._on_error)

    async def start(self, *, receive: bool = True) -> None:
        """Connects (Socket Mode) or starts listening (HTTP); returns once ready. Without
        ``receive``, only the Web API client is made ready (``hcbot tick`` only sends)."""
        # One connection pool for every Web API call: without it slack-sdk opens (and closes) an
        # aiohttp session per call, which halves a large broadcast's rate.
        if self._session is None:
            self._session = ClientSession()
            self.client.session = self._session
        try:
            await self.client.auth_test()
        except SlackApiError as error:
            raise SlackStartError(f"Slack refused the bot token: {error.response.get('error')}") from None
        if not receive:
            return
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
            application = self.app.web_app(path=self.http_path, port=self.http_port)
            application.middlewares.append(reject_malformed_timestamps)
            self._runner = web.AppRunner(application)
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
            self.client.session = None
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

    async def _key_request(self, req: AsyncBoltRequest, body: dict[str, Any], context: AsyncBoltContext,
                           next_: Callable[[], Awaitable[None]]) -> None:
        """The key Slack's redeliveries of this request share. Events keep their ``event_id``.
        Commands and buttons have none: over HTTP the signed timestamp and body identify the
        request (a replay within Slack's 5 minutes is the same request); in Socket Mode the
        envelope's payload does."""
        if body.get("type") == "event_callback":
            context[KEY] = event_key(body.get("event_id"))
        elif req.mode == "socket_mode":
            context[KEY] = socket_payload_key(body)
        else:
            timestamp = req.headers.get("x-slack-request-timestamp", [""])[0]
            context[KEY] = signed_request_key(timestamp, req.raw_body)
        await next_()

    async def _on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        incoming = incoming_from_event(event, key=context.get(KEY))
        if incoming is not None:
            await self._answer(incoming)

    async def _on_command(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        if in_direct_messages(body):
            await ack()
        else:
            await ack(text=answered_in_private_note())
        await self._answer(incoming_from_command(body, key=context.get(KEY)))

    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        await ack()
        await self._answer(incoming_from_action(body, key=context.get(KEY)))

    async def _on_home_opened(self, event: dict[str, Any]) -> None:
        user = event.get("user")
        if event.get("tab") != "home" or not isinstance(user, str):
            return
        async with self._working():
            await self._link_by_email(user, private_chat(event.get("channel"), user))
            view = home_view(await self.live.home(PLATFORM, user))
            try:
                await self.client.views_publish(user_id=user, view=view)
            except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as error:
                logger.warning("views.publish failed for %s: %s", user, _reason(error))

    async def _on_error(self, error: Exception) -> None:
        # The request body is left out: it is the person's words, and logs are not the place.
        logger.error("Slack request failed: %s", type(error).__name__, exc_info=error)

    async def _answer(self, incoming: Incoming) -> None:
        async with self._working():
            # A mention is linked to the person's DM, never to the channel it was said in.
            await self._link_by_email(incoming.user_id, incoming.user_id if incoming.shared else incoming.chat_id)
            await self.live.answer(incoming)

    async def _link_by_email(self, user_id: str, chat_id: str) -> None:
        """Links a Slack account whose workspace e-mail is a registered person's, so an HC starts
        with their plan and no invite code. Asked once per account and process."""
        if user_id in self._looked_up:
            self._looked_up.move_to_end(user_id)
            return
        self._looked_up[user_id] = None
        if len(self._looked_up) > LOOKED_UP_LIMIT:
            self._looked_up.popitem(last=False)
        if await self.live.is_linked(PLATFORM, user_id):
            return
        try:
            found = await self.client.users_info(user=user_id)
        except (SlackApiError, SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            self._looked_up.pop(user_id, None)  # ask again on their next message
            logger.warning("users.info failed for %s: %s", user_id, _reason(error))
            return
        user = found.get("user") or {}
        email = (user.get("profile") or {}).get("email")
        if user.get("is_bot") or user.get("deleted") or not isinstance(email, str) or not email:
            return
        if await self.live.link_by_email(PLATFORM, user_id, chat_id, email):
            logger.info("linked Slack user %s by profile e-mail", user_id)


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__
