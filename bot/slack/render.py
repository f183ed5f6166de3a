"""Replies -> Slack: Block Kit messages split under Slack's limits, plain-text messages for when
Slack refuses the blocks, the App Home view, and the router's commands as they are typed on Slack.

Escaping (``& < >``) happens here, once. Slack's limits (Block Kit reference, chat.postMessage):
3,000 characters of mrkdwn a section, 50 blocks a message and about 12,000 characters of block text
a message (``msg_blocks_too_long`` beyond), 75 characters a button label, 2,000 a button value,
100 blocks a Home tab, 40,000 characters of ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from bot.slack import SLASH_COMMAND
from handlers.live import command_names
from handlers.messages import Reply, Span

SECTION_TEXT_LIMIT: Final = 3000
MESSAGE_BLOCK_LIMIT: Final = 50
# Slack refuses a message whose blocks hold more than about 12,000 characters; stay under it.
MESSAGE_TEXT_LIMIT: Final = 12_000
MESSAGE_TEXT_BUDGET: Final = 11_500
HOME_BLOCK_LIMIT: Final = 100
BUTTONS_PER_BLOCK: Final = 25
BUTTON_LABEL_LIMIT: Final = 75
BUTTON_VALUE_LIMIT: Final = 2000
FALLBACK_TEXT_LIMIT: Final = 3000
# chat.postMessage truncates ``text`` past 40,000 characters; plain messages stay far under it.
PLAIN_TEXT_LIMIT: Final = 3000
ACTION_ID: Final = re.compile(r"^hcbot:\d+$")

SlackMessage = tuple[str, list[dict[str, Any]]]
"""One chat.postMessage: the fallback text (notifications, old clients) and the Block Kit blocks."""

_COMMAND_MENTION = re.compile(r"(?<![\w/])/([A-Za-z]+)\b")


def slack_commands(text: str) -> str:
    """"/checkin" -> "/hcbot checkin": the router's commands as they are typed on Slack."""
    def rewrite(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"{SLASH_COMMAND} {name}" if name.lower() in command_names() else match.group(0)

    return _COMMAND_MENTION.sub(rewrite, text)


def escape(text: str) -> str:
    """Slack's three control characters; everything else is taken literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _mrkdwn(span: Span, text: str) -> str:
    """One span as mrkdwn. Markers hug the words: Slack ignores "*bold *" with an inner space."""
    core = text.strip()
    if not core:
        return escape(text)
    start = text.index(core[0])
    lead, trail = text[:start], text[start + len(core):]
    body = escape(core)
    if span.link:
        body = f"<{_escape_url(span.link)}|{body}>"
    if span.italic:
        body = f"_{body}_"
    if span.bold:
        body = f"*{body}*"
    return escape(lead) + body + escape(trail)


_WORDS = re.compile(r"\S+\s*|\s+")


def _chunks(text: str, room: int) -> list[str]:
    """Splits text so each piece, once escaped, fits in ``room``; between words when it can."""
    pieces: list[str] = []
    current, size = "", 0
    for word in _WORDS.findall(text):
        for char in word if len(escape(word)) > room else [word]:
            length = len(escape(char))
            if size + length > room and current:
                pieces.append(current)
                current, size = "", 0
            current += char
            size += length
    if current:
        pieces.append(current)
    return pieces


def _atoms(span: Span, limit: int) -> list[tuple[str, str]]:
    """A span as (mrkdwn, fallback) pieces, each under ``limit`` characters of mrkdwn."""
    text = span.text if span.link else slack_commands(span.text)
    whole = _mrkdwn(span, text)
    if len(whole) <= limit:
        return [(whole, escape(text))]
    overhead = len(_mrkdwn(span, "x")) - 1
    if overhead > limit // 2:
        # A link whose address alone fills a section: keep its words, drop the link.
        span = Span(span.text, span.bold, span.italic)
        overhead = len(_mrkdwn(span, "x")) - 1
    return [(_mrkdwn(span, piece), escape(piece)) for piece in _chunks(text, limit - overhead)]


def _sections(reply: Reply, limit: int = SECTION_TEXT_LIMIT) -> list[tuple[str, str]]:
    """The reply's lines packed into as few section texts as the limit allows: (mrkdwn, fallback).
    The fallback is never longer than its mrkdwn."""
    sections: list[tuple[str, str]] = []
    markup, fallback = "", ""

    def flush() -> None:
        nonlocal markup, fallback
        if markup.strip():
            sections.append((markup.strip("\n"), fallback.strip("\n")))
        markup, fallback = "", ""

    def add(piece: str, plain: str) -> None:
        nonlocal markup, fallback
        if len(markup) + len(piece) > limit:
            flush()
            piece, plain = piece.lstrip("\n"), plain.lstrip("\n")
        markup += piece
        fallback += plain

    for number, spans in enumerate(reply.lines):
        if number:
            add("\n", "\n")
        for span in spans:
            for piece, plain in _atoms(span, limit):
                add(piece, plain)
    flush()
    if not sections and not reply.buttons and reply.attachment is not None:
        # A reply with only a file gets one message naming it, so the file has a message to follow.
        name = escape(reply.attachment.filename)
        sections = [(name, name)]
    return sections


def _section_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _action_blocks(reply: Reply) -> list[dict[str, Any]]:
    buttons = [
        {"type": "button", "text": {"type": "plain_text", "text": button.label[:BUTTON_LABEL_LIMIT] or "…"},
         "value": button.payload[:BUTTON_VALUE_LIMIT], "action_id": f"hcbot:{number}"}
        for number, button in enumerate(reply.buttons)
    ]
    return [{"type": "actions", "elements": buttons[start:start + BUTTONS_PER_BLOCK]}
            for start in range(0, len(buttons), BUTTONS_PER_BLOCK)]


def block_text_length(block: dict[str, Any]) -> int:
    """The characters of text a block holds, as Slack counts them against a message's total."""
    if block["type"] == "section":
        return len(block["text"]["text"])
    return sum(len(element["text"]["text"]) for element in block.get("elements", []))


def _fallback(texts: Iterable[str], reply: Reply) -> str:
    text = "\n".join(texts).strip()
    if not text:
        text = " · ".join(escape(button.label) for button in reply.buttons)
    return text[:FALLBACK_TEXT_LIMIT] or " "


def render_blocks(reply: Reply) -> list[SlackMessage]:
    """The reply as one Slack message, or as several when it exceeds a message's 50 blocks or its
    12,000 characters of block text; an empty reply gets none.

    Sections of at most 3,000 characters of mrkdwn; buttons in actions blocks of 25 under the last
    section, each with an ``hcbot:N`` action id unique in the reply (so in every message)."""
    blocks = [(_section_block(markup), fallback) for markup, fallback in _sections(reply)]
    blocks += [(block, "") for block in _action_blocks(reply)]
    batches: list[list[tuple[dict[str, Any], str]]] = []
    size = 0
    for block, fallback in blocks:
        length = block_text_length(block)
        if not batches or len(batches[-1]) >= MESSAGE_BLOCK_LIMIT or size + length > MESSAGE_TEXT_BUDGET:
            batches.append([])
            size = 0
        batches[-1].append((block, fallback))
        size += length
    return [(_fallback((fallback for _block, fallback in batch), reply), [block for block, _ in batch])
            for batch in batches]


def render_plain(reply: Reply) -> list[str]:
    """The reply as text-only messages (no blocks, no buttons), each under 3,000 characters: what
    is posted when Slack refused the blocks."""
    texts = [fallback for _markup, fallback in _sections(reply, PLAIN_TEXT_LIMIT)]
    if not texts and reply.buttons:
        texts = [_fallback((), reply)]
    return texts


def _paragraphs(reply: Reply) -> list[Reply]:
    """The reply cut at its blank lines: on a home, each plan is a paragraph of its own."""
    paragraphs: list[list[tuple[Span, ...]]] = [[]]
    for spans in reply.lines:
        if not "".join(span.text for span in spans).strip():
            paragraphs.append([])
        else:
            paragraphs[-1].append(spans)
    return [Reply(tuple(lines)) for lines in paragraphs if lines]


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab (views.publish): each paragraph a section, with a divider between them, when
    that fits in 100 blocks; else the lines packed into as few sections as they fill. The buttons
    are always kept."""
    actions = _action_blocks(reply)
    room = HOME_BLOCK_LIMIT - len(actions)
    paragraphs = [[_section_block(markup) for markup, _fallback in _sections(paragraph)]
                  for paragraph in _paragraphs(reply)]
    spaced: list[dict[str, Any]] = []
    for number, blocks in enumerate(paragraphs):
        if number:
            spaced.append({"type": "divider"})
        spaced.extend(blocks)
    if len(spaced) <= room:
        return {"type": "home", "blocks": spaced + actions}
    sections = [_section_block(markup) for markup, _fallback in _sections(reply)]
    return {"type": "home", "blocks": sections[:room] + actions}
