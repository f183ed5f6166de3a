"""A stand-in for the Telegram Bot API on loopback, for the real python-telegram-bot to talk to.

It speaks the wire format (``POST /bot<TOKEN>/<method>``, form, multipart or JSON bodies, answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``), keeps
every call for assertions, hands out queued updates to ``getUpdates`` (long polling), and fails
calls when a test asks it to.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

TOKEN = "7000001:AAH-stub-token-that-must-never-be-logged"
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "HC bot", "username": "hcbot_test_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
# Messages carry a date; any fixed moment will do (2026-09-21 UTC).
MESSAGE_DATE = 1_790_000_000
# Values that stay strings even when they look like JSON ("123" as a typed text is still text).
TEXT_FIELDS = {"text", "caption", "callback_query_id", "secret_token", "url", "language_code", "parse_mode",
               "filename"}
DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
}


# Telegram's HTML subset (https://core.telegram.org/bots/api#html-style); any other tag is refused.
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                       "blockquote", "tg-spoiler", "span", "tg-emoji"})
MESSAGE_LIMIT = 4096  # UTF-16 code units of the text after entity parsing
CALLBACK_DATA_LIMIT = 64  # bytes


class _EntityParser(HTMLParser):
    """Reads a message as Telegram does: only its tags, each closed in order; the text is what is left."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.lines = source.split("\n")
        self.open: list[str] = []
        self.text: list[str] = []
        self.problem: str | None = None

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = sum(len(text) + 1 for text in self.lines[:line - 1]) + column
        return len(self.source[:index].encode("utf-8"))

    def _refuse(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS or (tag == "span" and dict(attrs).get("class") != "tg-spoiler"):
            self._refuse(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._refuse(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self._refuse(f'Unmatched end tag at byte offset {self._byte_offset()}, expected "</'
                         f'{self.open[-1] if self.open else ""}>", found "</{tag}>"')
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def message_problem(params: Mapping[str, Any]) -> str | None:
    """Why Telegram would refuse this sendMessage, in its own words; None when it would take it."""
    text = str(params.get("text") or "")
    if params.get("parse_mode") == "HTML":
        parser = _EntityParser(text)
        parser.feed(text)
        parser.close()
        if parser.problem is None and parser.open:
            parser.problem = f'Can\'t find end tag corresponding to start tag "{parser.open[-1]}"'
        if parser.problem is not None:
            return f"Bad Request: can't parse entities: {parser.problem}"
        text = "".join(parser.text)
    elif params.get("parse_mode"):
        return f"Bad Request: unsupported parse_mode {params['parse_mode']!r}"
    if not text.strip():
        return "Bad Request: message text is empty"
    if _units(text) > MESSAGE_LIMIT:
        return "Bad Request: message is too long"
    markup = params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, Mapping) else []
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200
    received_at: float = field(default_factory=time.monotonic)
    # The wall-clock time it arrived: platforms count their rate limits in wall-clock seconds.
    received_wall: float = field(default_factory=time.time)
    # How the body came (the Bot API takes JSON, a URL-encoded form or multipart alike): it tells
    # which HTTP backend made the call.
    content_type: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass(slots=True)
class _Failure:
    status: int
    description: str
    retry_after: int | None = None
    after: int = 0  # calls let through before this one fails


def _decode(name: str, value: str) -> Any:
    if name in TEXT_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def message_update(user_id: int, text: str, *, chat_type: str = "private", first_name: str = "Amina") -> dict[str, Any]:
    """An Update carrying a typed message, as Telegram sends it."""
    chat = {"id": user_id, "type": chat_type, "first_name": first_name}
    return {"message": {"message_id": 1, "date": MESSAGE_DATE, "chat": chat, "text": text,
                        "from": {"id": user_id, "is_bot": False, "first_name": first_name}}}


def button_update(user_id: int, data: str, *, first_name: str = "Amina") -> dict[str, Any]:
    """An Update for a pressed inline button."""
    return {"callback_query": {
        "id": f"cb-{user_id}-{data}", "chat_instance": "42", "data": data,
        "from": {"id": user_id, "is_bot": False, "first_name": first_name},
        "message": {"message_id": 2, "date": MESSAGE_DATE, "chat": {"id": user_id, "type": "private"},
                    "text": "a message with buttons", "from": BOT_USER}}}


class TelegramApiStub:
    """The stub server. ``start()`` binds 127.0.0.1 on a free port; ``base_url`` is what
    ``ApplicationBuilder().base_url`` takes."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._failures: dict[str, list[_Failure]] = {}
        self._blocked_chats: dict[str, _Failure] = {}
        # (method, share of calls, retry_after, generator): random 429s for the load benchmarks.
        self._random_limits: dict[str, tuple[float, int, random.Random]] = {}
        # (method, share of calls, generator, hold): calls processed and then never answered.
        self._lost_answers: dict[str, tuple[float, random.Random, float | None]] = {}
        # Calls that were processed (recorded as delivered) and whose answer never reached the caller.
        self.lost: list[Call] = []
        self._delays: dict[str, float] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self, port: int = 0) -> None:
        """Binds 127.0.0.1 on ``port`` (0: a free one)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        # No access log: the paths carry the token, and this server stands for Telegram, not for the bot.
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing = True
        self._notify()  # long polls still waiting return at once
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what a test does -----------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queues an update for getUpdates; returns its update_id."""
        update = {"update_id": next(self._update_ids), **update}
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def fail_next(self, method: str, status: int, *, retry_after: int | None = None, description: str | None = None,
                  after: int = 0) -> None:
        """The next call to ``method`` (after ``after`` successful ones) fails once."""
        text = description or DESCRIPTIONS.get(status, "Error").format(retry_after=retry_after)
        self._failures.setdefault(method, []).append(_Failure(status, text, retry_after, after))

    def fail_for_chat(self, chat_id: int | str, status: int, description: str | None = None) -> None:
        """Every call addressed to this chat fails from now on (a blocked bot, a deleted chat)."""
        self._blocked_chats[str(chat_id)] = _Failure(status, description or DESCRIPTIONS.get(status, "Error"))

    def rate_limit_randomly(self, method: str, share: float, *, retry_after: int = 1, seed: int = 5) -> None:
        """About ``share`` of the calls to ``method`` are answered 429 with ``retry_after``."""
        self._random_limits[method] = (share, retry_after, random.Random(seed))

    def lose_answers_randomly(self, method: str, share: float, *, seed: int = 7, hold: float | None = None) -> None:
        """About ``share`` of the calls to ``method`` are processed as usual (recorded as
        delivered) and then never answered: the connection is dropped, or with ``hold`` the
        answer is held that many seconds (past the caller's read timeout) and then dropped. What
        a caller sees when the platform's answer is lost on the way back; the calls are in ``lost``."""
        self._lost_answers[method] = (share, random.Random(seed), hold)

    def slow_down(self, method: str, seconds: float) -> None:
        """Every call to ``method`` waits ``seconds`` before it is processed (a slow platform)."""
        self._delays[method] = seconds

    def calls_to(self, method: str, *, ok_only: bool = True) -> list[Call]:
        return [call for call in self.calls if call.method == method and (call.ok or not ok_only)]

    async def wait_for(self, method: str, count: int = 1, *, ok_only: bool = True, timeout: float = 5.0) -> list[Call]:
        """Waits until ``count`` calls to ``method`` arrived; fails the test after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(found := self.calls_to(method, ok_only=ok_only)) < count:
            changed = self._changed
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{len(found)} of {count} {method} calls after {timeout} s: {self.calls!r}")
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                continue
        return found

    # --- the server -----------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wakes everything waiting for a change (long polls, ``wait_for``)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _read(self, request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        if request.content_type == "application/json":
            body = await request.json()
            return (body if isinstance(body, dict) else {}), {}
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read())
            else:
                params[name] = _decode(name, str(value))
        return params, files

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._notify()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._read(request)
        kind = request.content_type
        if request.match_info["token"] != self.token:
            self._record(Call(method, params, files, 401, content_type=kind))
            return self._error(401, "Unauthorized")
        if self._delays.get(method):
            await asyncio.sleep(self._delays[method])
        failure = self._failure_for(method, params)
        if failure is not None:
            self._record(Call(method, params, files, failure.status, content_type=kind))
            return self._error(failure.status, failure.description, failure.retry_after)
        if method == "sendMessage" and (problem := message_problem(params)) is not None:
            self._record(Call(method, params, files, 400, content_type=kind))
            return self._error(400, problem)
        if method == "getUpdates":
            # Recorded before the wait: a long poll is "called" as soon as it arrives.
            self._record(Call(method, params, files, content_type=kind))
            return self._ok(await self._get_updates(params))
        call = Call(method, params, files, content_type=kind)
        self._record(call)
        result = self._result(method, params, files)
        if method in self._lost_answers:
            share, generator, hold = self._lost_answers[method]
            if generator.random() < share:
                self.lost.append(call)
                if hold is not None:
                    await self._hold(hold)
                # Processed, and the answer never reaches the caller.
                if request.transport is not None:
                    request.transport.close()
                return self._ok(result)
        return self._ok(result)

    async def _hold(self, seconds: float) -> None:
        """Waits ``seconds``, or less when the stub closes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not self._closing and (remaining := deadline - loop.time()) > 0:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                break

    def _failure_for(self, method: str, params: dict[str, Any]) -> _Failure | None:
        chat = params.get("chat_id")
        if chat is not None and str(chat) in self._blocked_chats:
            return self._blocked_chats[str(chat)]
        if method in self._random_limits:
            share, retry_after, generator = self._random_limits[method]
            if generator.random() < share:
                return _Failure(429, DESCRIPTIONS[429].format(retry_after=retry_after), retry_after)
        queued = self._failures.get(method)
        if not queued:
            return None
        if queued[0].after > 0:
            queued[0].after -= 1
            return None
        return queued.pop(0)

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        # An offset confirms every update before it: Telegram forgets them.
        self._updates = [update for update in self._updates if update["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._closing and (remaining := deadline - loop.time()) > 0:
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                break
        return list(self._updates)

    def _message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": MESSAGE_DATE, "from": BOT_USER,
                "chat": {"id": chat_id, "type": "private"}, **content}

    def _result(self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"deleteWebhook", "setWebhook", "setMyCommands", "answerCallbackQuery"}:
            return True
        if method == "sendMessage":
            return self._message(params["chat_id"], text=params["text"])
        if method == "editMessageReplyMarkup":
            return self._message(params["chat_id"], text="")
        if method == "sendDocument":
            filename, content = files["document"]
            number = next(self._message_ids)
            return self._message(params["chat_id"], document={
                "file_id": f"document-{number}", "file_unique_id": f"unique-{number}", "file_name": filename,
                "file_size": len(content)})
        raise web.HTTPNotFound(text=json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}),
                               content_type="application/json")

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)


def texts(calls: Iterable[Call]) -> list[str]:
    return [str(call.params["text"]) for call in calls]
