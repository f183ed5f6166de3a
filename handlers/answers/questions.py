"""Answers: "how did others handle X?", paging, reading a product, browsing topics."""

from __future__ import annotations

import re

from handlers.context import HandlerContext, ResultPage, Turn
from handlers.errors import BadInput, NotFound
from handlers.i18n import t
from handlers.messages import Reply, ReplyBuilder, Span, bold, italic, link, text_reply
from knowledge import TOPICS, LearningProduct, SearchResult, topic_name, type_name
from storage import repositories as repo

_HEADING = re.compile(r"^#{1,6}\s+(.*)$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def product_meta(product: LearningProduct, language: str) -> str:
    """"Case study · Chad · 2016": what a reader needs to judge a product before opening it."""
    parts = [type_name(product.type, language)]
    if product.countries:
        parts.append(", ".join(product.countries))
    parts.append(str(product.year))
    if product.language != language:
        parts.append("in French" if product.language == "fr" and language == "en" else
                     "en anglais" if product.language == "en" else "en français")
    if product.illustrative:
        parts.append(t("illustrative", language))
    return " · ".join(parts)


def _render_hits(builder: ReplyBuilder, products: list[LearningProduct], start: int, language: str) -> None:
    for number, product in enumerate(products, start=start + 1):
        builder.add(f"{number}. ", bold(product.title))
        builder.add("   ", italic(product_meta(product, language)))
        builder.add("   " + product.takeaway)
        if product.url:
            builder.add("   ", link(t("read.link", language), product.url))
        else:
            builder.add(f"   /read {product.id}" if language == "en" else f"   /lire {product.id}")


def _page_reply(context: HandlerContext, person: str, intro: list[str | Span] | None) -> Reply:
    """The next page of results; the first page of an answer also asks whether it was useful."""
    page = context.memory.pages[person]
    first_page = page.shown == 0
    language = page.language
    ids = page.product_ids[page.shown : page.shown + context.page_size]
    products = [product for product in (context.index.get(pid) for pid in ids) if product is not None]
    builder = ReplyBuilder()
    if intro:
        builder.add(*intro)
    _render_hits(builder, products, page.shown, language)
    page.shown += len(products)
    if page.shown < len(page.product_ids):
        builder.add(t("answer.more_hint", language))
        builder.button(t("button.more", language), "more")
    if first_page and page.log_id is not None:
        builder.add(t("feedback.ask", language))
        builder.button(t("button.useful", language), f"fb:{page.log_id}:useful")
        builder.button(t("button.not_useful", language), f"fb:{page.log_id}:not_useful")
    return builder.build()


def _filters_text(result: SearchResult, language: str) -> str:
    filters = result.query.filters
    parts = [type_name(kind, language) for kind in sorted(filters.types)]
    parts += sorted(filters.countries)
    if filters.language:
        parts.append("français" if filters.language == "fr" else "English")
    return ", ".join(parts)


def _decline(context: HandlerContext, language: str, log_id: int) -> Reply:
    builder = ReplyBuilder().add(t("decline.intro", language)).add(t("decline.topics", language))
    names = [topic_name(slug, language) for slug, count in context.index.topic_counts().items() if count]
    builder.add(" · ".join(names))
    builder.add(t("decline.offer", language))
    builder.button(t("button.pass", language), f"pass:{log_id}")
    return builder.build()


async def ask(turn: Turn, question: str) -> list[Reply]:
    """Ask how other operations handled something (typing the question alone works too)."""
    context = turn.context
    question = question.strip()
    person = turn.key
    if not question:
        raise BadInput("empty")
    if len(question) > context.max_question_length:
        raise BadInput("too_long")
    result = context.index.search(question, limit=context.max_results)
    language = result.query.language
    turn.set_language(language)
    confident = result.confident and bool(result.hits)
    entry = await repo.log_question(
        turn.session, person_id=turn.person.id if turn.person else None, platform=turn.message.platform,
        external_user_id=turn.message.user_id, question=question,
        result_ids=[hit.product.id for hit in result.hits[:10]] if confident else [], confident=confident,
        now=turn.now)
    if not confident:
        context.memory.pages.pop(person, None)
        return [_decline(context, language, entry.id)]
    context.memory.pages[person] = ResultPage([hit.product.id for hit in result.hits], 0, language, entry.id)
    intro: list[str | Span] = []
    if result.relaxed:
        dropped = ", ".join(t(f"filter.{kind}", language) for kind in sorted(result.relaxed))
        intro.append(t("answer.relaxed", language, dropped=f"{_filters_text(result, language)} ({dropped})"))
    elif result.query.is_empty:
        intro.append(t("answer.filtered", language, filters=_filters_text(result, language)))
    elif result.query.topics:
        names = ", ".join(topic_name(topic, language) for topic in result.query.topics[:2])
        intro.append(t("answer.intro_topic", language, topics=names) + ":")
    else:
        intro.append(t("answer.intro", language) + ":")
    if result.query.corrections:
        corrections = ", ".join(f"{fixed}" for fixed in result.query.corrections.values())
        intro.append(" " + t("answer.corrected", language, corrections=corrections))
    return [_page_reply(context, person, intro)]


async def more(turn: Turn, _args: str) -> list[Reply]:
    """Show the next results of your last question."""
    context, person, language = turn.context, turn.key, turn.language
    page = context.memory.pages.get(person)
    if page is None:
        raise NotFound("more.nothing")
    if page.shown >= len(page.product_ids):
        return [ReplyBuilder().add(t("answer.no_more", language)).build()]
    return [_page_reply(context, person, None)]


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
    context, person, language = turn.context, turn.key, turn.language
    wanted = args.strip()
    if not wanted:
        raise BadInput("read.missing")
    product: LearningProduct | None = None
    page = context.memory.pages.get(person)
    if wanted.isdigit() and page is not None and 1 <= int(wanted) <= len(page.product_ids):
        product = context.index.get(page.product_ids[int(wanted) - 1])
    if product is None:
        product = context.index.get(wanted.lower())
    if product is None:
        raise NotFound("read.unknown", name=wanted[:80])
    builder = ReplyBuilder().add(bold(product.title))
    builder.add(italic(product_meta(product, language)))
    builder.add(italic(", ".join(topic_name(topic, language) for topic in product.topics)))
    builder.blank().add(product.summary)
    _markdown_lines(product.body, builder)
    if product.url:
        builder.blank().add(link(product.url, product.url))
    return [builder.build()]


async def topics(turn: Turn, _args: str) -> list[Reply]:
    """List the topics of the library, with how many products each has."""
    context, language = turn.context, turn.language
    builder = ReplyBuilder().add(t("topics.intro", language))
    for slug, count in context.index.topic_counts().items():
        builder.add(bold(slug), f" {topic_name(slug, language)} ({t('topics.count', language, count=count)})")
    return [builder.build()]


def resolve_topic(context: HandlerContext, name: str) -> str | None:
    """A topic slug from what a person typed: the slug, its name, or an acronym ("VBG", "cash")."""
    wanted = name.strip().lower().replace(" ", "-")
    if wanted in TOPICS:
        return wanted
    query = context.index.parse(name)
    return query.topics[0] if query.topics else None


async def topic(turn: Turn, args: str) -> list[Reply]:
    """Browse one topic: /topic psea (or any name or acronym of it)."""
    context, person, language = turn.context, turn.key, turn.language
    if not args.strip():
        raise BadInput("topic.missing")
    slug = resolve_topic(context, args)
    if slug is None:
        raise NotFound("topic.unknown", name=args.strip()[:80])
    products = context.index.by_topic(slug)
    context.memory.pages[person] = ResultPage([product.id for product in products], 0, language)
    return [_page_reply(context, person, [t("topic.intro", language, topic=topic_name(slug, language))])]


async def feedback(turn: Turn, payload: str) -> list[Reply]:
    """The "useful? yes / no" buttons under an answer: ``fb:<log id>:useful|not_useful``."""
    _prefix, log_id, value = [*payload.split(":", 2), "", ""][:3]
    if not log_id.isdigit() or value not in {"useful", "not_useful"}:
        raise NotFound("unknown_button")
    entry = await repo.question_of(turn.session, int(log_id), turn.message.platform, turn.message.user_id)
    if entry is None:
        raise NotFound("unknown_button")
    entry.feedback = value
    return [text_reply(t("feedback.thanks_yes" if value == "useful" else "feedback.thanks_no", turn.language))]


async def pass_on(turn: Turn, args: str) -> list[Reply]:
    """Pass your last question on to the P2P secretariat."""
    wanted = args.strip().removeprefix("pass:")
    entry = None
    if wanted.isdigit():
        entry = await repo.question_of(turn.session, int(wanted), turn.message.platform, turn.message.user_id)
    else:
        entry = await repo.last_question_of(turn.session, turn.message.platform, turn.message.user_id)
    if entry is None:
        raise NotFound("pass.nothing")
    entry.passed_on = True
    return [text_reply(t("pass.done", turn.language))]
