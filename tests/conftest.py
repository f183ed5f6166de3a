"""Shared fixtures: the bundled index (built once) and a console chat that reads like a transcript."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.app import build_app
from bot.console import ConsoleSession
from bot.settings import Settings
from knowledge import SearchIndex, build_index

THIS_YEAR = 2026  # the tests' clock: fixed, so a test never depends on the day it runs


@pytest.fixture(scope="session")
def index() -> SearchIndex:
    return build_index(THIS_YEAR)


class Chat:
    """Drives the console adapter: ``chat.say("...")`` returns what the bot printed."""

    def __init__(self, session: ConsoleSession) -> None:
        self.session = session
        self._runner = asyncio.Runner()

    def say(self, text: str) -> str:
        return self._runner.run(self.session.say(text))

    def close(self) -> None:
        self._runner.close()


@pytest.fixture
def chat(index: SearchIndex) -> Iterator[Chat]:
    app = build_app(Settings(), index=index)
    driver = Chat(ConsoleSession(app.router))
    yield driver
    driver.close()
