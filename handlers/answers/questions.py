"""Answers: "how did others handle X?", paging, reading a product, browsing topics.

An answer is in one of three states: confident (the products, each with the passage of it that
answers the question), unsure ("these may help": the best two, the feedback buttons and the offer to
pass the question on) or none (a short, honest decline naming the closest topics). The last answer
of each chat account lives in the database (``storage.answers``): ``/more``, ``/read 2`` and a
follow-up ("and in Chad?") work after a restart and on any replica."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from handlers.answers import followups
from handlers.answers.bridge import AnswerState, answer_state, best_passages, shorten, small_talk
from handlers.context import HandlerContext, Turn
from handlers.dates import short_date
from handlers.errors import BadInput, NotFound
from handlers.i18n import t
from handlers.library_shown import product_kind
from handlers.messages import Reply, ReplyBuilder, Span, bold, italic, link, text_reply
from handlers.peers.answer_part import PeersPart, fitting, peers_part
from handlers.secretariat.tickets import answering, passing
from knowledge import (
    TOPICS,
    Hit,
    LearningProduct,
    ParsedQuery,
    SearchFilters,
    SearchResult,
    country_name,
    topic_name,
    type_name,
)
from storage import answers as pages
from storage import repositories as repo
from storage.models import AnswerPage, QuestionLog

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")

UNSURE_SHOWN = 2
NEARBY_TOPICS = 3
# The first answer must read on a phone: about 1,200 characters as Telegram shows it. Markup and
# escaping add a little, so the plain text aims lower; passages are cut to fit.
ANSWER_BUDGET = 1050
PASSAGE_LIMITS = (170, 130, 95)


def product_meta(product: LearningProduct, language: str, today: date | None = None) -> str:
    """"Webinar, 4 Oct 2016 · Iraq": what a reader needs to judge a product before opening it. An
    answer of the secretariat says so, with its day: "An answer from the P2P secretariat, 3 Dec 2026"."""
    answered = product.answered_on
    parts = [t("product.answer", language, date=short_date(answered, language)) if answered is not None
             else product_kind(product, language, today)]
    if product.countries:
        parts.append(", ".join(country_name(country, language) for country in product.countries))
    if product.language != language:
        parts.append(t(f"product.in_{product.language}", language))
    if product.illustrative:
        parts.append(t("illustrative", language))
    return " · ".join(parts)


def _render_hits(builder: ReplyBuilder, products: list[LearningProduct], start: int, language: str,
                 passages: dict[str, str], today: date) -> None:
    for number, product in enumerate(products, start=start + 1):
        builder.add(f"{number}. ", bold(product.title))
        meta: list[str | Span] = ["   ", italic(product_meta(product, language, today)), " · "]
        if product.link(today):
            meta.append(link(t("read.link", language), product.link(today) or ""))
        else:
            meta.append(t("answer.read_number", language, number=number))
        builder.add(*meta)
        builder.add("   " + passages.get(product.id, product.takeaway))


def _length(reply: Reply) -> int:
    """About what the reply takes on Telegram: its text, its markup and its links."""
    total = 0
    for spans in reply.lines:
        total += 1
        for span in spans:
            total += len(span.text) + 7 * (span.bold + span.italic) + (len(span.link) + 15 if span.link else 0)
    return total


def _page_products(context: HandlerContext, product_ids: list[str], start: int, state: AnswerState
                   ) -> list[LearningProduct]:
    """The products of the page that begins at ``start`` (an id no longer in the library is skipped)."""
    size = UNSURE_SHOWN if state == "unsure" else context.page_size
    ids = product_ids[start : start + size]
    return [product for product in (context.index.get(pid) for pid in ids) if product is not None]


def _page_reply(context: HandlerContext, page: AnswerPage, intro: list[str | Span] | None, *,
                state: AnswerState = "confident", passages: dict[str, dict[str, str]] | None = None,
                peers: PeersPart | None = None, start: int | None = None) -> Reply:
    """The next page of results (from ``start``, or as far as the person paged); the first page of
    an answer also asks whether it was useful. ``passages`` holds, per length limit, the passage
    shown under each product."""
    start = page.shown if start is None else start
    first_page = start == 0
    language = page.language
    products = _page_products(context, page.product_ids, start, state)
    reply = Reply(())
    for limit, part in fitting(peers, PASSAGE_LIMITS if passages else (0,)):
        chosen = (passages or {}).get(str(limit), {}) if limit else {}
        builder = ReplyBuilder()
        if intro:
            builder.add(*intro)
        _render_hits(builder, products, start, language, chosen, context.now().date())
        if part is not None:
            part.add_to(builder, language)
        shown = start + len(products)
        if shown < len(page.product_ids) and state == "confident":
            builder.add(t("answer.more_hint", language))
            builder.button(t("button.more", language), "more")
        if first_page and page.log_id is not None:
            if state == "unsure":
                builder.add(t("answer.unsure_offer", language))
            builder.add(t("feedback.ask", language))
            builder.button(t("button.useful", language), f"fb:{page.log_id}:useful")
            builder.button(t("button.not_useful", language), f"fb:{page.log_id}:not_useful")
            if state == "unsure":
                builder.button(t("button.pass", language), f"pass:{page.log_id}")
        reply = builder.build()
        if _length(reply) <= ANSWER_BUDGET or (not passages and peers is None):
            break
    # Unchanged when the page was saved with this count (a new answer): then no UPDATE is needed.
    page.shown = start + len(products)
    return reply


def _best_passage(context: HandlerContext, product: LearningProduct, query: ParsedQuery) -> str | None:
    """The passage of ``product`` that answers the question. A secretariat's answer repeats the
    question it answers, which would match best and say nothing new: its answer is shown."""
    if product.answered_on is not None:
        return product.summary
    best = best_passages(context.index, product, query, 1)
    return best[0] if best else None


def _passages(context: HandlerContext, result: SearchResult, count: int) -> dict[str, dict[str, str]]:
    """For each length limit, the matching passage of each of the first ``count`` products."""
    found: dict[str, str] = {}
    for hit in result.hits[:count]:
        best = _best_passage(context, hit.product, result.query)
        if best:
            found[hit.product.id] = best
    return {str(limit): {pid: shorten(text, limit) for pid, text in found.items()} for limit in PASSAGE_LIMITS}


def _filters_text(filters: SearchFilters, language: str) -> str:
    parts = [type_name(kind, language) for kind in sorted(filters.types)]
    parts += sorted(country_name(country, language) for country in filters.countries)
    if filters.language:
        parts.append(t(f"product.in_{filters.language}", language))
    return ", ".join(parts)


def _nearby_topics(result: SearchResult) -> list[str]:
    """Topics close to a question the library cannot answer: the ones it names, then those of the
    weak best hits."""
    found = list(result.query.topics)
    for hit in result.hits[:NEARBY_TOPICS]:
        found.extend(hit.product.topics[:1])
    return list(dict.fromkeys(topic for topic in found if topic in TOPICS))[:NEARBY_TOPICS]


def _decline(result: SearchResult, language: str, log_id: int) -> Reply:
    if result.outside == "personal":
        # One's own phone or leave: no topic is near it, and the secretariat cannot help either.
        return ReplyBuilder().add(t("decline.personal", language)).build()
    if result.outside == "contact":
        builder = ReplyBuilder().add(t("decline.contact", language))
        builder.button(t("button.pass", language), f"pass:{log_id}")
        return builder.build()
    builder = ReplyBuilder().add(t("decline.short", language))
    nearby = _nearby_topics(result)
    if nearby:
        builder.add(t("decline.nearby", language, topics=", ".join(topic_name(slug, language) for slug in nearby)))
    else:
        builder.add(t("decline.no_nearby", language))
    builder.add(t("decline.offer", language))
    builder.button(t("button.pass", language), f"pass:{log_id}")
    for slug in nearby:
        builder.button(topic_name(slug, language), f"topic:{slug}")
    return builder.build()


def _intro(result: SearchResult, language: str, state: AnswerState) -> list[str | Span]:
    intro: list[str | Span] = []
    if state == "unsure":
        intro.append(t("answer.unsure", language))
    elif result.relaxed:
        dropped = ", ".join(t(f"filter.{kind}", language) for kind in sorted(result.relaxed))
        intro.append(t("answer.relaxed", language,
                       dropped=f"{_filters_text(result.query.filters, language)} ({dropped})"))
    elif result.query.is_empty:
        intro.append(t("answer.filtered", language, filters=_filters_text(result.query.filters, language)))
    elif result.query.topics and result.hits:
        # The topics the answer is on: the question's that the first product shares, or, when the
        # topic model brought a product of another topic first, that product's own.
        first = result.hits[0].product.topics
        shown = [topic for topic in result.query.topics if topic in first][:2] or [first[0]]
        names = ", ".join(topic_name(topic, language) for topic in shown)
        intro.append(t("answer.intro_topic", language, topics=names))
    else:
        intro.append(t("answer.intro", language))
    if result.query.corrections:
        corrections = ", ".join(f"{fixed}" for fixed in result.query.corrections.values())
        intro.append(" " + t("answer.corrected", language, corrections=corrections))
    return intro


async def _answer(turn: Turn, result: SearchResult, *, logged: str, question: str, language: str,
                  filters: SearchFilters, intro: list[str | Span] | None = None,
                  keep_page_when_none: bool = False) -> list[Reply]:
    """Logs the question, remembers the answer as the person's last one and renders it."""
    context = turn.context
    state = answer_state(result)
    log_id = await repo.log_question(
        turn.session, person_id=turn.person.id if turn.person else None, platform=turn.message.platform,
        external_user_id=turn.message.user_id, question=logged[: context.max_question_length],
        result_ids=[hit.product.id for hit in result.hits[:10]] if state != "none" else [],
        confident=state == "confident", now=turn.now)
    if state == "none" and keep_page_when_none:
        return []
    product_ids = [hit.product.id for hit in result.hits] if state != "none" else []
    # Saved as shown already: the first page is rendered below, and one statement does for both.
    first_page = len(_page_products(context, product_ids, 0, state)) if state != "none" else 0
    page = await pages.save_page(
        turn.session, platform=turn.message.platform, external_user_id=turn.message.user_id, question=question,
        language=language, product_ids=product_ids, log_id=log_id, filters=filters.as_json(), now=turn.now,
        shown=first_page)
    # Other operations' actions on the topic, as far as their sharing lets this person see them.
    peers = await peers_part(turn, result)
    if state == "none":
        return [_decline(result, language, log_id), *([peers.reply(language)] if peers is not None else [])]
    shown = UNSURE_SHOWN if state == "unsure" else context.page_size
    return [_page_reply(context, page, intro or _intro(result, language, state), state=state,
                        passages=_passages(context, result, shown), peers=peers, start=0)]


async def ask(turn: Turn, question: str) -> list[Reply]:
    """Ask how other operations handled something (typing the question alone works too)."""
    context = turn.context
    question = question.strip()
    if not question:
        raise BadInput("empty")
    if len(question) > context.max_question_length:
        raise BadInput("too_long")
    chat = small_talk(context.index, question)
    if chat is not None:
        if turn.route in ("", "question"):
            turn.route = "small-talk"
        language = chat.language or turn.language
        if chat.language:
            turn.set_language(chat.language)
        return [text_reply(t(f"smalltalk.{chat.kind}", language))]
    # Parsed once: the follow-up check and the search read the same parse.
    parsed = context.index.parse(question)
    follow = followups.detect(context.index, question, parsed)
    if follow is not None:
        page = await pages.page_of(turn.session, turn.message.platform, turn.message.user_id)
        if page is not None and page.question:
            if turn.route in ("", "question"):
                turn.route = "follow-up"
            return await _follow_up(turn, page, follow, question)
    result = context.index.search(question, limit=context.max_results, parsed=parsed)
    # "psea netwrok" says no language: the person's own (or last) one stands.
    language = result.query.language if result.query.language_said else turn.language
    turn.set_language(language)
    return await _answer(turn, result, logged=question, question=question, language=language,
                         filters=SearchFilters())


def _like(context: HandlerContext, product: LearningProduct) -> list[Hit]:
    """Products on the same topics as ``product``: most topics shared first, its main topic before
    the others, then the newest."""
    found = []
    for other in context.index.products:
        shared = set(product.topics).intersection(other.topics)
        if other.id != product.id and shared:
            score = len(shared) + (1.0 if other.topics[0] == product.topics[0] else 0.0)
            found.append((-score, -other.year, other.title, other))
    return [Hit(other, -score) for score, _year, _title, other in sorted(found)[: context.max_results]]


async def _follow_up(turn: Turn, page: AnswerPage, follow: followups.FollowUp, text: str) -> list[Reply]:
    """The last question again, narrowed ("and in Chad?") or turned towards one of its results."""
    context = turn.context
    language = follow.language or page.language
    turn.set_language(language)
    if follow.position is not None:
        if not 1 <= follow.position <= len(page.product_ids):
            raise NotFound("followup.no_such", number=follow.position)
        product = context.index.get(page.product_ids[follow.position - 1])
        if product is None:
            raise NotFound("followup.no_such", number=follow.position)
        result = replace(context.index.search(page.question, limit=context.max_results),
                         hits=_like(context, product), confident=True)
        return await _answer(turn, result, logged=f"{text} ({product.id})", question=page.question,
                             language=language, filters=SearchFilters(),
                             intro=[t("followup.like", language, title=product.title)])
    filters = followups.refined(followups.filters_from_json(page.filters), follow.filters)
    result = context.index.search(page.question, filters=filters, limit=context.max_results)
    described = _filters_text(filters, language)
    # A page with no logged question is a topic being browsed (/topic saves its name as the question).
    intro = (t("followup.topic_narrowed", language, topic=page.question, filters=described) if page.log_id is None
             else t("followup.narrowed", language, filters=described))
    replies = await _answer(turn, result, logged=f"{page.question} ({text})", question=page.question,
                            language=language, filters=filters, keep_page_when_none=True,
                            intro=[intro] if answer_state(result) == "confident" else None)
    if not replies:
        # "The earlier results still stand" only when there were some.
        key = "followup.nothing" if page.product_ids else "followup.nothing_either"
        return [text_reply(t(key, language, filters=described))]
    return replies


async def _page(turn: Turn) -> AnswerPage | None:
    return await pages.page_of(turn.session, turn.message.platform, turn.message.user_id)


async def more(turn: Turn, _args: str) -> list[Reply]:
    """Show the next results of your last question."""
    page = await _page(turn)
    if page is None:
        raise NotFound("more.nothing")
    if page.shown >= len(page.product_ids):
        return [ReplyBuilder().add(t("answer.no_more", page.language)).build()]
    context = turn.context
    ids = page.product_ids[page.shown : page.shown + context.page_size]
    found: dict[str, str] = {}
    if page.question:
        query = context.index.parse(page.question)
        for product in (context.index.get(pid) for pid in ids):
            best = _best_passage(context, product, query) if product is not None else None
            if product is not None and best:
                found[product.id] = best
    passages = {str(limit): {pid: shorten(text, limit) for pid, text in found.items()} for limit in PASSAGE_LIMITS}
    return [_page_reply(context, page, None, passages=passages)]


def _markdown_lines(body: str, builder: ReplyBuilder) -> None:
    """A product's Markdown body as plain lines, headings in bold: enough for a chat screen."""
    for raw in body.splitlines():
        text = raw.rstrip()
        heading = _HEADING.match(text)
        if heading:
            builder.blank().add(bold(heading.group(1).strip()))
        elif text:
            builder.add(_EMPHASIS.sub(r"\2", text))


async def read(turn: Turn, args: str) -> list[Reply]:
    """Read a product in the chat: /read 2 (the second result) or /read followed by its id."""
    context, language = turn.context, turn.language
    wanted = args.strip()
    if not wanted:
        raise BadInput("read.missing")
    product: LearningProduct | None = None
    results: int | None = None
    if wanted.isdigit():
        page = await _page(turn)
        results = len(page.product_ids) if page is not None else 0
        if page is not None and 1 <= int(wanted) <= len(page.product_ids):
            product = context.index.get(page.product_ids[int(wanted) - 1])
            language = page.language if context.memory.languages.get(turn.key) is None else language
    if product is None:
        product = context.index.get(wanted.lower())
    if product is None and results:
        # A number past the last answer's results: say how many there are, not "no product 9".
        raise NotFound("read.out_of_range", count=results)
    if product is None and results == 0:
        raise NotFound("read.no_answer")
    if product is None:
        raise NotFound("read.unknown", name=wanted[:80])
    builder = ReplyBuilder().add(bold(product.title))
    builder.add(italic(product_meta(product, language, turn.now.date())))
    builder.add(italic(", ".join(topic_name(topic, language) for topic in product.topics)))
    builder.blank().add(product.summary)
    _markdown_lines(product.body, builder)
    shown = product.link(turn.now.date())
    if shown:
        builder.blank().add(link(shown, shown))
    return [builder.build()]


async def topics(turn: Turn, _args: str) -> list[Reply]:
    """List the topics of the library, with how many products each has."""
    context, language = turn.context, turn.language
    builder = ReplyBuilder().add(t("topics.intro", language))
    for slug, count in context.index.topic_counts().items():
        builder.add(bold(topic_name(slug, language)), " · " + t("topics.count", language, count=count))
    return [builder.build()]


def resolve_topic(context: HandlerContext, name: str) -> str | None:
    """A topic slug from what a person typed: the slug, its name, or an acronym ("VBG", "cash")."""
    wanted = name.strip().lower().replace(" ", "-")
    if wanted in TOPICS:
        return wanted
    for slug in TOPICS:
        if name.strip().lower() in (topic_name(slug, "en").lower(), topic_name(slug, "fr").lower()):
            return slug
    query = context.index.parse(name)
    return query.topics[0] if query.topics else None


async def topic(turn: Turn, args: str) -> list[Reply]:
    """Browse one topic: /topic psea (or any name or acronym of it)."""
    context, language = turn.context, turn.language
    if not args.strip():
        raise BadInput("topic.missing")
    slug = resolve_topic(context, args)
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    product_ids = [product.id for product in context.index.by_topic(slug)]
    name = topic_name(slug, language)
    # Saved with its first page counted as shown, as an answer is (the page is not tracked after),
    # and with the topic's name as its question: "and in Somalia?" then narrows the topic.
    page = await pages.save_page(
        turn.session, platform=turn.message.platform, external_user_id=turn.message.user_id, question=name,
        language=language, product_ids=product_ids, log_id=None, filters={}, now=turn.now,
        shown=len(_page_products(context, product_ids, 0, "confident")))
    return [_page_reply(context, page, [t("topic.intro", language, topic=name)], start=0)]


async def feedback(turn: Turn, payload: str) -> list[Reply]:
    """The "useful? yes / no" buttons under an answer: ``fb:<log id>:useful|not_useful``."""
    _prefix, log_id, value = [*payload.split(":", 2), "", ""][:3]
    if not log_id.isdigit() or value not in {"useful", "not_useful"}:
        raise NotFound("unknown_button")
    entry = await repo.question_of(turn.session, int(log_id), turn.message.platform, turn.message.user_id)
    if entry is None:
        raise NotFound("unknown_button")
    return _record_feedback(turn, entry, value)


def _record_feedback(turn: Turn, entry: QuestionLog, value: str) -> list[Reply]:
    entry.feedback = value
    if value == "useful":
        return [text_reply(t("feedback.thanks_yes", turn.language))]
    # Once passed on, "reply /pass" would offer what is already done.
    return [text_reply(t("feedback.thanks_no_passed" if entry.passed_on else "feedback.thanks_no", turn.language))]


async def typed_feedback(turn: Turn, kind: str) -> list[Reply] | None:
    """"Not what I needed" or "that helps" typed just after a library answer: the answer's
    feedback buttons, as if pressed (a later word replaces an earlier one, as a second press does).
    None when the person's last question is not that answer's (it was declined, say): the words are
    then read as any message."""
    platform, user_id = turn.message.platform, turn.message.user_id
    last = await repo.last_question_of(turn.session, platform, user_id)
    page = await pages.page_of(turn.session, platform, user_id)
    if last is None or page is None or page.log_id != last.id or not page.product_ids:
        return None
    return _record_feedback(turn, last, "useful" if kind == "helped" else "not_useful")


async def asks_beyond_verdict(turn: Turn, text: str) -> bool:
    """Whether a message with "does not help" in it is still a question: "the cluster system does
    not help with access negotiation" names two things or more besides the verdict, the library
    answers them with confidence, and not with the answer just given. "The PSEA answer did not
    help" (one word besides), "pas ce dont j'ai besoin" ("besoin" would find needs assessments) and
    "the GBV referral answer did not help" under a GBV referral answer are verdicts."""
    rest = answering.beyond_reaction(text)
    if len(rest.split()) < 2:
        return False
    found = turn.context.index.search(text, limit=1)
    if not found.confident or not found.hits:
        return False
    platform, user_id = turn.message.platform, turn.message.user_id
    last = await repo.last_question_of(turn.session, platform, user_id)
    page = await pages.page_of(turn.session, platform, user_id)
    judged_now = last is not None and page is not None and page.log_id == last.id
    return not (judged_now and page is not None and found.hits[0].product.id in page.product_ids)


async def missed_without_answer(turn: Turn) -> list[Reply]:
    """"Not what I needed" with no library answer to rate: the last question was declined, or
    there was none. Searched as a question, those words found nothing or a wrong topic ("that did
    not help" ranked PSEA first), which read as the bot not listening."""
    platform, user_id = turn.message.platform, turn.message.user_id
    page = await pages.page_of(turn.session, platform, user_id)
    if page is not None and page.log_id is None:
        # A /topic browse was the last thing shown (every question saves a page of its own, even
        # a declined one): /pass would send an older question the person is not talking about.
        return [text_reply(t("feedback.missed_browse", turn.language, topic=shorten(page.question, 60)))]
    last = await repo.last_question_of(turn.session, platform, user_id)
    if last is None:
        return [text_reply(t("feedback.missed_start", turn.language))]
    key = "feedback.missed_passed" if last.passed_on else "feedback.missed_pass"
    return [text_reply(t(key, turn.language, question=shorten(last.question, 60)))]


async def pass_on(turn: Turn, args: str) -> list[Reply]:
    """Pass your last question on to the P2P secretariat, with a note if you like: /pass we need it in French."""
    wanted = args.strip().removeprefix("pass:")
    note = wanted
    if wanted.isdigit():
        # A button under an answer names its question; a note is never just a number.
        entry = await repo.question_of(turn.session, int(wanted), turn.message.platform, turn.message.user_id)
        note = ""
    else:
        entry = await repo.last_question_of(turn.session, turn.message.platform, turn.message.user_id)
    if entry is None:
        raise NotFound("pass.nothing")
    return await passing.pass_question(turn, entry, note)
