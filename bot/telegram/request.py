"""python-telegram-bot's HTTP backend, chosen by measurement.

PTB sends every Bot API call through a ``BaseRequest``; its own is httpx (``HTTPXRequest``). This
module adds one on aiohttp, which the bot already carries for slack-bolt, so the two can be
measured side by side (``benchmarks/bench_platforms.py --concurrent 50 --telegram-http ...``) and
the cheaper kept as :data:`DEFAULT_BACKEND`.

The deliverer must still tell a send that may have reached Telegram (read timeout, connection
lost after writing: in doubt, never resent) from one that cannot have (refused connection,
connect timeout: retried). PTB keeps the transport's own error as the cause of its
``NetworkError``; the messenger reads :data:`MAYBE_DELIVERED`, which lists both backends' errors.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

BACKENDS = ("httpx", "aiohttp")
DEFAULT_BACKEND = "aiohttp"
"""The backend the bot sends through unless told otherwise: the cheaper one measured."""
_JSON = {"Content-Type": "application/json"}


def client_timeout(*, pool: float | None, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
    """PTB's four timeouts in aiohttp's terms. aiohttp's ``connect`` spans the wait for a pooled
    connection and, when a new one is opened, its whole setup (DNS, TCP, TLS), so it is the pool
    wait plus the connect timeout: set to the pool wait alone (1 s), a slow link's reconnect failed
    in a second whatever the 5 s connect timeout said. ``sock_connect`` bounds the TCP connect
    itself. aiohttp has no write timeout: the read is bounded per chunk (``sock_read``), which also
    covers a request that never finishes."""
    whole = None if pool is None or connect is None else pool + connect
    return aiohttp.ClientTimeout(total=None, connect=whole, sock_connect=connect, sock_read=read)


class AiohttpRequest(BaseRequest):
    """Bot API calls through one pooled ``aiohttp.ClientSession``."""

    def __init__(self, *, connection_pool_size: int = 8, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=self._pool_size))

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            await self.initialize()
        assert self._session is not None

        def chosen(value: Any, default: float | None) -> float | None:
            return default if value is BaseRequest.DEFAULT_NONE else value

        timeout = client_timeout(pool=chosen(pool_timeout, self._pool_timeout),
                                 connect=chosen(connect_timeout, self._connect_timeout),
                                 read=chosen(read_timeout, self._read_timeout))
        data: Any = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            if request_data.contains_files:
                form = aiohttp.FormData()
                for name, value in (request_data.multipart_data or {}).items():
                    if isinstance(value, tuple):
                        filename, content, mime = value
                        form.add_field(name, content, filename=filename, content_type=mime)
                    else:
                        form.add_field(name, value)
                for name, text in request_data.json_parameters.items():
                    form.add_field(name, text)
                data = form
            else:
                # The Bot API takes JSON bodies as well as forms. A form went through aiohttp's
                # FormData (a multipart writer made, then dropped, and every value URL-quoted in
                # Python): measured, 4 % of a question's CPU; json.dumps is done in C.
                data = json.dumps(request_data.parameters, separators=(",", ":")).encode()
                headers = _JSON
        try:
            async with self._session.request(method, url, data=data, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some aiohttp errors quote the request URL, and the Bot API's carries the token.
            parts = urlsplit(url)
            said = str(error).replace(url, f"{parts.scheme}://{parts.netloc}")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {said}") from error


def sending_request(backend: str, *, connection_pool_size: int = 8, read_timeout: float = 5.0) -> BaseRequest:
    """The request object for the bot's Bot API calls on ``backend`` (one of :data:`BACKENDS`)."""
    if backend == "aiohttp":
        return AiohttpRequest(connection_pool_size=connection_pool_size, read_timeout=read_timeout)
    if backend == "httpx":
        return HTTPXRequest(connection_pool_size=connection_pool_size, read_timeout=read_timeout)
    raise ValueError(f"unknown Telegram HTTP backend {backend!r}: one of {', '.join(BACKENDS)}")


MAYBE_DELIVERED: tuple[type[BaseException], ...] = (
    httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
    # aiohttp: the answer timed out (not the connect), or the connection dropped after the request
    # was written. A refused connection (ClientConnectorError) is not among them: retried.
    aiohttp.SocketTimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)
"""Transport errors after which the message may have reached Telegram (see the module docstring)."""
