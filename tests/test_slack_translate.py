"""The Slack adapter's pure parts, with no network: Slack's payloads (recorded in the shapes Slack
documents, and as slack-bolt's and slack-sdk's own tests record them: tests/payloads/README.md) to
incoming messages, replies to Block Kit under Slack's limits, the stub's copy of those limits, and
the app manifest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.slack import BOT_EVENTS, BOT_SCOPES, SLASH_COMMAND
from bot.slack.render import (
    ACTION_ID,
    HOME_BLOCK_LIMIT,
    MESSAGE_BLOCK_LIMIT,
    MESSAGE_TEXT_LIMIT,
    PLAIN_TEXT_LIMIT,
    SECTION_TEXT_LIMIT,
    block_text_length,
    home_view,
    render_blocks,
    render_plain,
    slack_commands,
)
from bot.slack.translate import (
    incoming_from_action,
    incoming_from_command,
    incoming_from_event,
    signed_request_key,
    socket_payload_key,
)
from handlers.live import route
from handlers.messages import Attachment, Button, Incoming, Reply, Span, bold, italic, line, link
from handlers.router import Destination
from tests.stubs.slack_api import blocks_error, post_error

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


def test_a_mention_loses_the_bots_name_and_is_marked_as_said_in_the_channel() -> None:
    event = payload("app_mention")["event"]
    incoming = incoming_from_event(event, key="slack:Ev0MENTION")
    assert incoming == Incoming("slack", "U0HC", "C0HCT", event_key="slack:Ev0MENTION", shared=True,
                                thread=event["ts"],
                                text="how did others make AAP a standing item of the #iccg agenda? cc @U0DEPUTY")
    in_thread = incoming_from_event({**event, "thread_ts": "1790000000.000001"})
    assert in_thread is not None
    assert in_thread.thread == "1790000000.000001"


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


@pytest.mark.parametrize(("text", "asked", "in_thread"), [  # the policy lives in handlers.live
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
    mention = Incoming("slack", "U0HC", "C0HCT", text=text, shared=True, thread="1790000200.000300")
    request, destination = route(mention)
    assert request.text == asked
    # The person's own state (check-in, language) is read from their private chat; an answer said in
    # the channel stays a shared one, so nothing meant for them alone (other operations' plans) is in it.
    assert (request.chat_id, request.shared) == ("U0HC", in_thread)
    public = Destination("slack", "C0HCT", "1790000200.000300", shared=True)
    assert destination == (public if in_thread else Destination("slack", "U0HC"))


def in_dm(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded channel event as if written in the bot's DM (message.im delivers the same shape)."""
    return {**payload(name)["event"], "channel": "D0HC", "channel_type": "im", **changes}


@pytest.mark.parametrize("name", ["bolt_message_changed", "bolt_bot_message", "bolt_message_from_bot_user"])
def test_recorded_edits_and_bots_messages_are_ignored_even_in_a_dm(name: str) -> None:
    assert incoming_from_event(in_dm(name)) is None


def test_a_recorded_message_deleted_is_ignored() -> None:
    event = in_dm("bolt_message_changed", subtype="message_deleted", deleted_ts="1358878755.000001")
    assert incoming_from_event(event) is None


def test_a_recorded_file_share_with_words_is_a_question_and_without_is_unreadable() -> None:
    incoming = incoming_from_event(in_dm("bolt_file_share"), key="slack:Ev111")
    assert incoming == Incoming("slack", "U111", "D0HC", text="Here is your file!", event_key="slack:Ev111")
    bare = incoming_from_event(in_dm("bolt_file_share", text=""))
    assert bare is not None
    assert bare.unreadable
    assert bare.text == ""
    # Not in a DM (bolt's recording is from a private channel): not the bot's to answer.
    assert incoming_from_event(payload("bolt_file_share")["event"]) is None


def test_a_recorded_thread_broadcast_in_a_dm_is_answered_in_its_thread() -> None:
    event = in_dm("bolt_thread_broadcast")
    assert incoming_from_event(event) == Incoming("slack", "U111", "D0HC", text="Hi there!",
                                                  thread=event["thread_ts"])


def test_a_dm_written_in_a_thread_is_answered_in_that_thread() -> None:
    event = {**payload("message_im")["event"], "thread_ts": "1790000000.000009"}
    incoming = incoming_from_event(event)
    assert incoming is not None
    assert incoming.thread == "1790000000.000009"


def test_a_recorded_home_tab_button_is_answered_in_the_persons_dm() -> None:
    assert incoming_from_action(payload("block_actions_home"), key="slack:req:x") == Incoming(
        "slack", "W111", "W111", button="click_me_123", event_key="slack:req:x")


def test_request_keys_follow_the_signed_request_and_the_socket_payload() -> None:
    body = "token=x&command=%2Fhcbot&text=plan&trigger_id=1.2.3"
    assert signed_request_key("1790000000", body) == signed_request_key("1790000000", body)
    assert signed_request_key("1790000001", body) != signed_request_key("1790000000", body)
    assert signed_request_key("1790000000", body + "4") != signed_request_key("1790000000", body)
    command = payload("socket_slash_command")["payload"]
    assert socket_payload_key(command) == socket_payload_key(json.loads(json.dumps(command)))
    assert socket_payload_key(command) != socket_payload_key({**command, "trigger_id": "111.222.yyy"})


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
    texts = [text for message in render_blocks(Reply((line(words), line(bold(ampersands)))))
             for text in sections(message)]
    assert all(0 < len(text) <= SECTION_TEXT_LIMIT for text in texts)
    assert len(texts) >= 4
    joined = "".join(texts)
    assert " ".join(joined.split()).startswith("word0 word1")
    assert "word1499" in joined
    assert joined.count("&amp;") == 4000


def test_many_lines_are_packed_and_fit() -> None:
    reply = Reply(tuple(line(f"line {number:03} " + "x" * 90) for number in range(200)))
    texts = [text for message in render_blocks(reply) for text in sections(message)]
    assert all(len(text) <= SECTION_TEXT_LIMIT for text in texts)
    assert "\n".join(texts).count("line ") == 200


def test_a_reply_over_fifty_blocks_becomes_several_messages() -> None:
    reply = Reply((line("Pick one"),), tuple(Button(f"B{number}", f"p:{number}") for number in range(1300)))
    messages = render_blocks(reply)
    assert [len(blocks) for _text, blocks in messages] == [50, 3]
    assert sum(len(buttons(message)) for message in messages) == 1300
    assert all(post_error({"text": text, "blocks": blocks}) is None for text, blocks in messages)


def test_a_35_kb_reply_is_split_under_slacks_12000_characters_a_message() -> None:
    reply = Reply(tuple(line(bold(f"#{number} "), f"Lesson {number}: " + "lessons learnt " * 24)
                        for number in range(100)), tuple(Button(f"Read {number}", f"read:{number}")
                                                         for number in range(30)))
    assert len(reply.plain_text) > 35_000
    messages = render_blocks(reply)
    assert len(messages) >= 3
    for text, blocks in messages:
        assert sum(block_text_length(block) for block in blocks) <= MESSAGE_TEXT_LIMIT
        assert len(blocks) <= MESSAGE_BLOCK_LIMIT
        assert 0 < len(text) <= 3000
        # What Slack itself would say of this chat.postMessage: nothing.
        assert post_error({"text": text, "blocks": blocks}) is None
    joined = " ".join(" ".join(text for message in messages for text in sections(message)).split())
    assert all(f"*#{number}* Lesson {number}:" in joined for number in range(100))
    # The buttons come last, under the text they belong to, 25 to an actions block.
    assert all(buttons(message) == [] for message in messages[:-1])
    assert [len(block["elements"]) for block in messages[-1][1] if block["type"] == "actions"] == [25, 5]


def test_the_same_reply_unsplit_is_what_slack_refuses() -> None:
    # The guard the split exists for: one message with all of it is refused by Slack's rules.
    messages = render_blocks(Reply(tuple(line("word " * 500) for _ in range(15))))
    everything = [block for _text, blocks in messages for block in blocks]
    assert len(messages) > 1
    assert post_error({"text": "x", "blocks": everything}) == "msg_blocks_too_long"


def test_plain_text_messages_for_when_slack_refuses_the_blocks() -> None:
    reply = Reply(tuple(line(bold(f"Point {number}"), " & more " * 40) for number in range(120)),
                  (Button("On track", "ci:1:0:on_track"),))
    texts = render_plain(reply)
    assert len(texts) > 1
    assert all(0 < len(text) <= PLAIN_TEXT_LIMIT for text in texts)
    joined = "\n".join(texts)
    assert "*" not in joined
    assert "Point 119" in joined
    assert "&amp; more" in joined
    assert "&" not in joined.replace(
        "&amp;", "")
    assert render_plain(Reply((), (Button("Check in", "checkin:x"),))) == ["Check in"]


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


# --- The stub keeps Slack's rules --------------------------------------------------------------


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(action_id: str, *, label: str = "Go", value: str = "v") -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "value": value, "action_id": action_id}


@pytest.mark.parametrize(("post", "error"), [
    ({"text": "ok", "blocks": [section("x" * 3000)]}, None),
    ({"text": "ok"}, None),
    ({"channel": "D0HC"}, "no_text"),
    ({"text": "x" * 40_001}, "msg_too_long"),
    ({"text": "ok", "blocks": [section("x" * 3001)]}, "invalid_blocks"),
    ({"text": "ok", "blocks": [section("x")] * 51}, "invalid_blocks"),
    ({"text": "ok", "blocks": [section("x" * 2500)] * 5}, "msg_blocks_too_long"),
    ({"text": "ok", "blocks": [{"type": "actions", "elements": [button("a:1"), button("a:1")]}]}, "invalid_blocks"),
    ({"text": "ok", "blocks": [{"type": "actions", "elements": [button("a:1", value="v" * 2001)]}]}, "invalid_blocks"),
    ({"text": "ok", "blocks": [{"type": "actions", "elements": [button("a:1", label="l" * 76)]}]}, "invalid_blocks"),
    ({"text": "ok", "blocks": [{"text": "no type"}]}, "invalid_blocks_format"),
])
def test_the_stub_refuses_what_slack_refuses(post: dict[str, Any], error: str | None) -> None:
    assert post_error(post) == error


def test_the_stub_refuses_a_home_tab_over_a_hundred_blocks() -> None:
    assert blocks_error([section("x")] * 100, HOME_BLOCK_LIMIT) is None
    assert blocks_error([section("x")] * 101, HOME_BLOCK_LIMIT) == "invalid_blocks"
    view = home_view(Reply(tuple(line("z" * 2900) for _ in range(150)), (Button("Check in", "checkin:x"),)))
    assert blocks_error(view["blocks"], HOME_BLOCK_LIMIT) is None


# --- The manifest --------------------------------------------------------------------------------


def test_the_manifest_grants_exactly_what_the_code_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == SLASH_COMMAND
    assert command["usage_hint"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(BOT_SCOPES)
    assert len(manifest["oauth_config"]["scopes"]["bot"]) == len(BOT_SCOPES)
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    app_home = manifest["features"]["app_home"]
    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"]
