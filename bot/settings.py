"""All configuration, read from the environment once (``HCBOT_*``), typed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from handlers.nudges.reconcile import ScheduleSettings
    from handlers.secretariat.tickets.settings import DeskSettings


# The web desk's port when HCBOT_WEB_PORT is unset: `hcbot web` listens there, and /desk's links point there.
DEFAULT_WEB_PORT: Final = 8080


class Settings(BaseSettings):
    """With nothing set, the bot runs on its embedded default: an SQLite file in the working folder,
    the bundled library, the console."""

    model_config = SettingsConfigDict(env_prefix="HCBOT_", extra="ignore")

    database_url: str = "sqlite:///hcbot.sqlite3"
    """SQLAlchemy URL: sqlite:///FILE (default) or postgresql://USER@HOST/DB."""
    knowledge_dir: Path | None = None
    """A folder of learning products to use instead of the bundled library."""
    thesaurus_file: Path | None = None
    """A thesaurus YAML to use instead of the bundled one."""
    index_cache: str | None = None
    """Where the search index is kept between starts (knowledge/index_cache.py): a folder, or "off";
    by default ~/.cache/hcbot/index (under $XDG_CACHE_HOME when set)."""
    log_level: str = "WARNING"
    resend_in_doubt: bool = False
    """A send whose answer was lost (read timeout, reset after sending) is in doubt: False keeps it
    at most once (never resent, counted in the report); True sends it again (at least once)."""
    log_file: Path | None = None
    """Where logs go while the console is attached (default: hcbot.log beside the database), so that
    no log line lands inside the transcript."""

    def index_cache_dir(self) -> Path | None:
        """The index cache's folder, or None when it is turned off."""
        if self.index_cache is not None and self.index_cache.strip().lower() in ("off", "none", "no", "0", ""):
            return None
        from knowledge.index_cache import default_directory

        return Path(self.index_cache).expanduser() if self.index_cache else default_directory()

    def schedule(self) -> ScheduleSettings:
        # Imported here: `hcbot ask` reads these settings and must not load the database layer.
        from handlers.nudges.deadlines import LadderSettings
        from handlers.nudges.reconcile import ScheduleSettings

        return ScheduleSettings(
            ladder=LadderSettings(
                window_opens_months=self.update_window_opens_months,
                window_closes_months=self.update_window_closes_months,
                days_before=tuple(self.nudge_days_before), overdue_every_days=self.overdue_every_days,
                escalate_after_days=self.escalate_after_days, overdue_max=self.overdue_nudges_max,
                send_hour=self.send_hour, last_hour=self.last_hour),
            checkin_reminder_after=timedelta(hours=self.checkin_reminder_hours),
            checkin_expires_after=timedelta(days=self.checkin_expiry_days),
        )
    # The deadline ladder and check-in cadence, globally (a plan may override the window and the
    # days before; see examples/operations.yaml).
    update_window_opens_months: int = 3
    update_window_closes_months: int = 5
    nudge_days_before: list[int] = [30, 14, 7, 1]
    overdue_every_days: int = 7
    escalate_after_days: int = 14
    overdue_nudges_max: int = 6
    """Weekly overdue nudges stop after this many (0: none after the due day); the secretariat is told."""
    send_hour: int = 9
    last_hour: int = 18
    checkin_reminder_hours: int = 48
    checkin_expiry_days: int = 7
    # Telegram: set the token to run on Telegram. Long polling by default; with a webhook URL, the bot
    # listens for Telegram's calls instead (several replicas), and only calls carrying the secret count.
    telegram_token: SecretStr | None = None
    telegram_bot_username: str | None = None
    """The bot's @username, for invite links; asked of Telegram (getMe) when not set."""
    telegram_api_url: str | None = None
    """Bot API base URL, e.g. http://127.0.0.1:8081/bot (a local Bot API server, or the tests' stub)."""
    telegram_webhook_url: str | None = None
    """The public HTTPS URL Telegram calls; setting it switches from polling to webhook mode."""
    telegram_webhook_secret: SecretStr | None = None
    """Required in webhook mode: Telegram sends it in X-Telegram-Bot-Api-Secret-Token."""
    # Behind a reverse proxy on the same machine: 0.0.0.0 only when asked.
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = 8443
    telegram_webhook_path: str = "telegram"
    # Slack: set the bot token and the signing secret to run on Slack. Socket Mode (the app-level
    # token, xapp-...) needs no public URL; HTTP mode listens for Slack's signed requests.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_mode: Literal["socket", "http"] = "socket"
    slack_http_host: str = "127.0.0.1"
    slack_http_port: int = 3000
    slack_http_path: str = "/slack/events"
    slack_api_url: str | None = None
    """Web API base URL ending in /, e.g. http://127.0.0.1:8082/api/ (the tests' stub)."""
    telegram_messages_per_second: float = 30
    """Telegram's bulk limit across all chats (raise it only with Telegram's paid broadcasts; 0: no limit)."""
    slack_messages_per_second: float = 1
    """Slack's chat.postMessage limit per channel (0: no limit)."""
    slack_workspace_messages_per_second: float = 10
    """All of the bot's posts to one workspace ("several hundred a minute", says Slack; 0: no limit)."""
    console: bool = True
    """Read the terminal as a chat when stdin is a terminal or a pipe (hcbot run)."""
    invite_days: int = 7
    """How long an invite code stays valid."""
    import_max_bytes: int = 20_000_000
    """The largest file `hcbot admin import` reads (20 MB: some 300,000 people in a CSV)."""
    auto_migrate: bool | None = None
    """Bring the schema up to date at start. Default: yes on SQLite, no on PostgreSQL (run
    `hcbot db upgrade` as a deployment step there, so replicas do not race)."""
    # The "ask an expert" loop: where passed questions are told, and where answers are kept.
    secretariat_channel: str | None = None
    """A Slack channel id (C0123...) where passed questions are told to the secretariat, with their
    Answer and Close buttons; unset: each secretariat member's own chat. The bot must be in it."""
    secretariat_timezone: str = "Europe/Zurich"
    """The secretariat's working hours (HCBOT_SEND_HOUR to HCBOT_LAST_HOUR, Monday to Friday): for the
    channel, and for a member with no timezone of their own. The P2P secretariat sits in Geneva."""
    qa_dir: Path | None = None
    """The folder of the secretariat's answers added to the library (Q&A files, loaded with it at
    start). Default: `answers` beside the SQLite database, or in the working folder."""

    # The secretariat's web desk (hcbot web; hcbot run serves it too when the port is set).
    web_port: int | None = None
    web_host: str = "127.0.0.1"
    web_url: str | None = None
    """The desk's public address behind the reverse proxy (https://desk.example.org), for /desk's
    sign-in links; default http://HCBOT_WEB_HOST:HCBOT_WEB_PORT."""
    desk_secret: SecretStr | None = None
    """Signs the desk's session cookies; unset, a random one each start (sessions end at a restart)."""

    def desk_url(self) -> str:
        """Where /desk's links point: HCBOT_WEB_URL, else the host and port `hcbot web` listens on
        (its default port too: the desk may run in a process of its own)."""
        if self.web_url:
            return self.web_url
        return f"http://{self.web_host}:{self.web_port or DEFAULT_WEB_PORT}"

    @field_validator("secretariat_timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {zone!r}: use an IANA name such as Europe/Zurich") from None
        return zone

    def answers_dir(self) -> Path:
        """The Q&A folder: the one set, else "answers" in the data folder (the SQLite database's)."""
        if self.qa_dir is not None:
            return self.qa_dir
        url = self.database_url
        if url.startswith("sqlite") and ":///" in url and ":memory:" not in url:
            return Path(url.split(":///", 1)[1]).parent / "answers"
        return Path("answers")

    def desk(self) -> DeskSettings:
        from handlers.secretariat.tickets.settings import DeskSettings

        return DeskSettings(channel=self.secretariat_channel or None, timezone=self.secretariat_timezone,
                            answers_dir=self.answers_dir())
