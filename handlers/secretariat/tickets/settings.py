"""Where the secretariat works: read once from the settings by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DeskSettings:
    channel: str | None = None
    """A Slack channel id (``C0123...``) where passed questions are told; None: each member's chat."""
    channel_platform: str = "slack"
    timezone: str = "Europe/Zurich"
    """The secretariat's hours: for the channel, and for a member who set no timezone of their own."""
    answers_dir: Path | None = None
    """The Q&A folder answers are added to (None: "Add to the library" says it cannot)."""
