"""/help shows a person the commands of their role; a command they may not use says why, in its own
words and their language."""

from __future__ import annotations

import re

import pytest

from tests.conftest import EXAMPLES, Chat

HC = "amina.hc@sahelia.invalid"
OWNER = "jules.unicef@sahelia.invalid"  # an HCT member, in French
SECRETARIAT = "secretariat@p2p.invalid"
PLAN_COMMANDS = {"checkin", "plan", "report", "pause", "submitted"}
NOTICE_COMMANDS = {"notices", "follow", "unfollow"}


def listed(help_text: str) -> set[str]:
    return set(re.findall(r"^/(\w+)", help_text, flags=re.MULTILINE))


def test_a_stranger_sees_questions_and_how_to_link_not_plans_or_broadcasts(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    shown = chat.say("/help")
    commands = listed(shown)
    assert {"help", "ask", "more", "read", "topics", "topic", "pass", "link"} <= commands
    assert not commands & (PLAN_COMMANDS | NOTICE_COMMANDS | {"broadcast"})
    assert "/link CODE" in shown  # how to get the rest


def test_an_hc_sees_the_plan_commands_but_not_broadcast(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    commands = listed(chat.say("/help"))
    assert commands >= PLAN_COMMANDS | NOTICE_COMMANDS
    assert "broadcast" not in commands
    assert "link" not in commands  # this chat is linked already


def test_an_hct_member_does_not_see_submitted_and_reads_help_in_french(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    commands = listed(chat.say("/aide"))
    assert {"point", "plan", "rapport", "pause", "annonces", "suivre"} <= commands
    assert not commands & {"envoye", "annonce", "lier"}


def test_the_secretariat_sees_every_command(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(SECRETARIAT)
    assert PLAN_COMMANDS | NOTICE_COMMANDS | {"broadcast", "link", "ask"} <= listed(chat.say("/help"))


@pytest.mark.parametrize(("command", "words"), [
    ("/notices off", "Notices are for registered people"),
    ("/follow psea", "Following a topic brings its notices"),
    ("/unfollow all", "Following a topic brings its notices"),
    ("/pause 2w", "Pausing holds the check-ins and reminders of registered people"),
    ("/checkin", "Check-ins are for the people of an operation's plan"),
    ("/submitted", "Only the HC of an operation, or the secretariat"),
    ("/broadcast", "Only the P2P secretariat can send notices"),
])
def test_a_stranger_is_told_what_each_command_needs(chat: Chat, command: str, words: str) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    answer = chat.say(command)
    assert words in answer
    assert "cannot show any plan" not in answer
    assert "Sahelia" not in answer


def test_a_stranger_is_refused_in_french_with_french_typography(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    answer = chat.say("/annonces off")
    assert answer.startswith("Les annonces sont pour les personnes inscrites\u00a0: envoyez le code")
    assert "/lier CODE" in answer
    assert "Suivre un sujet" in chat.say("/suivre peas")


def test_a_mistyped_command_gets_the_one_it_looks_like_among_those_the_person_may_use(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    assert chat.say("/topci psea") == ("I do not know the command /topci. Did you mean /topic? "
                                       "Type /help to see what I can do.")
    assert "Did you mean /more?" in chat.say("/mroe")
    # Not a command an HC may use, and nothing near enough: no guess.
    assert chat.say("/brodcast") == "I do not know the command /brodcast. Type /help to see what I can do."
    assert chat.say("/zzz") == "I do not know the command /zzz. Type /help to see what I can do."
    assert chat.say("/hepl") == "I do not know the command /hepl. Type /help to see what I can do."
    chat.as_person(SECRETARIAT)
    assert "Did you mean /broadcast?" in chat.say("/brodcast")
    chat.as_person(OWNER)
    assert chat.say("/sujt peas") == ("Je ne connais pas la commande /sujt. Vouliez-vous dire /sujet\u202f? "
                                      "Tapez /aide pour voir ce que je sais faire.")
    # An alias /aide does not list is named by the command it stands for, in the person's language,
    # and a listed name wins a tie with an alias (/suivi is as near /suite, an alias of /plus).
    assert "Vouliez-vous dire /sujets\u202f?" in chat.say("/themse")
    assert "Vouliez-vous dire /suivre\u202f?" in chat.say("/suivi")
    chat.as_person(HC)
    assert "Did you mean /topics?" in chat.say("/themse")


def test_the_words_people_reach_for_open_the_plan_and_the_draft_in_their_own_language(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)  # reads French
    assert "mise à jour au CSU due le" in chat.say("/echeance")
    assert "mise à jour au CSU due le" in chat.say("/statut")
    drafted = chat.say("/brouillon")
    assert "Voici le projet de mise à jour" in drafted
    # An alias says no language: "/draft" from a French reader answers in French, as "/suite" does.
    assert "Voici le projet de mise à jour" in chat.say("/draft")
    chat.say("comment les autres ont-ils mis en place un réseau PSEA ?")
    further = chat.say("/suite")
    assert further.startswith("4. ")
    assert "Tapez /plus pour la suite" in further  # once it switched the reader to English


def test_a_command_typed_without_its_slash_is_the_command(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    answer = chat.say("how did others set up a PSEA network?")
    second = re.search(r"^2\. (.+)$", answer, flags=re.MULTILINE)
    assert second is not None
    assert chat.say("read 2").startswith(second.group(1))  # searched, "read 2" found nothing
    assert "Learning products on Protection from sexual exploitation" in chat.say("topic psea")
    assert "mise à jour au CSU due le" not in chat.say("plan")  # the HC reads English
    assert "update to the ERC due" in chat.say("plan")
    # The shape of a command's arguments decides: these stay questions.
    assert "Here is how other operations handled" in chat.say("plan for the winter in Afghanistan?")
    assert "Learning products on" not in chat.say("topic of the week: cash in Somalia")
    chat.as_person(OWNER)
    assert "/point Faire le point" in chat.say("aide")
    assert chat.say("quels sujets ?").startswith("Sujets de la bibliothèque")
    assert "Here is how" not in chat.say("maj 2 en cours on attend le bailleur, qui répond lundi ?")
    assert "En bonne voie · vous\n   on attend le bailleur, qui répond lundi ?" in chat.say("/historique 2")


def test_a_bare_command_the_person_may_not_use_stays_a_question(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    said = chat.say("plan")  # a stranger: plans are not theirs to see
    assert "update to the ERC" not in said
    assert "registered" not in said
    assert "Here is how other operations handled Integrated planning" in said


def test_a_one_word_note_in_a_checkin_is_the_note_not_a_command(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(HC)
    chat.say("/checkin")
    chat.say("on track")
    said = chat.say("plan")
    assert said.startswith("✓ #1 On track: plan")


def test_bare_commands_keep_accents_language_and_the_check_in(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person(OWNER)
    assert chat.say("thèmes").startswith("Sujets de la bibliothèque")  # once "Je ne connais pas /thèmes"
    assert chat.say("menu").startswith("Je vous aide")  # French for a French reader
    assert "Pas encore de mise à jour. Tapez /point 2" in chat.say("statut 2")  # action 2, not a plan "2"
    chat.as_person(HC)
    assert "Recruit a full-time PSEA coordinator" in chat.say("status 2")
    chat.say("/checkin")
    drafted = chat.say("report")  # near "reporté", once read as Delayed and saved
    assert "Here is the draft progress update" in drafted
    assert "Delayed" not in drafted
    chat.say("blocked")
    chat.say("how did others set up a PSEA network?")
    assert "Any note for the update?" in chat.say("continue")
    read = chat.say("read 2")  # at the note, a command with its arguments is the command
    assert "Blocked: read 2" not in read
    assert "Any note" not in read
    assert "Paused until" in chat.say("pause 2w")
    assert "Paused until" in chat.say("pause 3 weeks")


def test_a_code_typed_after_link_without_the_slash_is_tried_and_a_word_is_not(chat: Chat) -> None:
    said = chat.say("link 23456789AB")  # a stranger; a code has letters only about one time in twenty
    assert "That code does not work" in said
    assert "That code does not work" not in chat.say("link everything")
