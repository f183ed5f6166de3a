"""Sentences of one part of the bot, merged into handlers.i18n's catalogue (kept apart so that work on
separate features never edits the same file)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
}

PLURALS: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
}
