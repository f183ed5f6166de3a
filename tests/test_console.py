"""Conversations through the console adapter, read like transcripts."""

from __future__ import annotations

import re
import subprocess
import sys

from knowledge import TOPICS, SearchIndex, topic_name
from tests.conftest import EXAMPLES, Chat


def numbered(text: str) -> list[int]:
    return [int(number) for number in re.findall(r"^(\d+)\. ", text, flags=re.MULTILINE)]


def test_question_shows_top_three_with_details(chat: Chat, index: SearchIndex) -> None:
    answer = chat.say("how did others set up a PSEA network?")
    assert numbered(answer) == [1, 2, 3]
    lines = answer.splitlines()
    first_title = lines[1].removeprefix("1. ")
    product = next(product for product in index.products if product.title == first_title)
    assert "psea" in product.topics
    assert str(product.year) in lines[2]
    assert "/read 1" in lines[2] or (product.url and product.url in answer)
    # Under the product, a sentence of it that says how it was done (or its takeaway).
    passage = lines[3].strip().rstrip("…")
    assert passage in " ".join(product.body.split()) or passage in product.summary
    assert "/more" in answer


def test_more_pages_through_the_results(chat: Chat) -> None:
    chat.say("cash working group and multipurpose cash")
    assert numbered(chat.say("/more")) == [4, 5, 6]
    assert numbered(chat.say("1")) == [7, 8, 9]  # "1" presses the first button: More


def test_more_without_a_question(chat: Chat) -> None:
    assert "Ask a question first" in chat.say("/more")


def test_read_shows_the_whole_product(chat: Chat, index: SearchIndex) -> None:
    chat.say("GBV")
    answer = chat.say("/read 1")
    assert any(product.title in answer and product.summary in answer for product in index.products)
    assert "Practical steps" in answer or "Étapes pratiques" in answer
    assert "cannot find the product" in chat.say("/read no-such-product")


def test_illustrative_products_are_shown_as_such(chat: Chat, index: SearchIndex) -> None:
    sample = next(product for product in index.products if product.illustrative and product.language == "en")
    answer = chat.say(f"/read {sample.id}")
    assert "illustrative sample" in answer


def test_topics_and_topic(chat: Chat, index: SearchIndex) -> None:
    listing = chat.say("/topics")
    assert all(topic_name(slug, "en") in listing for slug in TOPICS)
    assert "Gender-based violence (GBV) · 8 products" in listing.splitlines()
    assert "Violences basées sur le genre" in chat.say("/sujets")
    browse = chat.say("/topic psea")
    assert numbered(browse) == [1, 2, 3]
    titles = {product.title for product in index.by_topic("psea")}
    assert sum(title in browse for title in titles) == 3
    assert "Violences basées sur le genre" in chat.say("/sujet VBG")
    assert "do not know the topic" in chat.say("/topic knitting")


def test_help_lists_every_command(chat: Chat) -> None:
    answer = chat.say("/help")
    for command in ("/ask", "/more", "/read", "/topics", "/topic", "/help"):
        assert command in answer
    assert "/aide" in chat.say("/aide") or "/sujets" in chat.say("/aide")


def test_off_topic_gets_an_honest_reply_with_topics_and_an_offer(chat: Chat) -> None:
    answer = chat.say("what's the weather in Geneva tomorrow?")
    assert "found nothing" in answer
    assert "/topics" in answer
    assert "Gender-based violence" not in answer  # no wall of topics on a phone
    assert "secretariat" in answer
    assert len(answer) < 400


def test_french_question_gets_a_french_reply(chat: Chat) -> None:
    answer = chat.say("comment mettre en place un réseau PEAS ?")
    assert "Voici" in answer
    assert numbered(answer) == [1, 2, 3]


def test_a_question_that_says_no_language_is_answered_in_the_persons(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person("jules.unicef@sahelia.invalid")  # registered in French
    assert "Voici" in chat.say("psea netwrok")  # acronyms and a typo: no language said
    assert "Voici" in chat.say("HDP")
    assert "Voici" in chat.say("/question cash")  # (typing /ask instead would say English)
    assert "Here is" in chat.say("how did others set up a PSEA network?")  # English said: English


def test_bad_input_gets_one_sentence_and_the_conversation_survives(chat: Chat) -> None:
    assert "do not know the command /frobnicate" in chat.say("/frobnicate")
    assert "too long" in chat.say("x " * 3000)
    assert "found nothing" in chat.say("😀 zzzqqq")
    assert numbered(chat.say("GBV")) == [1, 2, 3]


def test_piped_chat_prints_a_clean_transcript() -> None:
    done = subprocess.run([sys.executable, "-m", "bot.cli", "chat"], input="GBV\n/more\n\n/help\n",
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("> GBV\n")
    assert "> /more\n" in done.stdout
    assert "> /help\n" in done.stdout
    assert "you>" not in done.stdout
    assert done.stderr == ""


def test_paging_memory_keeps_only_the_people_who_wrote_last() -> None:
    from handlers.context import Recent

    memory: Recent[int] = Recent(limit=3)
    for number in range(5):
        memory[f"person-{number}"] = number
    memory["person-2"] = 20  # written again: now the most recent
    memory["person-5"] = 5
    assert list(memory) == ["person-4", "person-2", "person-5"]
