"""A messenger that keeps what it was asked to send: the test double of handlers.delivery.Messenger."""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.delivery import Messenger, RateLimits, Recipient
from handlers.messages import Reply


@dataclass
class RecordingMessenger:
    platform: str = "console"
    limits: RateLimits = field(default_factory=RateLimits)
    sent: list[tuple[Recipient, Reply]] = field(default_factory=list)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        self.sent.append((recipient, reply))

    def texts(self) -> list[str]:
        return [reply.plain_text for _recipient, reply in self.sent]


def _conforms(messenger: RecordingMessenger) -> Messenger:
    return messenger  # mypy checks that the double keeps up with the protocol
