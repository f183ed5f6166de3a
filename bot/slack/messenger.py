"""Sending to Slack: the Web API client, and the messenger the deliverer sends every reply and
every outbox message through. Slack's answers become :class:`DeliveryError`; nothing here retries
or waits, the deliverer decides."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import PLATFORM
from bot.slack.render import render_blocks, render_plain
from handlers.delivery import DeliveryError, RateLimits, Recipient
from handlers.messages import Reply

# The person cannot be reached through this chat until something changes on their side.
UNREACHABLE_ERRORS: Final = frozenset({
    "channel_not_found", "user_not_found", "account_inactive", "is_archived", "cannot_dm_bot", "user_disabled",
})
# Slack's own trouble, reported with ok:false: worth trying again later.
TRANSIENT_ERRORS: Final = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# Slack refused the message's blocks or size: the same words as plain text may pass.
RENDERING_ERRORS: Final = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long"})
# chat.postMessage takes about one message a second per channel, and Slack documents a
# workspace-wide ceiling of "several hundred a minute": ten a second stays under it.
DEFAULT_LIMITS: Final = RateLimits(overall_per_second=10, per_chat_per_second=1)


def web_client(token: str, api_url: str | None = None, *, retries: bool = False) -> AsyncWebClient:
    """A Web API client without retry handlers: the deliverer decides about retries, and a request
    of the adapter's own (users.info, views.publish) is asked again on the person's next message.
    (``retries`` is accepted and ignored, for callers written when the adapter had a retrying
    client of its own.)"""
    del retries
    return AsyncWebClient(token=token, base_url=api_url or AsyncWebClient.BASE_URL, retry_handlers=[])


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def delivery_error(error: SlackApiError) -> DeliveryError:
    """What Slack's answer means for the outbox: wait, try later, try as plain text, give up, or
    stop using this chat."""
    response = error.response
    data = response.data if isinstance(response.data, dict) else {}
    code = str(data.get("error") or "")
    status = response.status_code
    if status == 429 or code == "ratelimited":
        wait = _header(response.headers or {}, "Retry-After")
        try:
            retry_after = float(wait) if wait is not None else 1.0
        except ValueError:
            retry_after = 1.0
        return DeliveryError("slack: rate limited", retry_after=retry_after)
    if status >= 500 or code in TRANSIENT_ERRORS:
        return DeliveryError(f"slack: {code or f'HTTP {status}'}")
    if code in UNREACHABLE_ERRORS:
        return DeliveryError(f"slack: {code}", unreachable=True)
    if code in RENDERING_ERRORS:
        return DeliveryError(f"slack: {code}", rendering=True)
    return DeliveryError(f"slack: {code or f'HTTP {status}'}", permanent=True)


async def post_reply(client: AsyncWebClient, channel: str, reply: Reply, *, thread_ts: str | None = None,
                     plain: bool = False) -> None:
    """Posts one reply: its messages, then its file. A channel may be a user id (the bot's DM with
    them): chat.postMessage answers with the DM's channel id, which the file upload needs."""
    posted_in = channel
    if plain:
        for text in render_plain(reply):
            response = await client.chat_postMessage(channel=channel, text=text, thread_ts=thread_ts)
            posted_in = str(response.get("channel") or channel)
    else:
        for text, blocks in render_blocks(reply):
            response = await client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts)
            posted_in = str(response.get("channel") or channel)
    if reply.attachment is not None:
        await client.files_upload_v2(channel=posted_in, content=reply.attachment.content,
                                     filename=reply.attachment.filename, title=reply.attachment.filename,
                                     thread_ts=thread_ts)


class SlackMessenger:
    """Delivers replies and outbox messages through the Web API, in ``recipient.thread`` when set."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, limits: RateLimits = DEFAULT_LIMITS) -> None:
        self.client = client
        self.limits = limits

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        # A reply too long for one message is several posts: if a later one fails, the retry sends
        # the earlier ones again. Replies that long are rare, and a repeat beats a loss.
        try:
            await post_reply(self.client, recipient.chat_id, reply, thread_ts=recipient.thread, plain=plain)
        except SlackApiError as error:
            raise delivery_error(error) from error
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise DeliveryError(f"slack: {type(error).__name__}") from error
