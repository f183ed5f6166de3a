"""The errors a handler may raise on purpose. The router turns each into one friendly sentence."""

from __future__ import annotations

from handlers.i18n import t


class HcbotError(Exception):
    """An expected failure with a message for the person in the chat."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def user_message(self, language: str) -> str:
        return t(self.key, language, **self.values)


class BadInput(HcbotError):
    """The person sent something the bot cannot use; the conversation goes on."""


class NotFound(HcbotError):
    """The person asked for something that does not exist (a product id, a topic)."""


class AccessDenied(HcbotError):
    """The person may not see or do this."""
