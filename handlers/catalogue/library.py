"""Sentences of one part of the bot, merged into handlers.i18n's catalogue (kept apart so that work on
separate features never edits the same file)."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "kb.kind_dated": ("{kind}, {when}", "{kind}, {when}"),
    "kb.kind_upcoming": ("Upcoming webinar", "Webinaire à venir"),
    "kb.kind_recording": ("Webinar recording", "Enregistrement du webinaire"),
}

PLURALS: Final[dict[str, tuple[dict[str, str], dict[str, str]]]] = {
}
