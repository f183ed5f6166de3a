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
    assert "Passons en revue votre action en cours (Sahelia" in answer  # one action: no "(s)"
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
    from docx import Document

    from tests.test_report import draft_for

    saved = chat.say("/report").split("--- saved ")[1].split(" ---")[0]
    assert hostile in "\n".join(paragraph.text for paragraph in Document(saved).paragraphs)  # Word: text, as given
    markdown, _docx = draft_for(chat)
    assert "DROP TABLE action\\_updates" in markdown
    assert "\\<b\\>bold\\</b\\>" in markdown  # rendered escaped


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
    # The button asks first: one tap on a phone must not silence a plan by mistake.
    assert "as sent on 23 Nov 2026?" in replies[0].plain_text
    yes = replies[0].buttons[0].payload
    replies = chat.run(chat.app.router.handle(Incoming("console", HC, HC, button=yes)))
    assert "Marked as sent on 23 Nov 2026: Sahelia HCT action plan, May 2026" in replies[0].plain_text
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
    # The status stands from the moment it was given; the refused note is nowhere.
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.ON_TRACK, None)]
    assert "action 2 of 4" in chat.say("Strategy drafted with the cluster.")
    assert [(update.status, update.note) for update in updates(chat)] == [
        (Status.ON_TRACK, "Strategy drafted with the cluster.")]


def test_nul_bytes_and_broken_characters_get_one_sentence_and_the_check_in_waits(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    assert "could not be read" in chat.say("on track\x00")
    assert "could not be read" in chat.say("bloqu\udce9")  # invalid UTF-8 kept as a lone surrogate
    assert updates(chat) == []
    assert "action 1 of 4" in chat.say("on track")


def checkin_steps(chat: Chat) -> list[CheckinStep]:
    return [session.step for session in sessions(chat)]


def test_a_question_during_a_check_in_is_answered_and_the_check_in_waits(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    answer = chat.say("how did others fund a PSEA coordinator?")
    assert "1. " in answer  # the library's answer, not "I did not catch a status"
    assert "did not catch a status" not in answer
    assert answer.rstrip().endswith("We were at action 1 of 4 of your check-in.\n[1] Continue  [2] Later")
    assert updates(chat) == []
    again = chat.say("1")  # Continue: the same question
    assert "action 1 of 4" in again
    assert "No status yet. Where does it stand?" in again
    assert "action 1 of 4" in chat.say("on trak")  # a typo is still a status: now the note
    assert "action 2 of 4" in chat.say("no")
    assert [update.status for update in updates(chat)] == [Status.ON_TRACK]


def test_status_words_stay_statuses_even_with_a_reason(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    assert "action 2 of 4" in chat.say("bloqué: pas de financement")
    chat.say("fait")
    assert "action 3 of 4" in chat.say("no")
    chat.say("skip")
    assert "Check-in done" in chat.say("Delayed - how do the others get the governor to sign?")
    assert [(update.status, update.note) for update in updates(chat)] == [
        (Status.BLOCKED, "pas de financement"),
        (Status.DONE, None),
        (Status.DELAYED, "how do the others get the governor to sign?"),
    ]


def test_at_the_note_anything_is_the_note_unless_it_clearly_asks(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("delayed")
    asked = chat.say("How did other operations fund a PSEA coordinator?")
    assert "We were at action 1 of 4" in asked
    # Called away before the note: the status is told already (the plan and the draft show it).
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.DELAYED, None)]
    assert "Delayed" in chat.say("/plan")
    assert "Any note for the update?" in chat.say("continue")  # still at the note
    assert "action 2 of 4" in chat.say("Waiting for the governor; will they sign?")
    # The note completes the same answer: one update, not a second one.
    assert [(update.status, update.note) for update in updates(chat)] == [
        (Status.DELAYED, "Waiting for the governor; will they sign?")]


def test_after_later_a_question_is_answered_and_the_check_in_stays_paused(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("done")
    chat.say("no")
    assert "Paused" in chat.say("later")
    answer = chat.say("any examples of a pooled fund for a PSEA network")
    assert "1. " in answer
    assert answer.rstrip().endswith("Your check-in stays paused at action 2 of 4.\n[1] Continue")
    assert checkin_steps(chat)[-1] is CheckinStep.PAUSED
    # Another question: still paused, still answered.
    assert "stays paused" in chat.say("What did others do about access negotiations?")
    assert checkin_steps(chat)[-1] is CheckinStep.PAUSED
    resumed = chat.say("1")  # Continue
    assert "Welcome back" in resumed
    assert "action 2 of 4" in resumed
    assert checkin_steps(chat)[-1] is CheckinStep.ASK_STATUS


def test_later_pressed_after_a_question_pauses_and_a_second_later_keeps_it_paused(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("what did others do on PSEA?")
    assert "Paused" in chat.say("2")  # Later
    assert checkin_steps(chat)[-1] is CheckinStep.PAUSED
    assert "Paused" in chat.say("later")
    assert checkin_steps(chat)[-1] is CheckinStep.PAUSED


def test_a_french_question_during_a_check_in_gets_french(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)  # Jules works in French
    chat.say("/point")
    answer = chat.say("comment les autres opérations ont-elles financé un coordinateur PEAS ?")
    assert "Nous en étions à l'action 1 sur 1 de votre point." in answer
    assert "[1] Continuer  [2] Plus tard" in answer
    assert "Pas encore de statut" in chat.say("continuer")
    chat.say("en cours")
    done = chat.say("pas de note")
    assert "✓ #2 En bonne voie." in done
    assert "Point terminé, merci." in done


def test_the_check_in_speaks_the_language_the_person_is_using(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)  # registered in English
    assert "Je vous aide" in chat.say("/aide")
    first = chat.say("/point")
    assert "Passons en revue vos 4 actions en cours" in first
    assert "Point sur Sahelia HCT action plan, May 2026\u00a0: action 1 sur 4" in first
    assert "Pas encore de statut. Où en est-elle\u202f?" in first
    assert "Une note pour la mise à jour" in chat.say("en cours")
    assert "action 2 sur 4" in chat.say("Projet validé par le cluster")
    assert "action 2 of 4" in chat.say("/checkin")  # an English command: English again


def test_what_at_the_note_explains_the_note_and_keeps_nothing(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("blocked")
    explained = chat.say("what?")
    assert "A note is a line for the draft update" in explained
    assert "action 1 of 4" in explained
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.BLOCKED, None)]  # not "what?"
    assert "action 2 of 4" in chat.say("Recruitment frozen")
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.BLOCKED, "Recruitment frozen")]


def test_thanks_mid_check_in_gets_a_short_line_and_the_check_in_waits(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    thanked = chat.say("merci !")
    assert "Avec plaisir" in thanked
    assert "action 1 of 4" in thanked  # the offer to continue, where it was
    assert updates(chat) == []
    assert "action 1 of 4" in chat.say("on track")  # a status is still a status: now the note



def test_a_bare_status_outside_a_check_in_asks_which_action(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)  # Jules answers for action 2 only, in French
    said = chat.say("bloqué !")
    assert "pour quelle action" in said
    assert "/maj 2 bloqué." in said  # an action the person answers for, with the words as typed
    assert "rien trouvé" not in said
    assert "pour quelle action" not in chat.say("delivery")  # a near miss is left to the search
    assert updates(chat) == []  # nothing recorded until the action is named
    chat.as_person(HC)
    assert "/update 1 done." in chat.say("done")
    chat.as_person(SECRETARIAT)
    assert "for which action" in chat.say("on track")
    chat.session.user_id = "a-stranger"
    assert "for which action" not in chat.say("done")  # no plan to update: the message is read as any other
