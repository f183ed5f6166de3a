"""A handler's unexpected error: logged with its traceback, one sentence in the person's language,
and the conversation goes on. No project code is mocked: the router is given a command that fails."""

from __future__ import annotations

import logging

import pytest

from bot.app import App
from handlers.context import Turn
from handlers.i18n import t
from handlers.live import LivePath
from handlers.messages import Incoming, Reply
from handlers.router import Command, Router, default_commands
from storage import repositories as repo
from tests.stubs.messenger import RecordingMessenger

FRENCH_MEMBER = "jules.unicef@sahelia.invalid"  # registered with language: fr


async def _fail(turn: Turn, _args: str) -> list[Reply]:
    """Fail on purpose."""
    raise RuntimeError("a bug in a handler")


def crashing_router(app: App) -> Router:
    # "/boom" is English, "/boum" French; "/crash" is both, so it leaves the person's own language.
    return Router(app.router.context, commands=[*default_commands(), Command("boom", _fail, "boum", "Échouer."),
                                                Command("crash", _fail, "crash", "Échouer.")])


async def test_a_crash_gets_one_sentence_in_english_or_french_and_the_next_message_is_answered(
        app: App, caplog: pytest.LogCaptureFixture) -> None:
    router = crashing_router(app)
    caplog.set_level(logging.INFO, logger="handlers.router")
    english = await router.handle(Incoming("console", "stranger", "stranger", text="/boom"))
    assert [reply.plain_text for reply in english] == [t("error", "en")]
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], RuntimeError)
    # Typed in French, the command is answered in French even though it failed.
    french = await router.handle(Incoming("console", "stranger", "stranger", text="/boum"))
    assert [reply.plain_text for reply in french] == [t("error", "fr")]
    assert t("error", "fr") != t("error", "en")
    # The conversation goes on: the next message is handled and answered.
    caplog.clear()
    after = await router.handle(Incoming("console", "stranger", "stranger", text="/help"))
    assert t("help.intro", "en") in after[0].plain_text
    assert [getattr(record, "route", None) for record in caplog.records] == ["command:help"]


async def test_on_the_live_path_a_french_speaker_gets_the_french_sentence_sent(app: App) -> None:
    async with app.database.transaction() as session:
        person = await repo.person_by_email(session, FRENCH_MEMBER)
        assert person is not None
        await repo.link_identity(session, person, "console", "jules", "jules")
    messenger = RecordingMessenger()
    app.add_messenger(messenger)
    live = LivePath(crashing_router(app), app.deliverer)
    answered = await live.answer(Incoming("console", "jules", "jules", text="/crash", event_key="console:1"))
    assert [reply.plain_text for reply in answered] == [t("error", "fr")]
    assert messenger.texts() == [t("error", "fr")]
    assert (messenger.sent[0][0].chat_id, messenger.sent[0][0].live) == ("jules", True)
    # The failed delivery is recorded with its sentence: redelivered, it is not answered twice.
    assert await live.answer(Incoming("console", "jules", "jules", text="/crash", event_key="console:1")) == []
    after = await live.answer(Incoming("console", "jules", "jules", text="/aide", event_key="console:2"))
    assert after
    assert t("help.intro", "fr") in after[0].plain_text
    assert len(messenger.sent) == 2
