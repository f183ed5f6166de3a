"""A stand-in for the Slack Web API and Socket Mode on loopback, for the real slack-sdk and
slack-bolt to talk to.

It speaks the wire format (``POST`` or ``GET /api/<method>`` with form, query or JSON arguments;
answers ``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``; a rate limit is HTTP 429 with a
``Retry-After`` header), serves the file upload URLs it hands out, and a Socket Mode WebSocket that
says hello, takes envelopes a test pushes and records the client's acknowledgements. It keeps every
call for assertions and fails calls when a test asks it to.

It also keeps Slack's rules for what it is sent, so that a rendering regression fails a test
rather than a real workspace: chat.postMessage refuses ``invalid_blocks`` (over 50 blocks, a
section over 3,000 characters, a button label over 75 or value over 2,000, two elements with the
same action_id), ``msg_blocks_too_long`` (over 12,000 characters of block text), ``msg_too_long``
(``text`` over 40,000) and ``no_text`` (neither text nor blocks); views.publish refuses over 100
blocks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-stub-bot-token-that-must-never-be-logged"
APP_TOKEN = "xapp-stub-app-token-that-must-never-be-logged"
TEAM_ID = "T0STUB"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
JSON_FIELDS = {"blocks", "files", "view", "attachments"}
# Slack's limits, as chat.postMessage and views.publish enforce them.
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
SECTION_TEXT = 3000
BLOCKS_TEXT = 12_000
MESSAGE_TEXT = 40_000
BUTTON_LABEL = 75
BUTTON_VALUE = 2000


def _texts(block: dict[str, Any]) -> list[str]:
    """Every text a block shows: its own text and fields, and its elements' labels."""
    found = []
    for part in [block.get("text"), *(block.get("fields") or [])]:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            found.append(part["text"])
    for element in block.get("elements") or []:
        label = element.get("text") if isinstance(element, dict) else None
        if isinstance(label, dict) and isinstance(label.get("text"), str):
            found.append(label["text"])
    return found


def blocks_error(blocks: object, limit: int, total_text: int | None = None) -> str | None:
    """What Slack says of these blocks: None when it takes them. ``total_text``: a message's
    ceiling on the text of all its blocks (a view has none)."""
    if not isinstance(blocks, list) or len(blocks) > limit:
        return "invalid_blocks"
    action_ids: set[str] = set()
    total = 0
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            return "invalid_blocks_format"
        if block["type"] == "section" and any(len(text) > SECTION_TEXT for text in _texts(block)):
            return "invalid_blocks"
        total += sum(len(text) for text in _texts(block))
        for element in block.get("elements") or []:
            action_id = element.get("action_id")
            if action_id is not None:
                if action_id in action_ids:
                    return "invalid_blocks"
                action_ids.add(action_id)
            if element.get("type") == "button" and (
                    len(str(element.get("value", ""))) > BUTTON_VALUE
                    or len(str((element.get("text") or {}).get("text", ""))) > BUTTON_LABEL):
                return "invalid_blocks"
    return "msg_blocks_too_long" if total_text is not None and total > total_text else None


def post_error(args: dict[str, Any]) -> str | None:
    """What Slack says of a chat.postMessage: None when it takes it."""
    text, blocks = args.get("text"), args.get("blocks")
    if not text and not blocks:
        return "no_text"
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return "msg_too_long"
    return blocks_error(blocks, MESSAGE_BLOCKS, BLOCKS_TEXT) if blocks else None


def dm_channel(user_id: str) -> str:
    """The stub's id for the bot's DM with a user: what Slack answers when posting to a user id."""
    return "D" + user_id[1:] if user_id.startswith(("U", "W")) else user_id


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    error: str | None = None
    received_at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(slots=True)
class _Failure:
    status: int
    error: str
    retry_after: float | None = None


@dataclass(slots=True)
class SlackApiStub:
    emails: dict[str, str] = field(default_factory=dict)
    """Profile e-mails users.info returns, by user id."""
    calls: list[Call] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    acks: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    _channel_errors: dict[str, str] = field(default_factory=dict)
    # method -> (share of calls, Retry-After, generator): random 429s for the load benchmarks.
    _random_limits: dict[str, tuple[float, int, random.Random]] = field(default_factory=dict)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    port: int = 0

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        application = web.Application()
        application.router.add_route("*", "/api/{method}", self._api)
        application.router.add_post("/upload/{file_id}", self._upload)
        application.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(application)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # --- scripting -----------------------------------------------------------------------------

    def fail_next(self, method: str, *, status: int = 200, error: str | None = None,
                  retry_after: float | None = None) -> None:
        """The next call to ``method`` fails: HTTP 429 (with Retry-After), a 5xx, or ok:false."""
        default = "ratelimited" if status == 429 else "internal_error" if status >= 500 else "invalid_arguments"
        self._failures.setdefault(method, []).append(_Failure(status, error or default, retry_after))

    def rate_limit_randomly(self, method: str, share: float, *, retry_after: int = 1, seed: int = 7) -> None:
        """About ``share`` of the calls to ``method`` are answered 429 with ``Retry-After``."""
        self._random_limits[method] = (share, retry_after, random.Random(seed))

    def error_for_channel(self, channel: str, error: str) -> None:
        """Every post or upload to this channel fails with ``error``."""
        self._channel_errors[channel] = error

    # --- assertions ----------------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        return [call for call in self.calls if call.method == method and (call.ok or not ok_only)]

    def posts(self) -> list[Call]:
        """chat.postMessage calls that succeeded."""
        return self.calls_to("chat.postMessage", ok_only=True)

    async def wait_for(self, method: str, count: int = 1, *, timeout: float = 5.0,
                       where: Callable[[Call], bool] | None = None) -> list[Call]:
        """Waits until ``count`` successful calls to ``method`` (matching ``where``) were made."""
        def matching() -> list[Call]:
            return [call for call in self.calls_to(method, ok_only=True) if where is None or where(call)]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(matching()) >= count), timeout)
        return matching()

    async def wait_for_ack(self, envelope_id: str, *, count: int = 1, timeout: float = 5.0) -> dict[str, Any]:
        """Waits for the ``count``-th acknowledgement of this envelope id; returns it."""
        def found() -> list[dict[str, Any]]:
            return [ack for ack in self.acks if ack.get("envelope_id") == envelope_id]

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(found()) >= count), timeout)
        return found()[count - 1]

    # --- Socket Mode ---------------------------------------------------------------------------

    async def push(self, kind: str, payload: dict[str, Any], *, envelope_id: str | None = None,
                   retry_attempt: int = 0, retry_reason: str = "", timeout: float = 5.0) -> str:
        """Sends an envelope (``events_api``, ``slash_commands``, ``interactive``) to the connected
        client; returns its envelope id. A redelivery is the same payload again, with a retry
        attempt and reason (and, when a test says so, the same envelope id)."""
        envelope = {"envelope_id": envelope_id or f"env-{next(self._counter)}", "type": kind, "payload": payload,
                    "accepts_response_payload": kind != "events_api", "retry_attempt": retry_attempt,
                    "retry_reason": retry_reason}
        return await self.push_envelope(envelope, timeout=timeout)

    async def push_envelope(self, envelope: dict[str, Any], *, timeout: float = 5.0) -> str:
        """Sends a whole envelope as recorded; returns its envelope id."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._sockets)), timeout)
        await self._sockets[-1].send_str(json.dumps(envelope))
        return str(envelope["envelope_id"])

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_str(json.dumps({"type": "hello", "num_connections": 1,
                                          "connection_info": {"app_id": "A0STUB"}}))
        async with self._changed:
            self._sockets.append(socket)
            self._changed.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    async with self._changed:
                        self.acks.append(json.loads(message.data))
                        self._changed.notify_all()
        finally:
            self._sockets.remove(socket)
        return socket

    # --- the Web API ---------------------------------------------------------------------------

    async def _arguments(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update({key: value for key, value in (await request.post()).items() if isinstance(value, str)})
        for name in JSON_FIELDS:
            if isinstance(args.get(name), str) and args[name][:1] in "[{":
                args[name] = json.loads(args[name])
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._arguments(request)
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") or args.pop("token", None)
        status, body, headers = self._answer(method, args)
        async with self._changed:
            self.calls.append(Call(method, args, token, status, None if body.get("ok") else str(body.get("error"))))
            self._changed.notify_all()
        return web.json_response(body, status=status, headers=headers)

    def _answer(self, method: str, args: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        pending = self._failures.get(method)
        if pending:
            failure = pending.pop(0)
            headers = {"Retry-After": f"{failure.retry_after:g}"} if failure.retry_after is not None else {}
            return failure.status, {"ok": False, "error": failure.error}, headers
        if method in self._random_limits:
            share, retry_after, generator = self._random_limits[method]
            if generator.random() < share:
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
        channel = str(args.get("channel") or args.get("channel_id") or "")
        if channel in self._channel_errors:
            return 200, {"ok": False, "error": self._channel_errors[channel]}, {}
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        refused = (post_error(args) if method == "chat.postMessage"
                   else blocks_error((args.get("view") or {}).get("blocks"), VIEW_BLOCKS) if method == "views.publish"
                   else None)
        if refused is not None:
            return 200, {"ok": False, "error": refused}, {}
        return 200, {"ok": True, **handler(args)}, {}

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://stub.slack.invalid/", "team": "Stub", "user": "hcbot", "team_id": TEAM_ID,
                "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802 (Slack's method name)
        channel = dm_channel(str(args["channel"]))
        ts = f"1790000000.{next(self._counter):06d}"
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "text": args.get("text", ""),
                   "blocks": args.get("blocks", [])}
        return {"channel": channel, "ts": ts, "message": message}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args["user"])
        profile: dict[str, Any] = {"real_name": f"Person {user_id}", "display_name": ""}
        if user_id in self.emails:
            profile["email"] = self.emails[user_id]
        return {"user": {"id": user_id, "team_id": TEAM_ID, "name": user_id.lower(), "deleted": False,
                         "is_bot": False, "profile": profile}}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._counter)}", **(args.get("view") or {})}}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": dm_channel(str(args.get("users", "")).split(",")[0])}}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        file_id = f"F{next(self._counter)}"
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        files = args.get("files") or []
        return {"files": [{"id": item["id"], "title": item.get("title"), "channels": [args.get("channel_id")]}
                          for item in files]}

    def _apps_connections_open(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/socket"}

    async def _upload(self, request: web.Request) -> web.Response:
        content = await request.read()
        file_id = request.match_info["file_id"]
        async with self._changed:
            self.uploads[file_id] = content
            self.calls.append(Call("upload", {"file_id": file_id, "length": len(content)}, None))
            self._changed.notify_all()
        return web.Response(text=f"OK - {len(content)}", content_type="text/plain")
