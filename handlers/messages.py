"""Platform-neutral messages: what comes in from a chat and what goes back.

A reply is structured text (lines of spans), never pre-formatted markup: each adapter renders and
escapes it once for its platform (Slack mrkdwn, Telegram HTML, plain console), so a product title
containing "<b>" or "*" can never break a message.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did in a chat: typed text, or pressed a button (``button`` is its payload).

    On every platform ``user_id`` also addresses the person's private chat with the bot (Telegram's
    private chat id is the user id; Slack opens the DM when posting to a user id)."""

    platform: str
    user_id: str
    chat_id: str
    text: str = ""
    button: str | None = None
    display_name: str | None = None
    # The platform's id for this delivery (Telegram update, Slack event or signed request): a
    # redelivery with the same key is dropped, on any replica.
    event_key: str | None = None
    # Answer inside this thread (a Slack thread the person wrote in).
    thread: str | None = None
    # Said in a channel others read (a Slack mention): only library answers may be posted there.
    shared: bool = False
    # Something the bot cannot read (a sticker, a photo without a caption, a voice note).
    unreadable: bool = False
    # The language the platform reports for the person, for a sentence before we know them.
    platform_language: str | None = None


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    link: str | None = None


Line = tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class Reply:
    lines: tuple[Line, ...]
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    # Holds a secret (the web desk's sign-in link): its outbox row is blanked once it is sent, or
    # once the secret has lapsed (storage/desk.py).
    secret: bool = False

    @property
    def plain_text(self) -> str:
        """The text without any formatting: for logs, tests and platforms' notification previews."""
        return "\n".join("".join(span.text for span in line) for line in self.lines)


def bold(text: str) -> Span:
    return Span(text, bold=True)


def italic(text: str) -> Span:
    return Span(text, italic=True)


def link(text: str, url: str) -> Span:
    return Span(text, link=url)


def line(*parts: str | Span) -> Line:
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts)


@dataclass(slots=True)
class ReplyBuilder:
    """Collects lines and buttons for one reply."""

    lines: list[Line] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def add(self, *parts: str | Span) -> ReplyBuilder:
        self.lines.append(line(*parts))
        return self

    def blank(self) -> ReplyBuilder:
        self.lines.append(())
        return self

    def button(self, label: str, payload: str) -> ReplyBuilder:
        self.buttons.append(Button(label, payload))
        return self

    def build(self) -> Reply:
        return Reply(tuple(self.lines), tuple(self.buttons))


def text_reply(*parts: str | Span) -> Reply:
    return Reply((line(*parts),))


def reply_to_json(reply: Reply) -> dict[str, object]:
    """A reply as plain JSON, to wait in the outbox until an adapter renders it."""
    return {
        "lines": [[{"text": span.text, "bold": span.bold, "italic": span.italic, "link": span.link} for span in spans]
                  for spans in reply.lines],
        "buttons": [{"label": button.label, "payload": button.payload} for button in reply.buttons],
        **({"attachment": {"filename": reply.attachment.filename, "mime_type": reply.attachment.mime_type,
                           "content": base64.b64encode(reply.attachment.content).decode("ascii")}}
           if reply.attachment is not None else {}),
    }


def reply_from_json(data: dict[str, object]) -> Reply:
    lines = data.get("lines", [])
    buttons = data.get("buttons", [])
    attached = data.get("attachment")
    assert isinstance(lines, list)
    assert isinstance(buttons, list)
    attachment = None
    if isinstance(attached, dict):
        attachment = Attachment(str(attached["filename"]), base64.b64decode(str(attached["content"])),
                                str(attached["mime_type"]))
    return Reply(
        tuple(tuple(Span(str(span["text"]), bool(span.get("bold")), bool(span.get("italic")), span.get("link"))
                    for span in spans) for spans in lines),
        tuple(Button(str(button["label"]), str(button["payload"])) for button in buttons),
        attachment,
    )
