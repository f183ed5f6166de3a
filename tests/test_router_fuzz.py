"""Whatever a person types, the bot answers with something and keeps going."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_app
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.messages import Incoming
from knowledge import SearchIndex
from tests.conftest import START, fresh_database

MESSAGES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["/", "/ ", "/more", "/read", "/read 99", "/topic", "/topic 🙂", "/checkin", "/plan x",
                     "/report ../../etc/passwd", "/pass abc", "\x00", "\u202e", "<script>", "*" * 50]),
    st.builds(lambda text: "/" + text, st.text(max_size=40)),
)
BUTTONS = st.one_of(st.none(), st.text(max_size=40), st.sampled_from(["more", "fb:1:useful", "fb:x", "pass:999",
                                                                      "ci:1:0:done", "ci:::", "read:", "topic:"]))


def test_the_router_always_answers(index: SearchIndex, tmp_path: Path) -> None:
    runner = asyncio.Runner()
    database = runner.run(fresh_database(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"))
    app = runner.run(build_app(Settings(), clock=FixedClock(START), index=index, database=database))

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=MESSAGES, button=BUTTONS)
    def one_message(text: str, button: str | None) -> None:
        replies = runner.run(app.router.handle(Incoming("console", "fuzzer", "fuzzer", text=text, button=button)))
        assert replies and all(reply.lines for reply in replies)
        assert not any("something went wrong" in reply.plain_text for reply in replies), (text, button)

    try:
        one_message()
    finally:
        runner.run(app.close())
        runner.close()
