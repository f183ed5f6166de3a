"""Telegram updates (Bot API JSON) as platform-neutral incoming messages. Pure: no network, no state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.messages import Incoming

PLATFORM = "telegram"


def _display_name(user: Mapping[str, Any]) -> str | None:
    name = " ".join(str(part) for part in (user.get("first_name"), user.get("last_name")) if part)
    return name or (str(user["username"]) if user.get("username") else None)


def _private_chat_id(message: object) -> str | None:
    if not isinstance(message, Mapping):
        return None
    chat = message.get("chat")
    if not isinstance(chat, Mapping) or chat.get("type") != "private" or "id" not in chat:
        return None
    return str(chat["id"])


def _person(user: object) -> Mapping[str, Any] | None:
    if not isinstance(user, Mapping) or "id" not in user or user.get("is_bot"):
        return None
    return user


def platform_language(user: Mapping[str, Any]) -> str:
    """The language Telegram reports for a person, as one the bot speaks."""
    return "fr" if str(user.get("language_code") or "").lower().startswith("fr") else "en"


def event_key(bot_id: int | str, update_id: object) -> str | None:
    """One key per delivery of an update to this bot: a webhook retry or a re-fetched batch repeats it."""
    return f"telegram:{bot_id}:{update_id}" if isinstance(update_id, int) else None


def incoming_from_update(data: Mapping[str, Any], bot_id: int | str) -> Incoming | None:
    """A Telegram Update as an Incoming, or None when the bot should not answer it.

    The bot talks in private chats only: groups, forum topics, channel posts, edited messages and
    membership changes are ignored, and so is a button pressed on a message the bot did not send in
    a private chat (an inline message has no chat at all). A private message the bot cannot read (a
    sticker, a photo without a caption, a voice note) is marked ``unreadable``; a caption is read as
    text."""
    key = event_key(bot_id, data.get("update_id"))
    query = data.get("callback_query")
    if isinstance(query, Mapping):
        sender = _person(query.get("from"))
        chat_id = _private_chat_id(query.get("message"))
        payload = query.get("data")
        if sender is None or chat_id is None or not isinstance(payload, str) or not payload:
            return None
        return Incoming(PLATFORM, str(sender["id"]), chat_id, button=payload, display_name=_display_name(sender),
                        event_key=key, platform_language=platform_language(sender))
    message = data.get("message")
    chat_id = _private_chat_id(message)
    if chat_id is None or not isinstance(message, Mapping):
        return None
    sender = _person(message.get("from"))
    if sender is None:
        return None
    text = message.get("text")
    if not isinstance(text, str):
        text = message.get("caption")
    common: dict[str, Any] = {"display_name": _display_name(sender), "event_key": key,
                              "platform_language": platform_language(sender)}
    if not isinstance(text, str):
        return Incoming(PLATFORM, str(sender["id"]), chat_id, unreadable=True, **common)
    return Incoming(PLATFORM, str(sender["id"]), chat_id, text=text, **common)
