"""The Slack adapter: pure translators between Slack's payloads and the bot's messages
(:mod:`.translate`, :mod:`.render`), a messenger for the deliverer (:mod:`.messenger`) and a thin
loop around slack-bolt's ``AsyncApp`` (:mod:`.loop`). It decides nothing: what may be said in a
channel, and what a message means, is the live path's business (``handlers.live``).

Slack intercepts every message that starts with "/" as a slash command, so on Slack the router's
commands live under one slash command: "/checkin" is typed "/hcbot checkin". The renderer rewrites
the command names the bot's sentences mention accordingly.

Nothing here imports slack-bolt or slack-sdk: ``bot.platforms`` imports :mod:`.loop` only when
Slack is configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

PLATFORM: Final = "slack"
SLASH_COMMAND: Final = "/hcbot"
# What slack-manifest.yaml must grant and subscribe to; tests/test_slack_translate.py holds the two
# together.
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
