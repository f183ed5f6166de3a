"""An answer of the secretariat becomes a Q&A entry of the library, found by the next person who asks.

The entry is written as a file in the Q&A folder (``HCBOT_QA_DIR``), read back through the same
validation that loads it at start (what the folder holds always loads), and put in the running
index at once: the index is immutable, so a new one is built with the entry and swapped in (about
70 ms for the bundled 61 products; a library of thousands would want an index that can grow).
Other replicas see the folder change on their next reconcile pass (:func:`refresh_answers`).

The file is written inside the turn's transaction: if the commit then fails, the entry stays in
the library without the ticket saying so, which loses nothing a person needs.
"""

from __future__ import annotations

import logging
from pathlib import Path

from handlers.context import HandlerContext, Turn
from handlers.i18n import t
from handlers.messages import Reply, text_reply
from knowledge import (
    ANSWER_TYPE,
    LearningProduct,
    SearchIndex,
    answer_document,
    answer_product,
    folder_signature,
    validate_answers,
)
from knowledge.answers import read_answer
from storage.models import Ticket

logger = logging.getLogger(__name__)


def _topics_and_countries(index: SearchIndex, ticket: Ticket) -> tuple[list[str], list[str]]:
    """What the question is about as the search reads it, else what the answer talks about: the same
    reading the next question will get, so the two meet."""
    question = index.parse(ticket.question)
    topics = list(question.topics) or list(index.parse(ticket.answer or "").topics)
    return topics[:5], sorted(question.filters.countries)


def _write(folder: Path, product: LearningProduct, text: str) -> Path:
    """Written beside and renamed over: a reader (another replica, the next start) sees the whole
    file or none of it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{product.id}.md"
    partial = folder / f".{product.id}.md.partial"
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path


def swap_in(context: HandlerContext, products: list[LearningProduct]) -> None:
    """A new index with ``products`` added (an entry with the same id replaced), for every turn
    after this one."""
    index = context.index
    ids = {product.id for product in products}
    context.index = SearchIndex([*(product for product in index.products if product.id not in ids), *products],
                                index.thesaurus, topic_model=index.topic_model)


async def add_to_library(turn: Turn, ticket: Ticket) -> Reply:
    """Saves the ticket's answer as the library's Q&A entry ``answer-N`` (replacing an earlier answer
    to the same ticket) and says so."""
    context, language = turn.context, turn.language
    if ticket.answer is None or ticket.answered_at is None:
        return text_reply(t("ticket.no_answer_yet", language, id=ticket.id))
    folder = context.desk.answers_dir
    if folder is None:
        return text_reply(t("ticket.library_unavailable", language))
    current = context.index.get(ticket.library_id) if ticket.library_id else None
    if current is not None and current.body.endswith(ticket.answer.strip()):
        return text_reply(t("ticket.already_in_library", language, id=ticket.id, product=current.id))
    topics, countries = _topics_and_countries(context.index, ticket)
    product = answer_product(ticket_id=ticket.id, question=ticket.question, answer=ticket.answer,
                             language=ticket.language, topics=topics, countries=countries,
                             answered_on=ticket.answered_at.date())
    try:
        path = _write(folder, product, answer_document(product, ticket.id))
    except OSError as error:
        logger.warning("could not write the answer to ticket %s in %s: %s", ticket.id, folder, error.strerror)
        return text_reply(t("ticket.library_failed", language, problem=error.strerror or type(error).__name__))
    loaded, problems = read_answer(path, str(path), context.index.thesaurus.country_names, turn.now.year + 1)
    if loaded is None:
        # What the bot wrote must load at the next start: a file that does not is taken back.
        path.unlink(missing_ok=True)
        logger.warning("the answer to ticket %s did not validate: %s", ticket.id, problems[0] if problems else "?")
        return text_reply(t("ticket.library_failed", language, problem=problems[0].message if problems else "?"))
    swap_in(context, [loaded])
    context.answers_seen = folder_signature(folder)
    ticket.library_id = loaded.id
    ticket.updated_at = turn.now
    return text_reply(t("ticket.added", language, product=loaded.id))


def refresh_answers(context: HandlerContext, this_year: int) -> bool:
    """Reloads the Q&A folder when it changed since this process last read it (another replica added
    an answer; someone edited a file); whether it did. A folder that no longer validates is logged
    and the index kept as it is: a running bot does not stop answering over one bad file."""
    folder = context.desk.answers_dir
    if folder is None:
        return False
    signature = folder_signature(folder)
    if signature == context.answers_seen:
        return False
    answers, problems = validate_answers(folder, context.index.thesaurus, this_year=this_year)
    context.answers_seen = signature
    if problems:
        logger.warning("the answers folder %s has %d problems; the index keeps its answers: %s", folder,
                       len(problems), problems[0])
        return False
    index = context.index
    context.index = SearchIndex([*(product for product in index.products if product.type != ANSWER_TYPE), *answers],
                                index.thesaurus, topic_model=index.topic_model)
    return True
