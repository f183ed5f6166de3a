"""The check-in conversation, on SQLite and PostgreSQL: transcripts, restarts, platforms, access."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ActionUpdate, CheckinSession, CheckinStep, Status
from tests.conftest import EXAMPLES, Chat

HC = "amina.hc@sahelia.invalid"
OWNER = "jules.unicef@sahelia.invalid"
OTHER_HC = "omar.hc@levantia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"


def updates(chat: Chat) -> list[ActionUpdate]:
    async def read() -> list[ActionUpdate]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(ActionUpdate).order_by(ActionUpdate.id))).scalars())
    return chat.run(read())


def sessions(chat: Chat) -> list[CheckinSession]:
    async def read() -> list[CheckinSession]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(CheckinSession).order_by(CheckinSession.id))).scalars())
    return chat.run(read())


def test_hc_walks_through_the_whole_plan(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    first = chat.say("/checkin")
    assert "action 1 of 4" in first
    assert "Adopt an HCT protection strategy" in first
    assert "No status yet" in first
    assert "due 31 Jul 2026" in first
    assert "action 1 of 4" in chat.say("en cours")  # asks for a note on the same action
    assert "action 2 of 4" in chat.say("Draft agreed by the protection cluster")
    chat.say("bloqué")
    chat.say("no")
    assert "action 4 of 4" in chat.say("skip")
    summary = chat.say("delayed - waiting for the governor's approval")
    assert "Check-in done" in summary
    assert "3 updated, 1 skipped" in summary
    recorded = [(update.status, update.note) for update in updates(chat)]
    assert recorded == [
        (Status.ON_TRACK, "Draft agreed by the protection cluster"),
        (Status.BLOCKED, None),
        (Status.DELAYED, "waiting for the governor's approval"),
    ]
    assert all(update.platform == "console" for update in updates(chat))
    assert sessions(chat)[-1].step is CheckinStep.FINISHED


def test_buttons_drive_a_check_in_and_last_status_is_offered(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("2")  # button 2: On track
    chat.say("1")  # button 1: No note
    for _ in range(3):
        chat.say("7")  # Later? no: 6 is Skip, 7 is Later; pause then resume
        chat.say("resume")
    chat.say("6")
    chat.say("6")
    chat.say("6")
    second = chat.say("/checkin")
    assert "Last time, 23 Nov 2026: on track. Still on track?" in second
    chat.say("yes")
    chat.say("1")
    assert [update.status for update in updates(chat)] == [Status.ON_TRACK, Status.ON_TRACK]


def test_an_owner_is_asked_only_about_their_own_actions_in_their_language(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)  # Jules works in French
    answer = chat.say("/point")
    assert "Passons en revue l'action en cours de Sahelia" in answer  # one action: no "(s)"
    assert "Recruit a full-time PSEA coordinator" in answer
    assert "échéance 30 juin 2026" in answer
    chat.say("fait")
    assert "Point terminé" in chat.say("non")


def test_state_survives_a_restart_and_a_platform_switch(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC, platform="telegram", user_id="tg-1001")
    chat.say("/checkin")
    chat.say("delayed")
    # A new process: nothing in memory survives, only the database.
    chat.run(chat.app.close())
    from bot.app import build_app
    from bot.console import ConsoleSession
    from bot.settings import Settings
    from storage.database import Database

    chat.database = Database(chat.database.url)
    chat.app = chat.run(build_app(Settings(database_url=chat.database.url), clock=chat.clock,
                                  index=chat.app.index, database=chat.database))
    chat.session = ConsoleSession(chat.connect())
    chat.as_person(HC, platform="slack", user_id="U042")
    answer = chat.say("the partner pulled out, looking for another")
    assert "action 2 of 4" in answer
    assert [(update.status, update.note, update.platform) for update in updates(chat)] == [
        (Status.DELAYED, "the partner pulled out, looking for another", "slack")]


def test_later_pauses_and_any_message_resumes_at_the_same_action(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("done")
    chat.say("no")
    assert "Paused" in chat.say("plus tard")
    assert sessions(chat)[-1].step is CheckinStep.PAUSED
    resumed = chat.say("hello again")
    assert "Welcome back" in resumed
    assert "action 2 of 4" in resumed


def test_bad_answers_never_break_the_conversation(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    assert "did not catch a status" in chat.say("🙂🙂🙂")
    assert "do not know the command /foo" in chat.say("/foo")
    assert "action 1 of 4" in chat.say("/foo")
    chat.say("blocked")
    assert "at most" in chat.say("x" * 10_000)  # refused; the note is asked again
    long_note = "x" * 2_000
    chat.say(long_note)
    chat.say("on track")
    hostile = "<b>bold</b> *stars* '); DROP TABLE action_updates; --"
    chat.say(hostile)
    notes = [update.note for update in updates(chat)]
    assert notes == [long_note, hostile]  # stored verbatim
    report = chat.say("/report")
    assert "DROP TABLE action\\_updates" in report
    assert "\\<b\\>bold\\</b\\>" in report  # rendered escaped


def test_a_person_sees_only_their_own_operations_plans(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OTHER_HC)
    assert "Levantia OPR action plan" in chat.say("/plan")
    refused = chat.say("/plan sahelia-2026")
    assert "cannot find a plan" in refused
    assert "Sahelia" not in refused
    assert "cannot find a plan" in chat.say("/report sahelia-2026")
    assert "cannot find a plan" in chat.say("/checkin sahelia-2026")
    chat.as_person(SECRETARIAT)
    assert "Sahelia HCT action plan" in chat.say("/plan sahelia-2026")
    assert "Levantia OPR action plan" in chat.say("/plan levantia-2026")


def test_a_stranger_gets_directions_and_no_data(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    for command in ("/plan", "/report", "/checkin", "/plan sahelia-2026"):
        answer = chat.say(command)
        assert "do not know you yet" in answer
        assert "Sahelia" not in answer
        assert "PSEA" not in answer
    assert "1. " in chat.say("how did others set up a PSEA network?")  # questions still work


def test_plan_at_a_glance(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("done")
    chat.say("no")
    glance = chat.say("/plan")
    assert "update to the ERC due 15 Oct 2026" in glance
    assert "39 days late" in glance
    assert "Done, today" in glance
    assert "OVERDUE" in glance
    assert "2 actions overdue" in glance  # 2 and 3; 1 is done, 4 not yet due


def test_a_shared_command_name_keeps_the_persons_language(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)  # French
    assert "mise à jour au CSU due le 15 oct. 2026" in chat.say("/plan")
    chat.say("/help")  # an English command name: from now on, English
    assert "update to the ERC due 15 Oct 2026" in chat.say("/plan")


def test_mark_as_sent_from_a_nudge_button(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    assert "Seuls le CH et le secrétariat" in chat.say("/envoye")
    chat.as_person(HC)
    chat.session.buttons = ()
    from handlers.messages import Incoming

    replies = chat.run(chat.app.router.handle(Incoming("console", HC, HC, button="submitted:sahelia-2026")))
    assert "Marked as sent: Sahelia HCT action plan, May 2026" in replies[0].plain_text
    assert "already marked as sent on 23 Nov 2026" in chat.say("/submitted")
    assert "submitted 23 Nov 2026" in chat.say("/plan")


def test_a_note_longer_than_a_page_is_refused_and_the_question_stays(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("on track")
    refused = chat.say("word " * 1000)
    assert "4,999 characters" in refused  # numbers as the language writes them
    assert "2,000 at most" in refused
    assert updates(chat) == []
    assert "action 2 of 4" in chat.say("Strategy drafted with the cluster.")
    assert [update.note for update in updates(chat)] == ["Strategy drafted with the cluster."]


def test_nul_bytes_and_broken_characters_get_one_sentence_and_the_check_in_waits(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    assert "could not be read" in chat.say("on track\x00")
    assert "could not be read" in chat.say("bloqu\udce9")  # invalid UTF-8 kept as a lone surrogate
    assert updates(chat) == []
    assert "action 1 of 4" in chat.say("on track")
