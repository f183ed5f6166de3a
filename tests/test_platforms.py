"""`hcbot run` starts the platforms whose credentials are set, and says clearly what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import App
from bot.platforms import SetupError, platforms_from_settings
from bot.settings import Settings
from bot.slack.loop import SlackBot
from bot.telegram.loop import TelegramBot


def settings(**values: object) -> Settings:
    return Settings.model_validate(values)


def test_no_credentials_no_platform(app: App) -> None:
    assert platforms_from_settings(settings(), app) == []


def test_both_platforms_with_their_limits_from_the_settings(app: App) -> None:
    found = platforms_from_settings(
        settings(telegram_token=SecretStr("1:abc"), telegram_messages_per_second=20,
                 slack_bot_token=SecretStr("xoxb-1"), slack_app_token=SecretStr("xapp-1"),
                 slack_workspace_messages_per_second=0),
        app)
    telegram, slack = found
    assert isinstance(telegram, TelegramBot)
    assert isinstance(slack, SlackBot)
    assert telegram.messenger.limits.overall_per_second == 20
    assert slack.messenger.limits.overall_per_second is None
    assert slack.messenger.limits.per_chat_per_second == 1


@pytest.mark.parametrize(("values", "named"), [
    ({"slack_bot_token": SecretStr("xoxb-secret-1")}, "HCBOT_SLACK_APP_TOKEN"),
    ({"slack_bot_token": SecretStr("xoxb-secret-1"), "slack_mode": "http"}, "HCBOT_SLACK_SIGNING_SECRET"),
    ({"telegram_token": SecretStr("1:secret"), "telegram_webhook_url": "https://bot.example.org/t"},
     "HCBOT_TELEGRAM_WEBHOOK_SECRET"),
])
def test_missing_settings_are_named_and_no_secret_is_shown(app: App, values: dict[str, object], named: str) -> None:
    with pytest.raises(SetupError, match=named) as refused:
        platforms_from_settings(settings(**values), app)
    assert "secret-1" not in str(refused.value)
    assert "1:secret" not in str(refused.value)


def test_hcbot_run_refuses_to_start_half_configured(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HCBOT_")}
    env |= {"HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", "HCBOT_SLACK_BOT_TOKEN": "xoxb-never-shown"}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "HCBOT_SLACK_APP_TOKEN" in done.stderr
    assert "xoxb-never-shown" not in done.stderr + done.stdout
