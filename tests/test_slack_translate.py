"""The Slack adapter's pure parts, with no network: Slack's payloads (recorded in the shapes Slack
documents, tests/payloads/slack) to incoming messages, replies to Block Kit, and the app manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack import (
    ACTION_ID,
    BOT_EVENTS,
    BOT_SCOPES,
    HOME_BLOCK_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    SECTION_TEXT_LIMIT,
    SLASH_COMMAND,
    home_view,
    incoming_from_action,
    incoming_from_command,
    incoming_from_event,
    mention_request,
    render_blocks,
    slack_commands,
)
from handlers.messages import Attachment, Button, Incoming, Reply, Span, bold, italic, line, link

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "slack"
MANIFEST = Path(__file__).resolve().parent.parent / "slack-manifest.yaml"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def sections(message: tuple[str, list[dict[str, Any]]]) -> list[str]:
    return [block["text"]["text"] for block in message[1] if block["type"] == "section"]


def buttons(message: tuple[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [element for block in message[1] if block["type"] == "actions" for element in block["elements"]]


# --- Slack -> Incoming ---------------------------------------------------------------------------


def test_a_direct_message_becomes_an_incoming_message_with_slack_escapes_undone() -> None:
    incoming = incoming_from_event(payload("message_im")["event"])
    assert incoming == Incoming("slack", "U0HC", "D0HC",
                                text="how did others set up a PSEA network & reporting in <Sahelia>?")


@pytest.mark.parametrize("name", ["message_bot", "message_changed"])
def test_the_bots_own_messages_and_edits_are_ignored(name: str) -> None:
    assert incoming_from_event(payload(name)["event"]) is None


def test_a_message_in_a_channel_is_not_a_direct_message() -> None:
    event = {**payload("message_im")["event"], "channel": "C0HCT", "channel_type": "channel"}
    assert incoming_from_event(event) is None


def test_a_mention_loses_the_bots_name_and_is_answered_privately_by_user_id() -> None:
    incoming = incoming_from_event(payload("app_mention")["event"])
    assert incoming == Incoming("slack", "U0HC", "U0HC",
                                text="how did others make AAP a standing item of the #iccg agenda? cc @U0DEPUTY")


@pytest.mark.parametrize(("typed", "text"), [
    ("", "/help"),
    ("   ", "/help"),
    ("help", "/help"),
    ("aide", "/aide"),
    ("ask how did others handle cash?", "/ask how did others handle cash?"),
    ("checkin", "/checkin"),
    ("checkin sahelia-2026", "/checkin sahelia-2026"),
    ("point", "/point"),
    ("plan", "/plan"),
    ("Plan sahelia-2026", "/plan sahelia-2026"),
    ("report", "/report"),
    ("rapport sahelia-2026", "/rapport sahelia-2026"),
    ("topics", "/topics"),
    ("sujets", "/sujets"),
    ("link AB3CD4EF5G", "/link AB3CD4EF5G"),
    ("lier AB3CD4EF5G", "/lier AB3CD4EF5G"),
    ("/plan", "/plan"),
    ("how did others set up a PSEA network?", "/ask how did others set up a PSEA network?"),
    ("R&amp;D on &lt;cash&gt;", "/ask R&D on <cash>"),
])
def test_the_slash_command_and_its_sub_commands(typed: str, text: str) -> None:
    body = {**payload("slash_command"), "text": typed}
    assert body["command"] == SLASH_COMMAND
    # Typed in a channel, answered in the person's DM: plan data never lands in a shared channel.
    assert incoming_from_command(body) == Incoming("slack", "U0HC", "U0HC", text=text, display_name="amina.hc")


def test_a_button_press_carries_the_buttons_value() -> None:
    assert incoming_from_action(payload("block_actions")) == Incoming("slack", "U0HC", "D0HC",
                                                                      button="ci:1:0:on_track")


def test_a_button_on_the_home_tab_is_answered_in_the_dm() -> None:
    body = payload("block_actions")
    body.pop("channel")
    body.pop("message")
    body["container"] = {"type": "view", "view_id": "V0HOME"}
    body["actions"][0]["value"] = "report:sahelia-2026"
    assert incoming_from_action(body) == Incoming("slack", "U0HC", "U0HC", button="report:sahelia-2026")


@pytest.mark.parametrize(("text", "asked", "in_thread"), [
    ("how did others set up a PSEA network?", "/ask how did others set up a PSEA network?", True),
    ("", "/help", True),
    ("/topics", "/topics", True),
    ("/sujets", "/sujets", True),
    ("/read 2", "/read 2", True),
    ("/plan", "/plan", False),
    ("/checkin", "/checkin", False),
    ("/report sahelia-2026", "/report sahelia-2026", False),
    ("/link AB3CD4EF5G", "/link AB3CD4EF5G", False),
    ("/", "/", False),
])
def test_a_mention_is_answered_in_the_channel_only_from_the_library(text: str, asked: str, in_thread: bool) -> None:
    request, public = mention_request(Incoming("slack", "U0HC", "U0HC", text=text))
    assert (request.text, public) == (asked, in_thread)


# --- Reply -> Block Kit --------------------------------------------------------------------------


def test_control_characters_are_escaped_once() -> None:
    [message] = render_blocks(Reply((line("<b>&amp;</b> & co"),)))
    assert sections(message) == ["&lt;b&gt;&amp;amp;&lt;/b&gt; &amp; co"]
    assert message[0] == "&lt;b&gt;&amp;amp;&lt;/b&gt; &amp; co"


def test_bold_italic_and_links() -> None:
    reply = Reply((
        line(bold("#1 "), "Adopt a strategy ", italic("on track"), " ", link("R&D <notes>", "https://example.org/a?b=1&c=2")),
        line(Span("both", bold=True, italic=True)),
    ))
    [message] = render_blocks(reply)
    assert sections(message) == [
        "*#1* Adopt a strategy _on track_ <https://example.org/a?b=1&amp;c=2|R&amp;D &lt;notes&gt;>\n*_both_*"]
    assert message[0] == "#1 Adopt a strategy on track R&amp;D &lt;notes&gt;\nboth"


def test_command_names_are_rewritten_as_typed_on_slack() -> None:
    assert slack_commands("Type /checkin to update, /report for the draft.") == (
        "Type /hcbot checkin to update, /hcbot report for the draft.")
    assert slack_commands("Tapez /point, ou /lier CODE.") == "Tapez /hcbot point, ou /hcbot lier CODE."
    assert slack_commands("see https://example.org/read/1 or /nosuchthing") == (
        "see https://example.org/read/1 or /nosuchthing")
    [message] = render_blocks(Reply((line(bold("/help"), " what I can do"),)))
    assert sections(message) == ["*/hcbot help* what I can do"]


def test_long_text_is_split_into_sections_under_slacks_limit() -> None:
    words = " ".join(f"word{number}" for number in range(1500))
    ampersands = "&" * 4000
    [message] = render_blocks(Reply((line(words), line(bold(ampersands)))))
    texts = sections(message)
    assert all(0 < len(text) <= SECTION_TEXT_LIMIT for text in texts)
    assert len(texts) >= 4
    joined = "".join(texts)
    assert " ".join(joined.split()).startswith("word0 word1") and "word1499" in joined
    assert joined.count("&amp;") == 4000


def test_many_lines_are_packed_and_fit() -> None:
    reply = Reply(tuple(line(f"line {number:03} " + "x" * 90) for number in range(200)))
    [message] = render_blocks(reply)
    texts = sections(message)
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in texts)
    assert "\n".join(texts).count("line ") == 200


def test_a_reply_over_fifty_blocks_becomes_several_messages() -> None:
    reply = Reply(tuple(line("y" * 2900) for _ in range(60)), tuple(Button(f"B{number}", f"p:{number}")
                                                                     for number in range(30)))
    messages = render_blocks(reply)
    assert len(messages) == 2
    assert all(len(blocks) <= MESSAGE_BLOCK_LIMIT for _text, blocks in messages)
    assert sum(len(sections(message)) for message in messages) == 60
    # The buttons come last, under the text they belong to, 25 to an actions block.
    assert buttons(messages[0]) == []
    assert [len(block["elements"]) for block in messages[1][1] if block["type"] == "actions"] == [25, 5]
    assert all(text.strip() for text, _blocks in messages)


def test_buttons() -> None:
    reply = Reply((line("Where does it stand?"),), (Button("On track", "ci:7:0:on_track"),
                                                    Button("x" * 100, "ci:7:0:skip")))
    [message] = render_blocks(reply)
    assert buttons(message) == [
        {"type": "button", "text": {"type": "plain_text", "text": "On track"}, "value": "ci:7:0:on_track",
         "action_id": "hcbot:0"},
        {"type": "button", "text": {"type": "plain_text", "text": "x" * 75}, "value": "ci:7:0:skip",
         "action_id": "hcbot:1"},
    ]
    assert all(ACTION_ID.match(button["action_id"]) for button in buttons(message))


def test_empty_replies_and_file_only_replies() -> None:
    assert render_blocks(Reply(())) == []
    [message] = render_blocks(Reply((), attachment=Attachment("plan<1>.md", b"# x", "text/markdown")))
    assert sections(message) == ["plan&lt;1&gt;.md"]


def test_the_home_view_keeps_its_buttons_within_a_hundred_blocks() -> None:
    reply = Reply(tuple(line("z" * 2900) for _ in range(150)), (Button("Check in", "checkin:sahelia-2026"),))
    view = home_view(reply)
    assert view["type"] == "home"
    assert len(view["blocks"]) == HOME_BLOCK_LIMIT
    assert view["blocks"][-1]["elements"][0]["value"] == "checkin:sahelia-2026"


# --- The manifest --------------------------------------------------------------------------------


def test_the_manifest_grants_exactly_what_the_code_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == SLASH_COMMAND and command["usage_hint"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert len(manifest["oauth_config"]["scopes"]["bot"]) == len(BOT_SCOPES)
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True and app_home["messages_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]
