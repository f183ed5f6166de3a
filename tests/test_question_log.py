"""Questions are logged; answers get "useful?" feedback; unanswered ones reach the secretariat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from storage.models import QuestionLog
from tests.conftest import Chat


def log(chat: Chat) -> list[QuestionLog]:
    async def read() -> list[QuestionLog]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars())
    return chat.run(read())


def test_answer_feedback_is_recorded(chat: Chat) -> None:
    answer = chat.say("how did others set up a PSEA network?")
    assert "Was this useful?" in answer
    assert "[2] Useful" in answer
    assert "[3] Not useful" in answer
    assert "noted as useful" in chat.say("Useful")
    entries = log(chat)
    assert [(entry.question, entry.confident, entry.feedback) for entry in entries] == [
        ("how did others set up a PSEA network?", True, "useful")]
    assert len(entries[0].result_ids) >= 3


def test_typed_words_under_an_answer_count_as_its_feedback(chat: Chat) -> None:
    chat.say("how did others set up a PSEA network?")
    # A typo, and the words of the button rather than a press: not a new question.
    said = chat.say("not waht I needed")
    assert "let the secretariat know it did not help" in said
    assert "found nothing" not in said
    assert "noted as useful" in chat.say("that helps")  # a second word replaces the first, as a press does
    chat.say("comment les autres ont-ils financé un coordinateur PSEA ?")
    assert "signalerai au secrétariat" in chat.say("no help")  # not small talk ("no" and a filler word)
    assert "welcome" in chat.say("thanks")  # plain thanks stays small talk
    assert [(entry.question, entry.feedback) for entry in log(chat)] == [
        ("how did others set up a PSEA network?", "useful"),
        ("comment les autres ont-ils financé un coordinateur PSEA ?", "not_useful")]


def test_typed_feedback_needs_the_last_question_to_be_the_answer(chat: Chat) -> None:
    chat.say("how did others set up a PSEA network?")
    chat.say("what's the weather in Geneva tomorrow?")  # declined: nothing to judge
    chat.say("not what I needed")
    assert [entry.feedback for entry in log(chat)][:2] == [None, None]


def test_not_what_i_needed_after_a_decline_asks_for_other_words_not_a_search(chat: Chat) -> None:
    chat.say("what's the weather in Geneva tomorrow?")
    said = chat.say("that did not help")
    # Searched, the words found nothing or a wrong topic; now the bot answers what was said.
    assert "found nothing" not in said
    assert "Put it in other words" in said
    assert "/pass to send “what's the weather in Geneva tomorrow?”" in said
    assert [entry.question for entry in log(chat)] == ["what's the weather in Geneva tomorrow?"]
    assert "passed to the P2P secretariat" in chat.say("/pass")
    assert "already has “what's the weather in Geneva tomorrow?”" in chat.say("not what I needed")
    assert len(log(chat)) == 1


def test_not_what_i_needed_with_nothing_asked_yet_says_how_to_ask(chat: Chat) -> None:
    said = chat.say("not what I needed")
    assert "Tell me in a sentence what you are looking for" in said
    assert "/pass" not in said
    assert log(chat) == []


def test_a_french_reaction_after_a_french_decline_is_answered_in_french(chat: Chat) -> None:
    chat.say("quel temps fera-t-il à Genève demain ?")
    said = chat.say("ça ne m'aide pas")
    assert "Dites-le autrement" in said
    # French typography: no-break spaces inside the guillemets.
    assert "/transmettre pour envoyer «\xa0quel temps fera-t-il à Genève demain ?\xa0»" in said


def test_a_question_that_says_does_not_help_is_answered_not_taken_as_feedback(chat: Chat) -> None:
    chat.say("how did others set up a PSEA network?")
    said = chat.say("the cluster system does not help with access negotiation")
    assert "Here is how other operations handled" in said
    assert "let the secretariat know" not in said
    chat.say("what's the weather in Geneva tomorrow?")  # declined: nothing to rate either
    said = chat.say("the cluster system does not help with access negotiation")
    assert "Here is how other operations handled" in said
    assert "Put it in other words" not in said
    assert [(entry.question, entry.feedback) for entry in log(chat)] == [
        ("how did others set up a PSEA network?", None),
        ("the cluster system does not help with access negotiation", None),
        ("what's the weather in Geneva tomorrow?", None),
        ("the cluster system does not help with access negotiation", None)]


def test_a_verdict_that_names_the_answer_is_feedback_not_a_new_search(chat: Chat) -> None:
    # Searched, "besoin" found needs assessments, and "PSEA" or "cash" the topic just answered.
    chat.say("comment les autres ont-ils mis en place un réseau PSEA ?")
    assert "signalerai au secrétariat" in chat.say("pas ce dont j'ai besoin")
    chat.say("how did others set up a PSEA network?")
    assert "let the secretariat know it did not help" in chat.say("the PSEA answer did not help")
    chat.say("how did others run cash transfers?")
    assert "let the secretariat know it did not help" in chat.say("cash answer not useful")
    chat.say("how did others set up a PSEA network?")
    assert "let the secretariat know it did not help" in chat.say("the psea answer didnt help")  # no apostrophe
    assert [(entry.question, entry.feedback) for entry in log(chat)] == [
        ("comment les autres ont-ils mis en place un réseau PSEA ?", "not_useful"),
        ("how did others set up a PSEA network?", "not_useful"),
        ("how did others run cash transfers?", "not_useful"),
        ("how did others set up a PSEA network?", "not_useful")]


def test_not_useful_once_passed_does_not_offer_to_pass_again(chat: Chat) -> None:
    chat.say("how did others set up a PSEA network?")
    assert "passed to the P2P secretariat" in chat.say("/pass")
    said = chat.say("not useful")
    assert "already has your question" in said
    assert "reply /pass" not in said
    assert [entry.feedback for entry in log(chat)] == ["not_useful"]


def test_unanswered_question_is_passed_on_once(chat: Chat) -> None:
    answer = chat.say("what's the weather in Geneva tomorrow?")
    assert "[1] Pass it to the secretariat" in answer
    assert "Question #1 passed to the P2P secretariat" in chat.say("1")
    entries = log(chat)
    assert [(entry.confident, entry.passed_on) for entry in entries] == [(False, True)]


def test_a_button_cannot_touch_someone_elses_question(chat: Chat) -> None:
    chat.say("GBV")
    own = log(chat)[0]
    chat.session.user_id = "someone-else"
    assert "expired" in chat.say("/pass " + str(own.id)) or "no recent question" in chat.say("/pass " + str(own.id))
    assert log(chat)[0].passed_on is False


def test_admin_questions_lists_the_unanswered(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=60, check=False)

    hcbot("chat", stdin="GBV\norder pizza\n")
    everything = hcbot("admin", "questions", "--json")
    rows = [json.loads(line) for line in everything.stdout.splitlines()]
    assert [(row["question"], row["confident"]) for row in rows] == [("GBV", True), ("order pizza", False)]
    unanswered = hcbot("admin", "questions", "--unanswered")
    assert "order pizza" in unanswered.stdout
    assert "GBV" not in unanswered.stdout


def test_not_useful_after_browsing_a_topic_does_not_offer_an_older_question(chat: Chat) -> None:
    chat.say("what's the weather in Geneva tomorrow?")
    chat.say("/topic psea")
    said = chat.say("not useful")
    assert "what you need on Protection from sexual exploitation and abuse" in said
    assert "/pass" not in said
    assert "weather" not in said
    chat.say("what's the weather in Geneva tomorrow?")  # a question after the browse: it is that one's
    assert "/pass to send “what's the weather" in chat.say("not useful")
