"""The "ask an expert" loop, read as transcripts: a passed question becomes a ticket, the secretariat
is told once, answers in the chat, the asker says whether it helped, and the answer joins the
library for the next person who asks."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.console import ConsoleSession, render
from handlers.i18n import tn
from handlers.live import LivePath
from handlers.messages import Incoming
from handlers.router import Router
from handlers.secretariat.tickets.answering import reaction_kind
from knowledge import SearchIndex
from storage.models import AnswerDraft, OutboxMessage, QuestionLog, Ticket, TicketState
from tests.conftest import EXAMPLES, START, Chat, database_url

HC = "amina.hc@sahelia.invalid"
OTHER_HC = "omar.hc@levantia.invalid"
MEMBER = "jules.unicef@sahelia.invalid"  # an HCT member who reads French
SECRETARIAT = "secretariat@p2p.invalid"
QUESTION = "how do other operations do cash in urban settings with very high rents?"
ANSWER = ("The Somalia cash working group capped transfers at the local rent level and agreed with landlords' "
          "associations that rents would not rise for registered households.")


def people(chat: Chat, *emails: str) -> None:
    """Links each person's console chat, ending as the last one."""
    for email in emails:
        chat.as_person(email)


def as_(chat: Chat, email: str) -> None:
    """Talks as ``email`` (already linked); what is printed to other chats starts afresh."""
    chat.as_person(email)


def deliver(chat: Chat) -> str:
    """One delivery pass of the outbox; what went to people's chats."""
    chat.run(chat.app.deliverer.deliver())
    return chat.printed.getvalue()


def press(chat: Chat, payload: str) -> str:
    """Presses a button that came in a proactive message (the console session only knows the
    buttons of its own last reply)."""
    session = chat.session
    replies = chat.run(session.live.answer(Incoming(session.platform, session.user_id, session.user_id,
                                                    button=payload)))
    session.buttons = replies[-1].buttons if replies else ()
    return "\n\n".join(render(reply) for reply in replies)


def tickets(chat: Chat) -> list[Ticket]:
    async def read() -> list[Ticket]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(Ticket).order_by(Ticket.id))).scalars())
    return chat.run(read())


def outbox(chat: Chat, kind: str) -> list[OutboxMessage]:
    async def read() -> list[OutboxMessage]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                                .order_by(OutboxMessage.id))).scalars())
    return chat.run(read())


def last_logged(chat: Chat) -> QuestionLog:
    async def read() -> QuestionLog:
        async with chat.database.transaction() as session:
            return (await session.execute(select(QuestionLog).order_by(QuestionLog.id.desc()).limit(1))).scalar_one()
    return chat.run(read())


def reconcile(chat: Chat) -> None:
    chat.run(chat.app.scheduler.reconcile_once())


@pytest.fixture
def desk(chat: Chat) -> Chat:
    """The example operations, with the HC, a second HC, an HCT member and the secretariat linked."""
    chat.load(EXAMPLES / "operations.yaml")
    people(chat, SECRETARIAT, OTHER_HC, MEMBER, HC)
    return chat


def test_a_ticket_end_to_end(desk: Chat) -> None:
    """The issue's transcript: an HC passes a question, the secretariat is told once, answers with
    /answer, the HC receives it, the answer joins the library, and a second HC asking the same thing
    in other words gets it as a confident answer."""
    desk.say(QUESTION)
    passed = desk.say("/pass also in French please")
    assert passed.startswith(f"Question #1 passed to the P2P secretariat: “{QUESTION}”")
    assert "With your note: “also in French please”" in passed

    told = deliver(desk)
    assert told.count("Question #1 for the secretariat") == 1
    assert "--> to P2P Secretariat <secretariat@p2p.invalid>" in told
    assert "From Amina Example, HC, Sahelia humanitarian operation · amina.hc@sahelia.invalid" in told
    assert f"“{QUESTION}”" in told
    assert "Note: “also in French please”" in told
    assert "[1] Answer  [2] Close" in told
    # Exactly once: another pass of the scheduler and of the deliverer tells nobody again.
    reconcile(desk)
    assert deliver(desk).count("Question #1 for the secretariat") == 1
    assert len(outbox(desk, "ticket")) == 1

    as_(desk, SECRETARIAT)
    sent = desk.say(f"/answer 1 {ANSWER}")
    assert sent.startswith("Sent to Amina Example (question #1).")
    assert "reaches them in their working hours" not in sent  # 10:00 in Niamey: it goes now
    assert "[1] Add to the library" in sent
    assert desk.say("1") == "Added to the library as answer-1: the next person who asks this gets it."

    received = deliver(desk)
    assert "--> to Amina Example <amina.hc@sahelia.invalid>" in received
    assert "The P2P secretariat answered your question #1" in received
    assert f"You asked on 23 Nov 2026: “{QUESTION}”" in received
    assert ANSWER in received
    assert "— P2P Secretariat, P2P secretariat" in received
    assert "[1] Thanks, it helps  [2] Not what I needed" in received

    as_(desk, HC)
    # The scheduler's pass opened her check-in meanwhile: the reply says where it waits.
    assert desk.say("thanks").startswith("Glad it helped. Question #1 is closed.\n\nYour check-in is waiting")
    ticket = tickets(desk)[0]
    assert (ticket.state, ticket.library_id, ticket.note) == (TicketState.CLOSED, "answer-1", "also in French please")

    as_(desk, OTHER_HC)
    answer = desk.say("How do other operations do cash in cities where rents are very high?")
    first = answer.split("\n2. ")[0]
    assert "1. How do other operations do cash in urban settings with very high rents?" in first
    assert "An answer from the P2P secretariat, 23 Nov 2026" in first
    assert "capped transfers at the local rent level" in first  # the answer, not the question again
    assert last_logged(desk).confident is True
    assert "An answer from the P2P secretariat" in desk.say("/read 1")


def test_the_answer_button_dialogue_survives_restarts_and_sends_with_the_library(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    detail = desk.say("/questions 1")
    assert detail.startswith("Question #1\nFrom Amina Example")
    assert "State: waiting for an answer." in detail
    asking = desk.say("Answer")  # the button, by its label
    assert asking.startswith("Your answer to question #1 from Amina Example:")
    assert "[1] Cancel" in asking

    def restart() -> None:
        # A new process: only the database carries over.
        restarted = Router(desk.app.router.context)
        desk.session = ConsoleSession(LivePath(restarted, desk.app.deliverer), SECRETARIAT)

    restart()
    preview = desk.say("Cap transfers at local rents.")
    assert preview.startswith("Send this to Amina Example (question #1)?")
    assert "[1] Send  [2] Send and add to the library  [3] Cancel" in preview
    restart()
    replaced = desk.say(ANSWER)
    assert replaced.startswith("Replaced.\nSend this to Amina Example (question #1)?")
    assert "Cap transfers at local rents." not in replaced
    restart()
    sent = press(desk, "tk:sendlib:1")  # the button still in the chat, pressed after the restart
    assert "Sent to Amina Example (question #1)." in sent
    assert "Added to the library as answer-1" in sent
    assert tickets(desk)[0].answer == ANSWER

    async def drafts() -> int:
        async with desk.database.transaction() as session:
            return len(list((await session.execute(select(AnswerDraft))).scalars()))
    assert desk.run(drafts()) == 0
    assert "no longer being written" in press(desk, "tk:send:1")
    # The running index has it now: nothing is restarted for the next person to find it.
    assert desk.app.router.context.index.get("answer-1") is not None


def test_a_draft_can_be_cancelled_and_the_close_button_closes(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    press(desk, "tk:answer:1")
    assert desk.say("cancel") == "Cancelled: nothing was sent."
    assert tickets(desk)[0].state is TicketState.OPEN
    assert "How did other operations" not in desk.say("/questions")  # words after a cancel are a question again
    assert press(desk, "tk:close:1") == "Question #1 is closed; the asker is not told."
    assert press(desk, "tk:answer:1") == "Question #1 is closed (23 Nov 2026)."
    assert deliver(desk).count("answered your question") == 0


def test_only_the_secretariat_answers_and_only_the_asker_reacts(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    refusal = "Only the P2P secretariat answers passed questions."
    assert desk.say("/answer 1 we did this").startswith(refusal)
    assert desk.say("/close 1").startswith(refusal)
    assert press(desk, "tk:answer:1").startswith(refusal)
    assert desk.say("/questions").startswith("Only the P2P secretariat sees the questions passed to it.")
    assert tickets(desk)[0].state is TicketState.OPEN
    as_(desk, SECRETARIAT)
    desk.say(f"/answer 1 {ANSWER}")
    as_(desk, OTHER_HC)
    assert press(desk, "tk:thanks:1") == "That button belongs to someone else's question."
    assert press(desk, "tk:missed:1") == "That button belongs to someone else's question."
    assert tickets(desk)[0].state is TicketState.ANSWERED
    as_(desk, MEMBER)
    assert desk.say("/repondre 1 non").startswith("Seul le secrétariat P2P répond aux questions transmises.")


def test_not_what_i_needed_reopens_and_the_secretariat_is_told_again(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    desk.say(f"/answer 1 {ANSWER}")
    deliver(desk)
    as_(desk, HC)
    reopened = desk.say("hmm, not waht I needed")  # a typo on a phone
    assert reopened.startswith("Sorry it missed. Question #1 is back with the secretariat.")
    ticket = tickets(desk)[0]
    assert (ticket.state, ticket.reopened, ticket.told) == (TicketState.OPEN, 1, 2)
    told = deliver(desk)
    assert told.count("Question #1 is back: the answer did not help") == 1
    assert "Answer sent on 23 Nov 2026: “The Somalia cash working group" in told
    assert "Note:" not in told

    noted = desk.say("/pass I need examples from West Africa")
    assert noted == "I added your note to question #1 and told the secretariat."
    assert "Question #1: the asker added a note" in deliver(desk)

    as_(desk, SECRETARIAT)
    assert desk.say("/answer 1 Niger's CWG did the same in Niamey in 2023.").startswith("Sent to Amina Example")
    second = deliver(desk)
    assert "Niger's CWG did the same" in second
    assert len(outbox(desk, "ticket-answer")) == 2
    as_(desk, HC)
    assert press(desk, "tk:thanks:1") == "Glad it helped. Question #1 is closed."
    assert press(desk, "tk:missed:1").startswith("Question #1 is closed already.")


def test_the_words_count_only_when_the_answer_is_the_last_thing_heard(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    desk.say(f"/answer 1 {ANSWER}")
    as_(desk, HC)
    # Not delivered yet: "thanks" is small talk, not a word on an answer not yet read.
    assert desk.say("thanks") == "You are welcome."
    deliver(desk)
    desk.clock.advance_to(START + timedelta(minutes=5))
    desk.say("how did others set up a PSEA network?")
    assert desk.say("merci") == "Avec plaisir."  # thanks for the PSEA answer
    assert tickets(desk)[0].state is TicketState.ANSWERED
    # "merci" made the conversation French.
    assert press(desk, "tk:thanks:1") == "Tant mieux. La question n°\u00a01 est close."


def test_bad_input_gets_one_sentence(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    usage = "Write /answer, the question's number and your answer"
    assert desk.say("/answer").startswith(usage)
    assert desk.say("/answer abc").startswith(usage)
    assert desk.say("/answer abc we did this").startswith(usage)
    assert desk.say("/answer 999 x").startswith("There is no question #999.")
    assert desk.say("/answer 99999999999999999999 x").startswith(usage)
    assert desk.say("/answer 1 " + "x" * 3001).startswith("That answer is too long for a chat: 3,000 characters")
    assert desk.say("/close").startswith("Write /close and the question's number")
    assert desk.say("/questions abc").startswith("Type /questions, or /questions and a question's number")
    assert desk.say("/answer #1 " + ANSWER).startswith("Sent to Amina Example (question #1).")
    assert desk.say("/answer 1 again").startswith("Question #1 was answered by P2P Secretariat on 23 Nov 2026.")
    assert press(desk, "tk:nonsense:x") == "That button has expired. Ask your question again, or type /help."
    as_(desk, HC)
    assert desk.say("/pass " + "x" * 501).startswith("That note is too long: 500 characters at most.")


def test_french_speakers_read_the_loop_in_french(desk: Chat) -> None:
    as_(desk, MEMBER)
    desk.say("Comment financer un coordinateur PEAS quand les bailleurs refusent ?")
    passed = desk.say("/transmettre merci de répondre en français")
    assert passed.startswith("Question n°\u00a01 transmise au secrétariat P2P\u00a0: «\u00a0Comment financer")
    told = deliver(desk)
    assert "Question #1 for the secretariat" in told  # the secretariat reads English
    assert "in French:" in told
    assert "Jules Sample, HCT member, Sahelia humanitarian operation" in told
    as_(desk, SECRETARIAT)
    desk.say("/answer 1 Le Mali a mutualisé le poste entre trois agences.")
    received = deliver(desk)
    assert "Le secrétariat P2P a répondu à votre question n°\u00a01" in received
    assert "Vous aviez demandé le 23 nov. 2026\u00a0: «\u00a0Comment financer" in received
    assert "[1] Merci, cela m'aide  [2] Pas ce qu'il me fallait" in received
    as_(desk, MEMBER)
    missed = desk.say("ce n'est pas ce qu'il me faut")
    assert missed.startswith("Désolé. La question n°\u00a01 retourne au secrétariat.")


def test_a_stranger_can_pass_and_gets_the_answer_in_their_chat_without_plan_data(desk: Chat) -> None:
    desk.session = ConsoleSession(desk.app.live, "stranger-7")
    desk.say(QUESTION)
    passed = desk.say("/pass")
    assert passed.endswith("Their answer will come to this chat.")
    told = deliver(desk)
    assert "From someone not registered, on console" in told
    ticket = tickets(desk)[0]
    assert (ticket.person_id, ticket.chat_id, ticket.operation_id) == (None, "stranger-7", None)
    as_(desk, SECRETARIAT)
    assert desk.say(f"/answer 1 {ANSWER}").startswith("Sent to someone not registered, on console (question #1).")
    received = deliver(desk)
    assert "--> to someone not registered, on console <stranger-7>" in received
    assert "The P2P secretariat answered your question #1" in received
    stranger = received.split("--> to someone not registered, on console <stranger-7>")[1]
    assert "Sahelia" not in stranger
    assert "plan" not in stranger.lower()
    desk.session = ConsoleSession(desk.app.live, "stranger-7")
    assert desk.say("thank you") == "Glad it helped. Question #1 is closed."


def test_the_secretariat_channel_is_told_once_in_its_working_hours(index: SearchIndex, tmp_path: Path,
                                                                 backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HCBOT_SECRETARIAT_CHANNEL", "C0DESK")
    evening = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # 21:00 in Geneva
    chat = Chat(index, database_url(backend, tmp_path), FixedClock(evening))
    try:
        chat.load(EXAMPLES / "operations.yaml")
        people(chat, SECRETARIAT, HC)
        chat.say(QUESTION)
        chat.say("/pass")
        rows = outbox(chat, "ticket")
        assert [(row.platform, row.chat_id, row.person_id) for row in rows] == [("slack", "C0DESK", None)]
        # The next working morning in Geneva: 09:00 there is 08:00 UTC.
        assert rows[0].due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        assert "Question #1" not in deliver(chat)
        chat.clock.advance_to(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
        reconcile(chat)
        told = deliver(chat)
        assert told.count("Question #1 for the secretariat") == 1
        assert "--> to the secretariat's channel <C0DESK>" in told
        assert deliver(chat).count("Question #1") == 1
    finally:
        chat.close()


def test_an_answer_written_at_night_reaches_the_asker_in_their_morning(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    desk.clock.advance_to(datetime(2026, 11, 23, 20, 0, tzinfo=UTC))  # 21:00 in Niamey
    as_(desk, SECRETARIAT)
    sent = desk.say(f"/answer 1 {ANSWER}")
    assert "It reaches them in their working hours: 24 Nov 2026 at 09:00, their time." in sent
    assert outbox(desk, "ticket-answer")[0].due_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert "answered your question" not in deliver(desk)


def test_a_question_passed_twice_is_one_ticket_and_says_where_it_stands(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    assert desk.say("/pass").startswith("Question #1 is already with the secretariat")
    as_(desk, SECRETARIAT)
    desk.say(f"/answer 1 {ANSWER}")
    as_(desk, HC)
    assert desk.say("/pass").startswith("Question #1 was answered on 23 Nov 2026.")
    assert desk.say("/pass and for refugees in camps?") == "Question #1 is back with the secretariat, with your note."
    assert len(tickets(desk)) == 1
    assert tickets(desk)[0].state is TicketState.OPEN


def test_repeated_questions_are_grouped_for_the_secretariat(desk: Chat) -> None:
    asked = ["how do other operations do cash in urban settings with very high rents?",
             "cash transfers in cities where rents are very high",
             "what did others do about cash assistance in urban areas with high rent?",
             "how do others protect women from sexual exploitation at distributions in camps?"]
    for number, question in enumerate(asked):
        desk.session = ConsoleSession(desk.app.live, f"stranger-{number}")
        desk.say(question)
        desk.say("/pass")
    # One person asking the same thing three times is one person.
    desk.session = ConsoleSession(desk.app.live, "stranger-3")
    desk.say("sexual exploitation at distributions in camps, how to prevent it?")
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    listed = desk.say("/questions")
    assert listed.startswith("5 passed questions are waiting for an answer:")
    assert "Asked again and again, not answered by the library (30 days):" in listed
    assert "3 people asked about Cash and voucher assistance, like:" in listed
    assert "Protection from sexual exploitation" not in listed.split("(30 days):")[1]
    assert tn("questions.group_topic", 3, "fr", topic="Transferts monétaires", example="x").startswith(
        "3 personnes ont demandé, sur Transferts monétaires")
    assert tn("questions.group", 1, "en", example="x") == "1 person asked: “x”"


def test_admin_questions_lists_tickets_with_asker_and_exports_csv(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    env.pop("HCBOT_QA_DIR", None)  # the default: beside the database

    def hcbot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=120, check=False)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    hcbot("chat", "--as", HC, stdin=f"{QUESTION}\n/pass also in French please\nhow did others set up a PSEA network?\n")
    hcbot("chat", stdin="order pizza\n")
    hcbot("chat", "--as", SECRETARIAT, stdin=f"/answer 1 {ANSWER}\n1\n")
    assert (tmp_path / "answers" / "answer-1.md").is_file()

    listed = hcbot("admin", "questions")
    assert listed.returncode == 0, listed.stderr
    assert ("[answered] Amina Example <amina.hc@sahelia.invalid>, Sahelia humanitarian operation: "
            f"{QUESTION}") in listed.stdout
    assert "  #1 " in listed.stdout
    assert "note: also in French please" in listed.stdout
    assert "answered by P2P Secretariat on" in listed.stdout
    assert "in the library as answer-1" in listed.stdout
    assert "[no answer] not registered (console): order pizza" in listed.stdout

    exported = hcbot("admin", "questions", "--csv")
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    passed = next(row for row in rows if row["ticket"] == "1")
    assert {key: passed[key] for key in ("asker", "email", "operation", "state", "note", "answered_by",
                                         "in_library")} == {
        "asker": "Amina Example", "email": HC, "operation": "Sahelia humanitarian operation", "state": "answered",
        "note": "also in French please", "answered_by": "P2P Secretariat", "in_library": "answer-1"}
    assert passed["answer"] == ANSWER
    assert passed["question"] == QUESTION
    assert passed["asked_at"].startswith(str(datetime.now(UTC).year))
    assert [row["question"] for row in rows if not row["ticket"]] == ["how did others set up a PSEA network?",
                                                                       "order pizza"]
    unanswered = hcbot("admin", "questions", "--unanswered", "--csv")
    assert "PSEA network" not in unanswered.stdout
    assert "order pizza" in unanswered.stdout
    as_json = [json.loads(line) for line in hcbot("admin", "questions", "--json").stdout.splitlines()]
    assert as_json[0]["email"] == HC
    assert as_json[0]["state"] == "answered"

    listing = hcbot("kb", "list")
    assert "answer-1" in listing.stdout
    assert "(an answer from the P2P secretariat," in listing.stdout
    assert "1 answer of the secretariat, no problems" in hcbot("kb", "validate").stdout
    found = hcbot("ask", "--json", "How do other operations do cash in cities where rents are very high?")
    assert json.loads(found.stdout)["results"][0]["id"] == "answer-1"


def test_the_secretariat_sees_the_loop_commands_and_an_hc_does_not(desk: Chat) -> None:
    helped = desk.say("/help")
    assert "/answer" not in helped
    assert "/questions" not in helped
    assert "/close" not in helped
    assert "/pass" in helped
    as_(desk, SECRETARIAT)
    helped = desk.say("/help")
    assert "/answer" in helped
    assert "/questions" in helped
    assert "/close" in helped
    french = desk.say("/aide")
    assert "/repondre" in french
    assert "/clore" in french


def test_a_replica_picks_up_an_answer_another_one_added(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    as_(desk, SECRETARIAT)
    desk.say(f"/answer 1 {ANSWER}")
    context = desk.app.router.context
    before = context.index
    # Another replica: its own index, built before the answer existed; same database and folder.
    other = Router(type(context)(index=before, database=context.database, now=context.now, desk=context.desk))
    desk.say("Add to the library")
    assert other.context.index.get("answer-1") is None
    from handlers.secretariat.tickets.library import refresh_answers
    assert refresh_answers(other.context, 2026) is True
    assert other.context.index.get("answer-1") is not None
    assert refresh_answers(other.context, 2026) is False  # nothing changed since: nothing rebuilt


def test_a_waiting_question_stays_on_the_list_with_its_day(desk: Chat) -> None:
    desk.say(QUESTION)
    desk.say("/pass")
    desk.clock.advance_to(START + timedelta(days=9))
    as_(desk, SECRETARIAT)
    assert "#1 · 23 Nov 2026 · Amina Example: " + QUESTION in desk.say("/questions")


@pytest.mark.parametrize(("said", "kind"), [
    ("thanks", "helped"), ("merci beaucoup", "helped"), ("Thank you so much, very helpful", "helped"),
    ("not what I needed", "missed"), ("hmm, not waht I needed", "missed"), ("not realy what i need", "missed"),
    ("ce n'est pas ce qu'il me faut", "missed"), ("ça ne m'aide pas", "missed"), ("merci mais pas utile", "missed"),
    # Neither: a plain "ok" or "no", a refusal, or a question that happens to say thanks.
    ("ok", None), ("no", None), ("non merci", None), ("thanks, and how did others fund PSEA?", None),
    ("thanks for this, now what about cash transfers in cities where the rents are very high", None),
])
def test_what_counts_as_thanks_or_not_what_i_needed(index: SearchIndex, said: str, kind: str | None) -> None:
    turn = SimpleNamespace(context=SimpleNamespace(index=index))
    assert reaction_kind(turn, said) == kind  # type: ignore[arg-type]
