"""The chat platforms `hcbot run` starts: every one whose credentials are set, in one event loop."""

from __future__ import annotations

import errno
from typing import Protocol

from bot.app import App
from bot.settings import Settings
from handlers.delivery import Messenger, RateLimits


class Platform(Protocol):
    """A running chat platform: it takes messages in, and its messenger delivers the outbox."""

    @property
    def messenger(self) -> Messenger: ...

    async def start(self, *, receive: bool = True) -> None: ...

    async def stop(self) -> None: ...


class SetupError(ValueError):
    """Settings that cannot start a platform; the message names the setting, never a secret."""


def refused(error: BaseException) -> bool:
    """Whether a platform's start failed for good (a refused token, bad settings, a port in use),
    rather than because it could not be reached for now. The adapters raise ValueError subclasses
    for the first kind."""
    return isinstance(error, ValueError) or (isinstance(error, OSError) and error.errno == errno.EADDRINUSE)


def _per_second(value: float) -> float | None:
    return value if value > 0 else None


def platforms_from_settings(settings: Settings, app: App) -> list[Platform]:
    """Telegram when HCBOT_TELEGRAM_TOKEN is set; Slack when HCBOT_SLACK_BOT_TOKEN is. Each one's
    messenger is registered with the app's deliverer, limits and all, before anything is sent."""
    found: list[Platform] = []
    if settings.telegram_token is not None and settings.telegram_token.get_secret_value():
        from bot.telegram.loop import TelegramSetupError, telegram_bot_from_settings

        try:
            telegram = telegram_bot_from_settings(settings, app.live)
        except TelegramSetupError as error:
            raise SetupError(str(error)) from None
        if telegram is not None:
            found.append(telegram)
    if settings.slack_bot_token is not None and settings.slack_bot_token.get_secret_value():
        from bot.slack.loop import SlackBot

        secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
        app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        if settings.slack_mode == "socket" and not app_token:
            raise SetupError("Slack Socket Mode needs the app-level token: set HCBOT_SLACK_APP_TOKEN (xapp-...), "
                             "or HCBOT_SLACK_MODE=http with HCBOT_SLACK_SIGNING_SECRET")
        if settings.slack_mode == "http" and not secret:
            raise SetupError("Slack HTTP mode needs HCBOT_SLACK_SIGNING_SECRET: it is how requests are checked")
        found.append(SlackBot(bot_token=settings.slack_bot_token.get_secret_value(), live=app.live,
                              signing_secret=secret, app_token=app_token, mode=settings.slack_mode,
                              api_url=settings.slack_api_url, http_host=settings.slack_http_host,
                              http_port=settings.slack_http_port, http_path=settings.slack_http_path,
                              limits=RateLimits(
                                  overall_per_second=_per_second(settings.slack_workspace_messages_per_second),
                                  per_chat_per_second=_per_second(settings.slack_messages_per_second))))
    for platform in found:
        app.add_messenger(platform.messenger)
    return found
