"""Answers as a coordinator reads them on a phone: three states, small talk, the passage that says
how others did it, follow-ups that refine the last question, and paging that survives a restart."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.telegram.render import render_html
from handlers.answers import questions
from handlers.messages import Reply
from knowledge import SearchIndex
from storage.models import QuestionLog
from tests.conftest import Chat


def numbered(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


def spaced(text: str) -> str:
    """French typography puts narrow no-break spaces before ? and : ; these tests read words."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def logged(chat: Chat) -> list[QuestionLog]:
    async def read() -> list[QuestionLog]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(QuestionLog).order_by(QuestionLog.id))).scalars())
    return chat.run(read())


def restart(chat: Chat) -> None:
    """A new process on the same database: nothing in memory survives."""
    chat.run(chat.app.close())
    from bot.app import build_app
    from bot.console import ConsoleSession
    from bot.settings import Settings
    from storage.database import Database

    chat.database = Database(chat.database.url)
    chat.app = chat.run(build_app(Settings(database_url=chat.database.url), clock=chat.clock,
                                  index=chat.app.index, database=chat.database))
    chat.session = ConsoleSession(chat.connect())


@pytest.mark.parametrize(("message", "expected"), [
    ("hello", "Hello! Ask me how other operations handled something"),
    ("Hi!", "Hello!"),
    ("thanks!", "You are welcome."),
    ("thank you very much", "You are welcome."),
    ("merci", "Avec plaisir."),
    ("Merci beaucoup", "Avec plaisir."),
    ("bonjour", "Bonjour"),
    ("bye", "Goodbye"),
    ("au revoir", "Au revoir"),
    ("?", "Ask me in a sentence"),
    (":)", "Good."),
    (":D", "Good."),  # once "d", French, and declined
    ("😀", "Good."),
    ("🙏🏽", "You are welcome."),
])
def test_small_talk_gets_one_short_line_and_is_not_logged(chat: Chat, message: str, expected: str) -> None:
    answer = spaced(chat.say(message))
    assert answer.startswith(expected)
    assert len(answer.splitlines()) == 1
    assert len(answer) < 200
    assert logged(chat) == []


def test_small_talk_keeps_the_conversation_language(chat: Chat) -> None:
    chat.say("comment mettre en place un réseau PEAS ?")
    assert spaced(chat.say("ok")).startswith("Très bien")
    assert spaced(chat.say("?")).startswith("Demandez-moi")


def test_a_greeting_with_a_question_is_a_question(chat: Chat) -> None:
    answer = chat.say("hello, how did others set up a PSEA network?")
    assert numbered(answer) == [1, 2, 3]


LONG_QUESTIONS = [
    "After the earthquake we had 200 new organisations arrive in two weeks. What did other operations do in "
    "the first month of a big scale-up?",
    "Our HCT has a protection strategy on paper but nobody uses it. Examples of an HCT protection strategy "
    "that actually got implemented?",
    "We are setting up a PSEA network from scratch with almost no money and a lot of turnover. How did other "
    "operations set up and fund a PSEA network and a coordinator?",
    "Cash actors each use their own transfer value and people in the same camp get different amounts. How did "
    "other operations agree a common transfer value and deduplicate lists?",
    "Comment d'autres équipes humanitaires pays ont-elles mis en place un mécanisme de plainte commun pour la "
    "redevabilité envers les populations affectées ?",
    "The government keeps blocking NGO registration and visas and movement permits take weeks. How do other "
    "HCs handle bureaucratic impediments to access?",
]


def rendered_length(reply: Reply) -> int:
    return sum(len(part) for part in render_html(reply))


@pytest.mark.parametrize("question", LONG_QUESTIONS)
def test_a_first_answer_fits_a_phone_and_says_how_others_did_it(chat: Chat, question: str) -> None:
    replies = chat.run(_direct(chat, question))
    assert len(replies) == 1
    length = rendered_length(replies[0])
    assert length <= 1200, (length, replies[0].plain_text)
    text = replies[0].plain_text
    assert numbered(text), text
    # Every product comes with a line of its own text, not a bare title.
    blocks = re.split(r"^\d+\. ", text, flags=re.MULTILINE)[1:]
    assert all(len(block.splitlines()) >= 3 for block in blocks)


async def _direct(chat: Chat, text: str) -> list[Reply]:
    from handlers.messages import Incoming

    return await chat.app.router.handle(Incoming("console", "phone", "phone", text))


def test_a_question_nothing_answers_gets_a_short_decline_with_nearby_topics(chat: Chat) -> None:
    answer = chat.say("how do we vaccinate cattle against foot and mouth disease in the highlands?")
    assert "found nothing" in answer
    assert "/topics" in answer
    assert "Pass it to the secretariat" in answer
    assert len(answer) < 500
    assert [entry.confident for entry in logged(chat)] == [False]


def test_unsure_answers_show_two_with_feedback_and_the_pass_offer(chat: Chat, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(questions, "answer_state", lambda _result: "unsure")
    answer = chat.say("how did others set up a PSEA network?")
    assert answer.startswith("These may help, though I am not certain:")
    assert numbered(answer) == [1, 2]
    assert "[1] Useful  [2] Not useful  [3] Pass it to the secretariat" in answer
    assert "Question #1 passed to the P2P secretariat" in chat.say("3")
    entries = logged(chat)
    assert [(entry.confident, entry.passed_on) for entry in entries] == [(False, True)]
    assert len(entries[0].result_ids) >= 2
    french = spaced(chat.say("comment mettre en place un réseau PEAS ?"))
    assert french.startswith("Ceci peut aider, sans certitude de ma part :")


def test_follow_ups_refine_the_last_question(chat: Chat, index: SearchIndex) -> None:
    chat.say("how did others set up a PSEA network?")
    chad = chat.say("and in Chad?")
    assert chad.startswith("Your last question, limited to Chad:")
    assert numbered(chad)
    ids = [entry.result_ids for entry in logged(chat)]
    assert all("Chad" in product.countries for product in (index.get(pid) for pid in ids[-1]) if product)
    webinars = chat.say("any webinar on that?")
    assert "Nothing in the library answers your last question with Webinar, Chad" in webinars
    french = spaced(chat.say("en français ?"))
    assert french.startswith("Votre dernière question, limitée à")
    assert "/lire 1" in french
    assert logged(chat)[-1].question.startswith("how did others set up a PSEA network?")


def test_a_new_country_replaces_the_old_one_and_webinars_alone_are_new(chat: Chat) -> None:
    chat.say("accountability to affected people, complaint mechanisms")
    chat.say("what about Somalia?")
    assert "limited to Chad" in chat.say("and in Chad?")
    answer = chat.say("webinars")
    assert "Your last question" not in answer


def test_french_follow_ups(chat: Chat) -> None:
    chat.say("comment mettre en place un réseau PEAS ?")
    chad = spaced(chat.say("et au Tchad ?"))
    assert chad.startswith("Votre dernière question, limitée à")
    assert "/lire 1" in chad
    webinar = spaced(chat.say("un webinaire là-dessus ?"))
    assert "Rien dans la bibliothèque" in webinar or "limitée à" in webinar


def test_more_like_the_second_one(chat: Chat, index: SearchIndex) -> None:
    first = chat.say("how did others set up a PSEA network?")
    second_title = first.splitlines()[4].removeprefix("2. ")
    like = chat.say("more like the second one")
    assert like.startswith(f'More like "{second_title}":')
    assert second_title not in like.splitlines()[1:]
    assert numbered(like) == [1, 2, 3]
    chat.say("and in Chad?")
    assert "There is no result 5" in chat.say("more like the fifth one")


def test_more_and_read_survive_a_restart(chat: Chat, index: SearchIndex) -> None:
    first = chat.say("cash working group and multipurpose cash")
    second_title = first.splitlines()[4].removeprefix("2. ")
    restart(chat)
    assert numbered(chat.say("/more")) == [4, 5, 6]
    read = chat.say("/read 2")
    assert read.splitlines()[0] == second_title
    restart(chat)
    assert "limited to Somalia" in chat.say("and in Somalia?")


def test_a_french_conversation_pages_in_french_after_a_restart(chat: Chat) -> None:
    chat.say("comment mettre en place un réseau PEAS ?")
    restart(chat)
    more = chat.say("/plus")
    assert numbered(more) == [4, 5, 6]
    assert "/lire 4" in more or "Lire" in more


def test_typos_still_get_an_answer_with_a_passage(chat: Chat) -> None:
    answer = chat.say("how did othr operatons set up a PSAE netwrk?")
    assert numbered(answer)


def test_personal_matters_and_contact_requests_are_declined_for_what_they_are(chat: Chat) -> None:
    personal = spaced(chat.say("how do I change my phone's security settings"))
    assert personal.startswith("That sounds like a personal or IT matter")
    assert "Pass it to the secretariat" not in personal
    assert "Closest topics" not in personal
    french = spaced(chat.say("mon congé annuel commence quand ?"))
    assert french.startswith("Cela ressemble à une affaire personnelle")
    contact = spaced(chat.say("send me the HCT contact list"))
    assert contact.startswith("I do not give out anyone's contact details")
    assert "Pass it to the secretariat" in contact


def test_a_follow_up_after_a_decline_does_not_point_at_earlier_results(chat: Chat) -> None:
    chat.say("how did others fund a space station")
    answer = spaced(chat.say("and in Chad?"))
    assert "either" in answer
    assert "/more" not in answer


def test_a_topic_browsed_pages_on_with_more(chat: Chat, index: SearchIndex) -> None:
    browsed = chat.say("/topic psea")
    assert numbered(browsed) == [1, 2, 3]
    assert len(index.by_topic("psea")) >= 6
    assert numbered(chat.say("/more")) == [4, 5, 6]
    restart(chat)
    assert numbered(chat.say("/more"))[0] == 7


def test_read_past_the_results_says_how_many_there_are(chat: Chat) -> None:
    assert chat.say("/read 2").startswith("There is no answer with results to read yet.")
    first = chat.say("how did others set up a PSEA network?")
    said = re.fullmatch(r"Your last answer has (\d+) results: type a number from 1 to \1, as in /read 2\.",
                        chat.say("/read 99"))
    assert said is not None
    results = int(said.group(1))
    assert results >= len(numbered(first)) == 3
    assert "Your last answer" not in chat.say(f"/read {results}")
    assert chat.say(f"/read {results + 1}") == said.group(0)
    assert chat.say("/read 2").splitlines()[0] == first.splitlines()[4].removeprefix("2. ")
    chat.say("comment mettre en place un réseau PEAS au Tchad ?")
    assert chat.say("/lire 2") == "Votre dernière réponse n'a qu'un résultat\u00a0: tapez /lire 1."


def test_a_follow_up_narrows_a_topic_being_browsed(chat: Chat, index: SearchIndex) -> None:
    chat.say("/topic cash")
    narrowed = chat.say("and in Somalia?")
    assert narrowed.startswith('Topic "Cash and voucher assistance", limited to Somalia:')
    titles = [line.split(". ", 1)[1] for line in narrowed.splitlines() if re.match(r"^\d+\. ", line)]
    assert titles
    cash_in_somalia = {product.title for product in index.by_topic("cash") if "Somalia" in product.countries}
    assert set(titles) <= cash_in_somalia
