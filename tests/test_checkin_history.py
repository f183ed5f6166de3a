"""Check-ins people can trust, as console transcripts: what was stored is said back, it can be
changed (a correction keeps the history), one action at a time, its history, explicit refusals and
a status with a question in one message; in English and in French."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ActionUpdate, Status
from tests.conftest import EXAMPLES, Chat

HC = "amina.hc@sahelia.invalid"
OWNER = "jules.unicef@sahelia.invalid"  # French
OTHER_HC = "omar.hc@levantia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"


def updates(chat: Chat) -> list[ActionUpdate]:
    async def read() -> list[ActionUpdate]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(ActionUpdate).order_by(ActionUpdate.id))).scalars())
    return chat.run(read())


def start(chat: Chat, email: str = HC) -> str:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(email)
    return chat.say("/checkin")


def test_each_saved_answer_is_said_back_with_a_change_button(chat: Chat) -> None:
    start(chat)
    chat.say("on track")
    echoed = chat.say("Draft agreed by the protection cluster")
    assert echoed.startswith("✓ #1 On track: Draft agreed by the protection cluster\n")
    assert "action 2 of 4" in echoed
    assert "[8] Change #1" in echoed
    echoed = chat.say("blocked: no funding since March")
    assert echoed.startswith("✓ #2 Blocked: no funding since March\n")
    changing = chat.say("Change #2")  # the button, by its label
    assert "action 2 of 4" in changing
    assert "You answered: Blocked — no funding since March. Keep it, or choose another status." in changing
    assert "[6] Keep" in changing
    corrected = chat.say("delayed: the donor asked for a new budget")
    assert corrected.startswith("✓ #2 Delayed (was blocked): the donor asked for a new budget\n")
    assert "action 3 of 4" in corrected
    stored = [(update.status, update.note, update.supersedes_id) for update in updates(chat)]
    first, blocked, delayed = updates(chat)
    assert stored == [(Status.ON_TRACK, "Draft agreed by the protection cluster", None),
                      (Status.BLOCKED, "no funding since March", None),
                      (Status.DELAYED, "the donor asked for a new budget", blocked.id)]
    assert first.checkin_id == blocked.checkin_id == delayed.checkin_id


def test_back_returns_to_the_previous_question(chat: Chat) -> None:
    assert "This is the first action" in (start(chat) and chat.say("back"))
    chat.say("done")
    assert "No status yet. Where does it stand?" in chat.say("back")  # from the note: this action's status
    assert updates(chat) == []
    chat.say("done")
    chat.say("no")
    again = chat.say("back")  # from action 2: action 1, as answered
    assert "action 1 of 4" in again
    assert "You answered: Done." in again
    kept = chat.say("Keep")
    assert kept.startswith("✓ #1 Done.\n")
    assert "action 2 of 4" in kept
    assert [update.status for update in updates(chat)] == [Status.DONE]  # keeping adds nothing


def test_a_slip_at_the_note_is_a_correction_not_a_note(chat: Chat) -> None:
    start(chat)
    chat.say("5")  # Done, pressed by mistake
    fixed = chat.say("oops, undo that, I meant still on track")
    assert "Got it: on track, not done." in fixed
    assert "On track. Any note for the update?" in fixed
    # Corrected where it stood: "done" was never on record.
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.ON_TRACK, None)]
    assert chat.say("no").startswith("✓ #1 On track.\n")
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.ON_TRACK, None)]


def test_undo_at_the_note_takes_back_the_status_just_given(chat: Chat) -> None:
    start(chat)
    chat.say("done")
    assert [update.status for update in updates(chat)] == [Status.DONE]  # on record as soon as said
    undone = chat.say("oops, undo that")
    assert "Undone: nothing is saved for #1." in undone
    assert "No status yet. Where does it stand?" in undone
    assert updates(chat) == []
    assert "No updates yet." in chat.say("/history 1")


def test_an_update_written_by_someone_else_before_the_note_leaves_one_answer(chat: Chat) -> None:
    start(chat)
    chat.say("skip")
    chat.say("blocked")  # at #2's note; #2 is Jules's action
    chat.as_person(OWNER)
    chat.say("/maj 2 en cours recrutement lancé")
    chat.as_person(HC)
    chat.say("no funding since March")
    chat.say("skip")
    assert "1 updated" in chat.say("skip")  # once counted twice: "2 updated"
    assert [(update.status, update.note) for update in updates(chat)] == [
        (Status.BLOCKED, "no funding since March"), (Status.ON_TRACK, "recrutement lancé")]


def test_a_slip_noticed_at_the_next_action_corrects_the_previous_one(chat: Chat) -> None:
    start(chat)
    chat.say("done: strategy endorsed")
    fixed = chat.say("oops, I meant on track")
    assert fixed.startswith("✓ #1 On track (was done): strategy endorsed\n")
    assert "action 2 of 4" in fixed  # still where we were
    assert [(update.status, update.note) for update in updates(chat)] == [
        (Status.DONE, "strategy endorsed"), (Status.ON_TRACK, "strategy endorsed")]


def test_same_means_same_and_is_never_the_note(chat: Chat) -> None:
    start(chat, OWNER)
    chat.say("bloqué")
    chat.say("non")
    chat.say("/point 2")
    assert "Toujours bloqué" in chat.say("/point 2")
    asked = chat.say("toujours pareil")
    assert "Bloqué. Une note pour la mise à jour" in asked
    assert "Point terminé, merci." in chat.say("pareil")  # at the note: nothing to add
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.BLOCKED, None)] * 2


def test_one_action_at_a_time_and_in_one_message(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    single = chat.say("/checkin 3")
    assert "#3 Make AAP a standing item of the ICCG agenda" in single
    assert "action 1 of" not in single  # no walk through the plan
    chat.say("delayed")
    done = chat.say("waiting for the ICCG chair")
    assert done.startswith("✓ #3 Delayed: waiting for the ICCG chair\n")
    assert "Type /history 3" in done
    one_message = chat.say('/update 2 done "coordinator recruited in November"')
    assert one_message.startswith("✓ #2 Done: coordinator recruited in November\n")
    changed = chat.say("Change #2")  # a one-message update has its Change button too
    assert "You answered: Done — coordinator recruited in November." in changed
    assert chat.say("on track: contract not signed yet").startswith(
        "✓ #2 On track (was done): contract not signed yet\n")
    assert [(update.status, update.note) for update in updates(chat)][-2:] == [
        (Status.DONE, "coordinator recruited in November"), (Status.ON_TRACK, "contract not signed yet")]
    assert "Say which action and where it stands" in chat.say("/update 2 maybe")
    assert "There is no action #9" in chat.say("/checkin 9")


def test_a_single_action_waits_for_the_walk_under_way(chat: Chat) -> None:
    start(chat)
    chat.say("on track")
    chat.say("no")
    assert "Your check-in at action 2 of 4 waits until this one is done." in chat.say("/checkin 4")
    done = chat.say("not started: hub staff not recruited")
    assert "Your check-in waits at action 2 of 4: /checkin to go on." in done
    assert "action 2 of 4" in chat.say("/checkin")


def test_an_owner_may_not_update_someone_elses_action(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    refused = chat.say("/maj 1 fait")
    assert "L'action #1 n'est pas à vous de la mettre à jour (responsable\u00a0: Amina Example)" in refused
    assert updates(chat) == []


def test_history_shows_dates_people_notes_and_corrections(chat: Chat) -> None:
    start(chat)
    chat.say("skip")
    chat.say("blocked: no funding since March")
    chat.say("Change #2")
    chat.say("delayed: donor asked for a new budget")
    chat.as_person(OWNER)
    chat.say("/maj 2 en bonne voie « budget soumis »")
    chat.as_person(HC)
    shown = chat.say("/history 2")
    assert shown.splitlines()[:3] == [
        "#2 Recruit a full-time PSEA coordinator for the inter-agency network",
        "Owner: Jules Sample · due 30 Jun 2026",
        "Updates, newest first:"]
    assert shown.splitlines()[3:] == [
        "23 Nov 2026 · On track · Jules Sample", "   budget soumis",
        "23 Nov 2026 · Delayed · you", "   donor asked for a new budget",
        "23 Nov 2026 · Blocked · you · replaced by a correction", "   no funding since March"]
    french = chat.say("/historique 2")
    assert "23 nov. 2026 · Bloqué · vous · remplacée par une correction" in french
    assert "No updates yet. Type /checkin 4 to give one." in chat.say("/history 4")
    assert "Which action?" in chat.say("/history")


def test_the_plan_shows_each_latest_note_beside_its_status(chat: Chat) -> None:
    start(chat)
    chat.say("on track: " + "the cluster reviewed the draft strategy and asked for a second round " * 3)
    chat.say("blocked")
    chat.say("no")
    glance = chat.say("/plan")
    assert "On track, today: “the cluster reviewed the draft strategy and asked for a…” · " in glance
    assert "Blocked, today · Jules Sample" in glance


def test_another_operations_plan_is_refused_even_mid_check_in(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OTHER_HC)
    chat.say("/checkin")
    refused = chat.say("/checkin sahelia-2026")
    assert 'I cannot find a plan "sahelia-2026" that you may see.' in refused
    assert "Sahelia" not in refused.replace('"sahelia-2026"', "")
    assert "We were at action 1 of 1 of your check-in." in refused  # the own check-in waits, untouched
    assert "cannot find a plan" in chat.say("/history 1 sahelia-2026")
    assert "cannot find a plan" in chat.say("/update sahelia-2026 1 done")
    assert updates(chat) == []


def test_a_status_and_a_question_in_one_message(chat: Chat) -> None:
    start(chat)
    both = chat.say("done, and how did others fund a PSEA coordinator?")
    assert both.startswith("✓ #1 Done.\n[1] Change #1\n")
    assert "1. " in both  # the library's answer
    assert both.rstrip().endswith("We were at action 2 of 4 of your check-in.\n[1] Continue  [2] Later")
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.DONE, None)]
    assert "action 2 of 4" in chat.say("1")


def test_a_status_and_a_question_in_french(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/point")
    both = chat.say("fait, et comment d'autres opérations ont financé un coordinateur PEAS ?")
    assert both.startswith("✓ #1 Fait.\n[1] Modifier #1\n")
    assert both.rstrip().endswith("Nous en étions à l'action 2 sur 4 de votre point.\n[1] Continuer  [2] Plus tard")
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.DONE, None)]


def test_a_status_and_a_question_as_the_last_answer_ends_the_check_in(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    chat.say("/point")  # one action
    both = chat.say("fait. Comment d'autres opérations ont-elles financé un coordinateur PEAS ?")
    assert both.startswith("✓ #2 Fait.\nPoint terminé, merci.")
    assert "Nous en étions" not in both
    assert [(update.status, update.note) for update in updates(chat)] == [(Status.DONE, None)]


def test_the_check_in_in_french_says_back_changes_and_goes_back(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/point")
    chat.say("en cours")
    echoed = chat.say("projet validé par le cluster")
    assert echoed.startswith("✓ #1 En bonne voie\u00a0: projet validé par le cluster\n")
    assert "[8] Modifier #1" in echoed
    back = chat.say("retour")
    assert "Vous avez répondu\u00a0: En bonne voie — projet validé par le cluster. La garder" in back
    assert "[6] Garder" in back
    assert chat.say("bloqué").count("Bloqué. Une note") == 1
    fixed = chat.say("oups, je voulais dire en retard")
    assert "Entendu\u00a0: en retard, et non bloqué." in fixed
    assert chat.say("pas de note").startswith("✓ #1 En retard (au lieu de en bonne voie).\n")
    single = chat.say("/point 3")
    assert "#3 Make AAP a standing item" in single
    assert "Votre point à l'action 2 sur 4 attend que celle-ci soit faite." in single
    assert "/historique 3" in chat.say("fait : inscrit à l'ordre du jour")
    assert "remplacée par une correction" in chat.say("/historique 1")
    assert chat.say("/maj 4 en retard « recrutement gelé »").startswith("✓ #4 En retard\u00a0: recrutement gelé\n")


def test_texts_address_the_person(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    paused = chat.say("/pause 2w")
    assert paused.startswith("Paused until 7 Dec 2026:")
    assert "Amina" not in paused
    assert chat.say("/pause").startswith("You are paused until 7 Dec 2026.")
    assert chat.say("/pause off").startswith("Resumed: check-ins and reminders are back on.")
    chat.as_person(SECRETARIAT)
    greeting = chat.say("/checkin")
    assert greeting.startswith("Let's go through the 4 open actions")
    assert "Hello" not in greeting
    assert "Paused for Sahelia humanitarian operation until" in chat.say("/pause sahelia 2w")
