"""Slack's payloads -> the bot's :class:`Incoming` messages: pure functions, no network.

Where the answer goes is not decided here: a mention is marked ``shared`` (said in a channel) and
``handlers.live.route`` decides what may be answered in its thread. Slash commands and buttons are
answered in the person's direct messages with the bot.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from bot.slack import PLATFORM
from handlers.live import command_names
from handlers.messages import Incoming

# Message subtypes a person writes: a file with or without words, a thread reply also sent to the
# conversation. Every other subtype (edits, deletions, joins, other bots' messages) is ignored.
ANSWERED_SUBTYPES: Final = frozenset({"file_share", "thread_broadcast"})

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")
_ENTITY = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def text_from_slack(text: str) -> str:
    """Slack's message markup back to what the person typed: links, mentions and escapes."""
    def plain(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if label:
            prefix = target[0] if target[:1] in ("@", "#") else ""
            return prefix + label
        if target.startswith("!"):
            return "@" + target[1:]
        return target

    return _ENTITY.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def private_chat(channel: object, user_id: str) -> str:
    """The chat to answer in privately. A "D" channel where the bot sees a message or a button can
    only be the bot's own DM; anything else is shared, and posting to the user id reaches the bot's
    DM with them instead."""
    return channel if isinstance(channel, str) and channel.startswith("D") else user_id


def event_key(event_id: object) -> str | None:
    """The key of an Events API delivery: Slack keeps ``event_id`` across its retries."""
    return f"slack:{event_id}" if isinstance(event_id, str) and event_id else None


def signed_request_key(timestamp: str, raw_body: str) -> str:
    """The key of a signed HTTP request (a slash command, a button): Slack's signature covers the
    timestamp and the body, so a replay of the same signed request has the same key, and a new
    command (with its own timestamp and trigger id) has another."""
    digest = hashlib.sha256(f"{timestamp}:{raw_body}".encode()).hexdigest()
    return f"slack:req:{digest}"


def socket_payload_key(payload: Mapping[str, Any]) -> str:
    """The key of a Socket Mode envelope's payload. A redelivered envelope carries the same payload
    (its ``trigger_id`` and ``action_ts`` included) whether or not Slack gives it a new envelope id,
    so the payload, not the envelope id, is what identifies it."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"slack:req:{hashlib.sha256(canonical.encode()).hexdigest()}"


def incoming_from_event(event: Mapping[str, Any], *, key: str | None = None) -> Incoming | None:
    """A direct message to the bot or a mention of it; None for anything the bot must not answer
    (bots' messages, edits, deletions, joins, messages in channels that do not mention it)."""
    user = event.get("user")
    subtype = event.get("subtype")
    if not isinstance(user, str) or not user or event.get("bot_id") or (subtype and subtype not in ANSWERED_SUBTYPES):
        return None
    text = text_from_slack(str(event.get("text") or ""))
    if event.get("type") == "message":
        if event.get("channel_type") != "im":
            return None
        thread = event.get("thread_ts")
        # A file without words: there is nothing to read (the bot does not open files).
        unreadable = subtype == "file_share" and not text.strip()
        return Incoming(PLATFORM, user, private_chat(event.get("channel"), user), text=text, event_key=key,
                        thread=thread if isinstance(thread, str) and thread else None, unreadable=unreadable)
    if event.get("type") == "app_mention":
        channel = event.get("channel")
        if not isinstance(channel, str) or not channel or channel.startswith("D"):
            return None  # in the bot's own DM the same words arrive as a message.im event
        thread = event.get("thread_ts") or event.get("ts")
        words = text_from_slack(_LEADING_MENTION.sub("", str(event.get("text") or ""), count=1)).strip()
        return Incoming(PLATFORM, user, channel, text=words, event_key=key, shared=True,
                        thread=thread if isinstance(thread, str) and thread else None)
    return None


def command_text(typed: str) -> str:
    """``/hcbot SUB args`` -> "/SUB args"; a first word that is no command makes the whole text a
    question; nothing at all asks for help."""
    words = text_from_slack(typed).strip()
    parts = words.split(maxsplit=1)
    if not parts:
        return "/help"
    if parts[0].lstrip("/").lower() in command_names():
        return " ".join(["/" + parts[0].lstrip("/").lower(), *parts[1:]])
    return f"/ask {words}"


def incoming_from_command(body: Mapping[str, Any], *, key: str | None = None) -> Incoming:
    """The slash command, answered in the person's DM wherever it was typed."""
    user = str(body["user_id"])
    name = body.get("user_name")
    return Incoming(PLATFORM, user, private_chat(body.get("channel_id"), user),
                    text=command_text(str(body.get("text") or "")),
                    display_name=name if isinstance(name, str) else None, event_key=key)


def incoming_from_action(body: Mapping[str, Any], *, key: str | None = None) -> Incoming:
    """A Block Kit button press: the button's value is the router's payload. A button of the App
    Home tab (a view, no channel) is answered in the person's DM."""
    user = str(body["user"]["id"])
    actions = body.get("actions") or [{}]
    value = actions[0].get("value")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Incoming(PLATFORM, user, private_chat(channel, user), button=value if isinstance(value, str) else "",
                    event_key=key)


def in_direct_messages(body: Mapping[str, Any]) -> bool:
    """Whether a slash command was typed in the bot's DM (else its answer is announced as private)."""
    return str(body.get("channel_id", "")).startswith("D")
