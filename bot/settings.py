"""All configuration, read from the environment once (``HCBOT_*``), typed."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = "WARNING"
    auto_migrate: bool | None = None
    """Bring the schema up to date at start. Default: yes on SQLite, no on PostgreSQL (run
    `hcbot db upgrade` as a deployment step there, so replicas do not race)."""
