"""Where logs go, and what they may carry: no secret, no invite code, no word a person wrote.

The bot's own log lines name routes, ids and outcomes, never message text. Some libraries log more
at DEBUG: aiosqlite and SQLAlchemy every SQL statement with its parameters (the text of a question,
an invite code being redeemed), python-telegram-bot every update and its request URLs (the token),
slack-sdk and bolt request bodies. Those loggers are held at a level where they say nothing of the
kind, whatever HCBOT_LOG_LEVEL asks for, and a filter on the handlers drops what still gets through.
A library's exception can still carry a secret into a traceback (aiohttp's connection errors quote
the request URL, token included): the handlers' formatter blanks every secret the bot was given.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Final

# Logger name -> the lowest level at which it carries no content.
CONTENT_LOGGERS: Final[dict[str, int]] = {
    "aiosqlite": logging.INFO,
    "sqlalchemy": logging.WARNING,
    "telegram": logging.INFO,
    "httpx": logging.WARNING,
    "httpcore": logging.INFO,
    "slack_sdk": logging.INFO,
    "slack_bolt": logging.INFO,
    "aiohttp.access": logging.WARNING,
}
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED: Final = "<secret>"
_SECRETS: set[str] = set()


def keep_out_of_logs(*secrets: str | None) -> None:
    """Registers tokens and secrets that no log line may show, whoever logs them."""
    # Short values would blank ordinary words; the bot's secrets are all long.
    _SECRETS.update(secret for secret in secrets if secret and len(secret) >= 8)


class RedactingFormatter(logging.Formatter):
    """The line as formatted, message and traceback, with every registered secret blanked."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        # Longest first: a token's secret half must not leave its bot id prefix half-blanked.
        for secret in sorted(_SECRETS, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text


class ContentFilter(logging.Filter):
    """Drops records below their logger's content-free level (for a library that resets its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, level in CONTENT_LOGGERS.items():
            if (record.name == name or record.name.startswith(name + ".")) and record.levelno < level:
                return False
        return True


def hold_back_libraries() -> None:
    for name, level in CONTENT_LOGGERS.items():
        library = logging.getLogger(name)
        if library.getEffectiveLevel() < level:
            library.setLevel(level)


def configure(level: str, *, file: Path | None = None) -> None:
    """Logs at ``level`` to standard error, or to ``file`` (the console is attached: no log line
    may land inside the transcript)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    handler: logging.Handler = (logging.FileHandler(file, encoding="utf-8") if file is not None
                                else logging.StreamHandler(sys.stderr))
    handler.setFormatter(RedactingFormatter(FORMAT))
    handler.addFilter(ContentFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    hold_back_libraries()
