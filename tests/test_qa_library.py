"""The secretariat's answers as Q&A files: written so that they load, validated like the library (every
problem with its line), loaded with it at start, and rendered within each platform's button rules."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.slack.render import render_blocks
from bot.telegram.render import CALLBACK_DATA_LIMIT, keyboard
from handlers.context import HandlerContext
from handlers.secretariat.tickets.passing import told_reply
from knowledge import (
    LibraryError,
    SearchIndex,
    answer_document,
    answer_product,
    build_index,
    validate_answers,
)
from knowledge.answers import read_answer
from storage.models import Ticket, TicketState

QUESTION = 'How did others handle "cash: urban"?\n---\nAnd rents, #1 issue?'


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_answer_with_quotes_colons_and_a_dash_line_is_written_so_that_it_loads(index: SearchIndex,
                                                                                 tmp_path: Path) -> None:
    product = answer_product(ticket_id=12, question=QUESTION, answer="Cap transfers at rent levels. Then review.",
                             language="en", topics=["cash"], countries=["Somalia"], answered_on=date(2026, 11, 23))
    path = write(tmp_path, "answer-12.md", answer_document(product, 12))
    loaded, problems = read_answer(path, str(path), index.thesaurus.country_names, 2027)
    assert problems == []
    assert loaded is not None
    assert (loaded.id, loaded.type, loaded.topics, loaded.countries, loaded.answered_on) == (
        "answer-12", "answer", ("cash",), ("Somalia",), date(2026, 11, 23))
    assert loaded.title.startswith('How did others handle "cash: urban"?')
    assert loaded.summary == "Cap transfers at rent levels. Then review."
    assert "And rents, #1 issue?" in loaded.body


def test_a_bad_q_and_a_file_names_each_problem_with_its_line(index: SearchIndex, tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    write(folder, "answer-3.md", "---\nid: answer-4\ntitle: Cash?\ntype: webinar\ntopics: [cash, weather]\n"
          "countries: []\nyear: 2026\nlanguage: en\nsummary: Fine.\nanswered_on: 2026-02-30\nticket: 3\n"
          "---\n## Question\n\nCash?\n")
    write(folder, "answer-5.md", "no front matter here\n")
    products, problems = validate_answers(folder, index.thesaurus, this_year=2026)
    assert products == []
    shown = [str(problem) for problem in problems]
    assert any(line.startswith(f"{folder / 'answer-5.md'}:1:") for line in shown)
    text = "\n".join(shown)
    assert "answer-3.md:4: type: a Q&A file has the type 'answer'" in text
    assert "answer-3.md:5: topics: unknown topic 'weather'" in text
    assert "answer-3.md:10: answered_on:" in text
    with pytest.raises(LibraryError) as refused:
        build_index(2026, answers=folder)
    assert "answer-5.md:1:" in str(refused.value)


def test_a_missing_folder_holds_no_answers_and_an_id_a_library_product_took_is_refused(tmp_path: Path,
                                                                                      index: SearchIndex) -> None:
    assert validate_answers(tmp_path / "nowhere", index.thesaurus, this_year=2026) == ([], [])
    library = tmp_path / "library"
    write(library, "answer-1.md", "---\nid: answer-1\ntitle: A library product\ntype: report\ntopics: [cash]\n"
          "countries: []\nyear: 2020\nlanguage: en\nsummary: One sentence about cash.\nillustrative: true\n---\n"
          + "word " * 30 + "\n")
    product = answer_product(ticket_id=1, question="cash in cities?", answer="Cap transfers at rent levels.",
                             language="en", topics=["cash"], countries=[], answered_on=date(2026, 11, 23))
    write(tmp_path / "answers", "answer-1.md", answer_document(product, 1))
    with pytest.raises(LibraryError) as refused:
        build_index(2026, library, answers=tmp_path / "answers")
    assert "'answer-1' is also a library product" in str(refused.value)


def test_kb_validate_checks_the_answers_folder_and_the_bot_refuses_a_broken_one(tmp_path: Path) -> None:
    folder = tmp_path / "answers"
    write(folder, "answer-9.md", "---\nid: answer-9\n---\n")
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}", "HCBOT_QA_DIR": str(folder)}
    checked = subprocess.run([sys.executable, "-m", "bot.cli", "kb", "validate"], capture_output=True, text=True,
                             env=env, cwd=tmp_path, timeout=60, check=False)
    assert checked.returncode == 2
    assert "answer-9.md:2: title: missing" in checked.stderr
    asked = subprocess.run([sys.executable, "-m", "bot.cli", "ask", "cash"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=60, check=False)
    assert asked.returncode == 2
    assert "answer-9.md" in asked.stderr


def test_the_secretariat_message_renders_with_its_buttons_on_telegram_and_slack(index: SearchIndex) -> None:
    ticket = Ticket(id=123456789, question="x" * 1000, note="n" * 500, platform="telegram",
                    external_user_id="42", chat_id="42", language="fr", result_ids=[p.id for p in index.products[:3]],
                    state=TicketState.OPEN, created_at=datetime(2026, 11, 23, tzinfo=UTC), told=1)
    context = HandlerContext(index=index, database=None, now=lambda: datetime(2026, 11, 23, tzinfo=UTC))  # type: ignore[arg-type]
    reply = told_reply(context, ticket, "new", "en")
    assert [button.payload for button in reply.buttons] == ["tk:answer:123456789", "tk:close:123456789"]
    assert all(len(button.payload.encode()) <= CALLBACK_DATA_LIMIT for button in reply.buttons)
    markup = keyboard(reply)
    assert markup is not None
    assert [button.callback_data for row in markup.inline_keyboard for button in row] == [
        "tk:answer:123456789", "tk:close:123456789"]
    blocks = [block for _text, message_blocks in render_blocks(reply) for block in message_blocks]
    actions = [element for block in blocks if block["type"] == "actions" for element in block["elements"]]
    assert [(element["value"], element["action_id"]) for element in actions] == [
        ("tk:answer:123456789", "hcbot:0"), ("tk:close:123456789", "hcbot:1")]
