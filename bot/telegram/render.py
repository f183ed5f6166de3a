"""Replies as Telegram messages: HTML (escaped once, here) or plain text, split under the 4,096
UTF-16 units Telegram takes, and buttons as an inline keyboard. Pure: no network."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.messages import Attachment, Line, Reply, Span

logger = logging.getLogger(__name__)

MESSAGE_LIMIT = 4096
MIN_LIMIT = 16
CALLBACK_DATA_LIMIT = 64  # bytes, not characters
# Three short buttons share a phone-width row; a longer label gets a row of its own.
BUTTONS_PER_ROW = 3
SHORT_LABEL = 16
_LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts two)."""
    return len(text.encode("utf-16-le")) // 2


def _linkable(url: str | None) -> bool:
    return url is not None and url.lower().startswith(_LINK_SCHEMES)


def _escape(text: str, plain: bool) -> str:
    return text if plain else html.escape(text, quote=False)


def _wrap(span: Span, text: str, plain: bool) -> str:
    """One span's text, escaped once, inside its tags (plain text has none)."""
    inner = _escape(text, plain)
    if plain or (text and not text.strip()):
        # Tags around nothing but spaces would make a message Telegram reads as empty.
        return inner
    if span.italic:
        inner = f"<i>{inner}</i>"
    if span.bold:
        inner = f"<b>{inner}</b>"
    if _linkable(span.link):
        inner = f'<a href="{html.escape(span.link or "", quote=True)}">{inner}</a>'
    return inner


def _fitting_prefix(text: str, room: int, plain: bool) -> int:
    """How many characters of ``text`` fit in ``room`` units once escaped."""
    if units(_escape(text, plain)) <= room:
        return len(text)  # nearly always: spare the character-by-character count
    used = 0
    for count, character in enumerate(text):
        used += units(_escape(character, plain))
        if used > room:
            return count
    return len(text)


def _line_pieces(spans: Line, limit: int, plain: bool) -> list[str]:
    """A line rendered in pieces of at most ``limit`` units, cut between characters of a span's text,
    never inside a tag or an entity; preferably after a space."""
    pieces: list[str] = []
    current = ""
    for original in spans:
        span, rest = original, original.text
        if span.link and (plain or not _linkable(span.link)):
            # Without markup, or a link Telegram cannot open: the address is shown as text.
            shown = span.text if span.link == span.text else f"{span.text} ({span.link})"
            span, rest = replace(span, link=None), shown
        while rest:
            room = limit - units(current) - units(_wrap(span, "", plain))
            cut = _fitting_prefix(rest, room, plain) if room > 0 else 0
            if cut < len(rest):
                space = rest.rfind(" ", 0, cut)
                if space > 0:
                    cut = space + 1
                elif current:
                    pieces.append(current)
                    current = ""
                    continue
            if cut == 0:
                # Even a piece of its own cannot hold the tags (a huge link): keep the words, drop the markup.
                span = Span(rest)
                continue
            current += _wrap(span, rest[:cut], plain)
            rest = rest[cut:]
            if rest:
                pieces.append(current)
                current = ""
    if current or not pieces:
        pieces.append(current)
    return pieces


def render_text(reply: Reply, limit: int = MESSAGE_LIMIT, *, plain: bool = False) -> list[str]:
    """The reply as Telegram messages, each at most ``limit`` units: HTML, or plain text (``plain``,
    sent without parse_mode: nothing escaped, links written out). Split between lines, and inside a
    line only when the line alone is too long. Empty when the reply has no text."""
    if limit < MIN_LIMIT:
        raise ValueError(f"a message limit under {MIN_LIMIT} cannot hold an escaped character in its tags")
    messages: list[str] = []
    current: list[str] = []
    size = 0

    def flush() -> None:
        nonlocal current, size
        while current and not current[-1].strip():
            current.pop()
        if current:
            messages.append("\n".join(current))
        current, size = [], 0

    for spans in reply.lines:
        for piece in _line_pieces(spans, limit, plain):
            if not current and not piece.strip():
                continue  # a message never starts with blank lines
            added = units(piece) + (1 if current else 0)
            if current and size + added > limit:
                flush()
                if not piece.strip():
                    continue
                added = units(piece)
            current.append(piece)
            size += added
    flush()
    return messages


def render_html(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    return render_text(reply, limit)


def render_plain(reply: Reply, limit: int = MESSAGE_LIMIT) -> list[str]:
    return render_text(reply, limit, plain=True)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard: short labels three to a row, long ones alone.

    Telegram accepts callback data of 1 to 64 bytes: a button whose payload does not fit is left out
    (and logged) rather than failing the whole message."""
    rows: list[list[InlineKeyboardButton]] = []
    row: list[InlineKeyboardButton] = []
    for button in reply.buttons:
        size = len(button.payload.encode("utf-8"))
        if not 1 <= size <= CALLBACK_DATA_LIMIT:
            logger.warning("button %r left out: its payload is %d bytes, Telegram takes 1 to %d",
                           button.label, size, CALLBACK_DATA_LIMIT)
            continue
        markup_button = InlineKeyboardButton(button.label, callback_data=button.payload)
        if len(button.label) > SHORT_LABEL:
            if row:
                rows.append(row)
                row = []
            rows.append([markup_button])
            continue
        row.append(markup_button)
        if len(row) == BUTTONS_PER_ROW:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    return InlineKeyboardMarkup(rows) if rows else None


@dataclass(frozen=True, slots=True)
class MessagePart:
    """One Bot API call of a reply: a text message, or the attached file, maybe with the keyboard."""

    text: str | None = None
    attachment: Attachment | None = None
    markup: InlineKeyboardMarkup | None = None
    plain: bool = False


def message_parts(reply: Reply, limit: int = MESSAGE_LIMIT, *, plain: bool = False) -> list[MessagePart]:
    """The calls that send a reply: its text messages, then its file; the keyboard goes on the last
    text message (on the file when there is no text). Plain text keeps the keyboard: a check-in's
    buttons still work when its formatting was refused."""
    texts = render_text(reply, limit, plain=plain)
    parts = [MessagePart(text=text, plain=plain) for text in texts]
    if reply.attachment is not None:
        parts.append(MessagePart(attachment=reply.attachment))
    markup = keyboard(reply)
    if markup is not None and parts:
        last = len(texts) - 1 if texts else len(parts) - 1
        parts[last] = replace(parts[last], markup=markup)
    return parts
