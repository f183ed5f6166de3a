"""The free-text status parser: English, French, typos, and never a crash on anything."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.checkins.status_words import Answer, is_bare_question, read_status, reads_as_question
from storage.models import Status


def test_words_people_actually_type() -> None:
    expected = {
        "done": Status.DONE, "Fait": Status.DONE, "terminé !": Status.DONE, "compleet": Status.DONE,
        "en cours": Status.ON_TRACK, "on trak": Status.ON_TRACK, "ON TRACK": Status.ON_TRACK,
        "delayed": Status.DELAYED, "en retrad": Status.DELAYED, "behind schedule": Status.DELAYED,
        "bloqué": Status.BLOCKED, "stuck": Status.BLOCKED, "not started": Status.NOT_STARTED,
        "pas encore": Status.NOT_STARTED, "skip": Answer.SKIP, "plus tard": Answer.LATER,
        "oui": Answer.SAME, "still": Answer.SAME, "no": Answer.NO_NOTE,
    }
    assert {text: read_status(text).value for text in expected} == expected


def test_a_status_with_its_note() -> None:
    reading = read_status("Delayed - the partner pulled out")
    assert reading.value is Status.DELAYED
    assert reading.rest == "the partner pulled out"


def test_unclear_answers_are_not_guessed() -> None:
    for text in ("🙂", "", "   ", "maybe", "the governor", "'); DROP TABLE actions; --", "x" * 10_000):
        assert read_status(text).value is None, text


@given(st.text())
def test_any_text_reads_as_a_known_value_or_nothing(text: str) -> None:
    reading = read_status(text)
    assert reading.value is None or isinstance(reading.value, Status | Answer)
    assert isinstance(reading.rest, str)


@given(st.sampled_from(["done", "delayed", "blocked", "on track", "not started"]),
       st.sampled_from(["", " ", "  ", "!", "."]), st.booleans())
def test_case_and_punctuation_do_not_matter(word: str, tail: str, upper: bool) -> None:
    text = (word.upper() if upper else word) + tail
    assert read_status(text).value is Status(word.replace(" ", "_"))


@pytest.mark.parametrize("text", [
    "how did others fund a PSEA coordinator?",
    "How did other operations fund a PSEA coordinator",  # no question mark: the words say it
    "comment les autres ont financé un coordinateur PEAS",
    "comnent les autres ont fait",  # a typo in the question word
    "y a-t-il des exemples au Tchad",
    "PSEA?",
    "any webinar on cash",
    "pooled fund allocation for PSEA coordinator posts examples",  # enough words with a subject
    "After the earthquake 200 organisations arrived in two weeks. What did other operations do in the first month?",
])
def test_a_question_in_the_middle_of_a_check_in(text: str) -> None:
    assert reads_as_question(text)


@pytest.mark.parametrize("text", [
    "on track", "fait", "bloqué: pas de financement", "on trak", "Delayed - how do others do it?", "skip",
    "plus tard", "continue", "?", "ok?", "hello", "waiting for the governor approval",
    "the ministry has not replied to our letter since June",  # a report, not a question
])
def test_an_answer_in_the_middle_of_a_check_in(text: str) -> None:
    assert not reads_as_question(text)


@pytest.mark.parametrize(("text", "asks"), [
    ("Waiting for the governor; will they sign?", False),  # a note that happens to end in "?"
    ("Draft agreed by the protection cluster", False),
    ("comment financer un coordinateur PEAS", False),  # no "?": at the note, it may be the note
    ("How did other operations fund a PSEA coordinator?", True),
    ("Les autres opérations, comment ont-elles financé le coordinateur PEAS ?", True),
])
def test_at_the_note_only_a_clear_question_is_a_question(text: str, asks: bool) -> None:
    assert reads_as_question(text, at_note=True) is asks


@given(st.text(max_size=300), st.booleans())
def test_reading_a_question_never_fails(text: str, at_note: bool) -> None:
    assert reads_as_question(text, at_note=at_note) in (True, False)


@pytest.mark.parametrize(("text", "bare"), [
    ("?", True), ("what?", True), ("quoi ?", True), ("huh?", True), ("will they sign?", False), ("what", False),
])
def test_a_bare_question_is_someone_who_did_not_follow(text: str, bare: bool) -> None:
    assert is_bare_question(text) is bare
