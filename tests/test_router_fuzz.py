"""Whatever a person types, the bot answers with something and keeps going."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import build_app
from bot.clock import FixedClock
from bot.settings import Settings
from handlers.i18n import t
from handlers.messages import Incoming
from handlers.secretariat.imports import import_file
from knowledge import SearchIndex
from storage import broadcasts as stored_broadcasts
from storage import repositories as repo
from tests.conftest import EXAMPLES, START, fresh_database

MESSAGES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["/", "/ ", "/more", "/read", "/read 99", "/topic", "/topic 🙂", "/checkin", "/plan x",
                     "/report ../../etc/passwd", "/pass abc", "\x00", "\u202e", "<script>", "*" * 50]),
    st.builds(lambda text: "/" + text, st.text(max_size=40)),
)
BUTTONS = st.one_of(st.none(), st.text(max_size=40), st.sampled_from(["more", "fb:1:useful", "fb:x", "pass:999",
                                                                      "ci:1:0:done", "ci:::", "read:", "topic:"]))


def test_the_router_always_answers(index: SearchIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    runner = asyncio.Runner()
    database = runner.run(fresh_database(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"))
    app = runner.run(build_app(Settings(), clock=FixedClock(START), index=index, database=database))
    caplog.set_level(logging.INFO, logger="handlers.router")

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=MESSAGES, button=BUTTONS)
    def one_message(text: str, button: str | None) -> None:
        caplog.clear()
        replies = runner.run(app.router.handle(Incoming("console", "fuzzer", "fuzzer", text=text, button=button)))
        assert replies
        assert all(reply.lines for reply in replies)
        records = [record for record in caplog.records if record.name == "handlers.router"]
        # One route logged per message, by the branch that handled it; no crash (logged at ERROR).
        assert [record.levelno for record in records] == [logging.INFO], (text, button)
        assert getattr(records[0], "route", ""), (text, button)
        assert t("error", "en") not in [reply.plain_text for reply in replies]

    try:
        one_message()
    finally:
        runner.run(app.close())
        runner.close()


HC = "amina.hc@sahelia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"
# Typed text, never a command: in the middle of a check-in or a notice it is an answer.
ANSWERS = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=200).filter(
    lambda text: not text.strip().startswith("/"))


def test_mid_conversation_text_is_an_answer_whatever_it_says(index: SearchIndex, tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """An HC with an open check-in and the secretariat composing a notice: random text goes to the
    check-in and to the draft (the route the router logs says so), never to a crash."""
    runner = asyncio.Runner()
    database = runner.run(fresh_database(f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"))
    runner.run(import_file(database, EXAMPLES / "operations.yaml"))
    app = runner.run(build_app(Settings(), clock=FixedClock(START), index=index, database=database))
    caplog.set_level(logging.INFO, logger="handlers.router")

    async def link(email: str) -> int:
        async with database.transaction() as session:
            person = await repo.person_by_email(session, email)
            assert person is not None
            await repo.link_identity(session, person, "console", email, email)
            return person.id
    people = {email: runner.run(link(email)) for email in (HC, SECRETARIAT)}

    async def in_progress(email: str) -> bool:
        async with database.transaction() as session:
            if email == HC:
                return await repo.open_checkin(session, people[email]) is not None
            return await stored_broadcasts.open_draft(session, people[email]) is not None

    def say(email: str, text: str) -> tuple[list[str], list[str]]:
        """The replies and the routes logged while handling one message; no error in either."""
        caplog.clear()
        replies = runner.run(app.router.handle(Incoming("console", email, email, text=text)))
        records = [record for record in caplog.records if record.name == "handlers.router"]
        assert not [record for record in records if record.levelno >= logging.ERROR], text
        texts = [reply.plain_text for reply in replies]
        assert texts
        assert not any(t("error", language) in reply for reply in texts for language in ("en", "fr"))
        return texts, [getattr(record, "route", "") for record in records]

    # In a check-in, text that reads as a question ("abc?") is answered as one, and a greeting or
    # thanks ("HI") gets its short line; either way the check-in waits.
    opening = {HC: ("/checkin", "command:checkin", {"checkin-answer", "checkin-question", "checkin-small-talk"}),
               SECRETARIAT: ("/broadcast", "command:broadcast", {"broadcast-draft"})}

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(who=st.sampled_from([HC, SECRETARIAT]), text=ANSWERS)
    def one_answer(who: str, text: str) -> None:
        command, command_route, answer_route = opening[who]
        if not runner.run(in_progress(who)):
            assert say(who, command)[1] == [command_route]
            assert runner.run(in_progress(who)), f"{command} opened nothing"
        routes = say(who, text)[1]
        assert len(routes) == 1, text
        assert routes[0] in answer_route, text

    try:
        one_answer()
    finally:
        runner.run(app.close())
        runner.close()
