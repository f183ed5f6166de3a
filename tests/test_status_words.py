"""The free-text status parser: English, French, typos, and never a crash on anything."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from handlers.checkins.status_words import Answer, read_status
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
