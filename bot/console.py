"""The console adapter: the same handlers as Slack and Telegram, in a terminal.

Interactive, it prompts; with piped input it reads line by line and prints a clean transcript, so a
conversation can be scripted and tested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from handlers.delivery import RateLimits, Recipient
from handlers.messages import Button, Incoming, Reply, Span
from handlers.router import Router


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
        # A terminal can show a text file where a chat would attach it.
        lines.append(f"--- {reply.attachment.filename} ---")
        if reply.attachment.mime_type.startswith("text/"):
            lines.append(reply.attachment.content.decode("utf-8").rstrip())
        else:
            lines.append(f"({len(reply.attachment.content)} bytes)")
    return "\n".join(lines)


@dataclass(slots=True)
class ConsoleMessenger:
    """Delivers outbox messages by printing them: the console's stand-in for a chat platform."""

    output: TextIO
    platform: str = "console"
    limits: RateLimits = field(default_factory=RateLimits)

    async def send(self, recipient: Recipient, reply: Reply) -> None:
        self.output.write(f"--> to {recipient.name} <{recipient.email}>\n{render(reply)}\n\n")
        self.output.flush()


@dataclass(slots=True)
class ConsoleSession:
    """One person at the terminal. Typing a button's number (or its label) presses it."""

    router: Router
    user_id: str = "console"
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    platform: str = "console"

    def incoming(self, text: str) -> Incoming:
        wanted = text.strip()
        for number, button in enumerate(self.buttons, 1):
            if wanted == str(number) or wanted.lower() == button.label.lower():
                return Incoming(self.platform, self.user_id, self.user_id, button=button.payload)
        return Incoming(self.platform, self.user_id, self.user_id, text=text)

    async def say(self, text: str) -> str:
        replies = await self.router.handle(self.incoming(text))
        self.buttons = replies[-1].buttons if replies else ()
        return "\n\n".join(render(reply) for reply in replies)


async def run_console(router: Router, lines: Iterable[str], output: TextIO, *, interactive: bool,
                      user_id: str = "console") -> None:
    session = ConsoleSession(router, user_id)
    if interactive:
        output.write("hcbot: ask how other operations handled something, or type /help. Ctrl-D to quit.\n")
    for raw in lines:
        text = raw.rstrip("\n")
        if not text.strip():
            continue
        if not interactive:
            output.write(f"> {text}\n")
        output.write(await session.say(text) + "\n\n")
        output.flush()
