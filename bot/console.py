"""The console adapter: the same live path as Slack and Telegram, in a terminal.

Interactive, it prompts; with piped input it reads line by line and prints a clean transcript, so a
conversation can be scripted and tested. Standard input is read by the event loop itself (never a
blocking ``input()`` inside async code), so Ctrl-C and SIGTERM are honoured on the first press.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from handlers.delivery import RateLimits, Recipient
from handlers.live import LivePath
from handlers.messages import Attachment, Button, Incoming, Reply, Span

PLATFORM = "console"
PROMPT = "you> "


def render_span(span: Span) -> str:
    if span.link and span.link != span.text:
        return f"{span.text} <{span.link}>"
    return span.text


def render(reply: Reply) -> str:
    """Plain text: a terminal has no formatting to escape and needs none."""
    lines = ["".join(render_span(span) for span in spans) for spans in reply.lines]
    if reply.buttons:
        lines.append("  ".join(f"[{number}] {button.label}" for number, button in enumerate(reply.buttons, 1)))
    if reply.attachment is not None:
        lines.append(save_attachment(reply.attachment))
    return "\n".join(lines)


def save_attachment(attachment: Attachment) -> str:
    """A terminal saves the file a chat would attach (into HCBOT_REPORT_DIR, or the working
    folder) and says where: a Word document cannot be shown inline."""
    folder = Path(os.environ.get("HCBOT_REPORT_DIR") or ".")
    path = folder / Path(attachment.filename).name
    try:
        path.write_bytes(attachment.content)
    except OSError as error:
        return f"--- {attachment.filename}: not saved in {folder.resolve()} ({error.strerror or error}) ---"
    return f"--- saved {path.resolve()} ---"


@dataclass(slots=True)
class ConsoleMessenger:
    """The console's stand-in for a chat platform. Proactive messages (nudges, check-ins, notices)
    are printed with whom they are for; replies to what was typed are printed by the session, in
    its transcript, so this leaves them to it."""

    output: TextIO
    platform: str = PLATFORM
    limits: RateLimits = field(default_factory=RateLimits)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        if recipient.live:
            return
        self.output.write(f"--> to {recipient.name} <{recipient.email}>\n{render(reply)}\n\n")
        self.output.flush()


@dataclass(slots=True)
class ConsoleSession:
    """One person at the terminal. Typing a button's number (or its label) presses it."""

    live: LivePath
    user_id: str = "console"
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    platform: str = PLATFORM

    def incoming(self, text: str) -> Incoming:
        wanted = text.strip()
        for number, button in enumerate(self.buttons, 1):
            if wanted == str(number) or wanted.lower() == button.label.lower():
                return Incoming(self.platform, self.user_id, self.user_id, button=button.payload)
        return Incoming(self.platform, self.user_id, self.user_id, text=text)

    async def say(self, text: str) -> str:
        replies = await self.live.answer(self.incoming(text))
        self.buttons = replies[-1].buttons if replies else ()
        return "\n\n".join(render(reply) for reply in replies)


def _decoded(raw: bytes) -> str:
    # Invalid UTF-8 is kept as lone surrogates, which the router refuses with one sentence,
    # rather than being silently changed into other characters.
    return raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")


def _is_pollable(stream: BinaryIO) -> bool:
    """Whether the event loop can wait on it: a pipe, a socket or a terminal (not a file, not /dev/null)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or (stat.S_ISCHR(mode) and os.isatty(stream.fileno()))


async def stdin_lines(stream: BinaryIO | None = None) -> AsyncGenerator[str, None]:
    """Standard input, a line at a time, without blocking the loop."""
    stream = stream or sys.stdin.buffer
    if not _is_pollable(stream):
        # A regular file or /dev/null never blocks for long: read it in a worker thread.
        while raw := await asyncio.to_thread(stream.readline):
            yield _decoded(raw)
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _protocol = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), stream)
    try:
        while raw := await reader.readline():
            yield _decoded(raw)
    finally:
        transport.close()


async def iterate(lines: Iterable[str]) -> AsyncIterator[str]:
    """A list of lines as the console reads them (tests, scripts)."""
    for line in lines:
        yield line


async def run_console(session: ConsoleSession, lines: AsyncIterator[str], output: TextIO, *, interactive: bool,
                      stop: asyncio.Event | None = None) -> None:
    """Reads and answers until the input ends or ``stop`` is set. A message being answered when
    ``stop`` comes is answered first: only the wait for the next line is cut short."""
    stop = stop or asyncio.Event()
    if interactive:
        output.write("hcbot: ask how other operations handled something, or type /help. Ctrl-C to quit.\n")
    stopped = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            if interactive:
                output.write(PROMPT)
                output.flush()
            reading = asyncio.ensure_future(anext(lines, None))
            await asyncio.wait({reading, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not reading.done():
                reading.cancel()
                break
            text = reading.result()
            if text is None:
                break
            if not text.strip():
                continue
            if not interactive:
                shown = text.encode("utf-8", errors="replace").decode("utf-8")
                output.write(f"> {shown}\n")
            output.write(await session.say(text) + "\n\n")
            output.flush()
    finally:
        stopped.cancel()
        if interactive:
            output.write("\n")
            output.flush()
