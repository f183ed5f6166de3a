"""All configuration, read from the environment once (``HCBOT_*``), typed."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """With nothing set, the bot runs on its embedded default: bundled library, console."""

    model_config = SettingsConfigDict(env_prefix="HCBOT_", extra="ignore")

    knowledge_dir: Path | None = None
    """A folder of learning products to use instead of the bundled library."""
    thesaurus_file: Path | None = None
    """A thesaurus YAML to use instead of the bundled one."""
    log_level: str = "WARNING"
