"""The Slack adapter end to end: the real slack-bolt and slack-sdk, pointed at the stub Slack API on
loopback (tests/stubs/slack_api.py), on SQLite and, when configured, PostgreSQL. The stub refuses
what Slack refuses (sizes, duplicate action ids), so every reply posted here is one Slack takes.

Bolt acknowledges a request first and works on it afterwards, so the tests wait (a few seconds at
most) for the stub to see the call they expect."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from bot.app import App
from bot.slack import messenger as messenger_module
from bot.slack.loop import SlackBot
from bot.slack.messenger import SlackMessenger, web_client
from handlers.accounts import issue_invite
from handlers.delivery import Deliverer, DeliveryError, Recipient
from handlers.messages import Button, Reply, bold, line, reply_to_json, text_reply
from knowledge import SearchIndex
from storage import outbox
from storage import repositories as repo
from storage.models import ActionUpdate, ChatIdentity, OutboxMessage, OutboxStatus, Status
from tests.conftest import START
from tests.stubs.slack_api import APP_TOKEN, BOT_TOKEN, Call, SlackApiStub, dm_channel

PAYLOADS = Path(__file__).resolve().parent / "payloads" / "slack"
SECRET = "stub-signing-secret-that-must-never-be-logged"
HC = "amina.hc@sahelia.invalid"
HC_USER = "U0HC"
PLAN_TITLE = "Sahelia HCT action plan, May 2026"
QUESTION = "how did others set up a PSEA network?"


def payload(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def section_text(call: Call) -> str:
    return "\n".join(block["text"]["text"] for block in call.args.get("blocks", []) if block["type"] == "section")


def button_values(blocks: list[dict[str, Any]]) -> list[str]:
    return [element["value"] for block in blocks if block["type"] == "actions" for element in block["elements"]]




def slack_bot(app: App, slack_api: SlackApiStub, mode: str = "http") -> SlackBot:
    running = SlackBot(bot_token=BOT_TOKEN, live=app.live, signing_secret=SECRET,
                       app_token=APP_TOKEN if mode == "socket" else None,
                       mode="socket" if mode == "socket" else "http", api_url=slack_api.api_url,
                       http_host="127.0.0.1", http_port=0)
    app.add_messenger(running.messenger)
    return running


@pytest.fixture
async def bot(app: App, slack_api: SlackApiStub) -> AsyncIterator[SlackBot]:
    running = slack_bot(app, slack_api)
    await running.start()
    yield running
    await running.stop()


class Slack:
    """Sends what Slack sends to an app in HTTP mode, signed with the signing secret."""

    def __init__(self, bot: SlackBot) -> None:
        self.url = f"http://127.0.0.1:{bot.bound_port}{bot.http_path}"
        self.events = 0

    async def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
                   secret: str = SECRET, timestamp: str | None = None) -> tuple[int, str]:
        timestamp = timestamp or str(int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        assert signature is not None
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature,
                **(headers or {})}
        async with aiohttp.ClientSession() as session, session.post(self.url, data=body.encode(),
                                                                    headers=sent) as response:
            return response.status, await response.text()

    async def event(self, event: dict[str, Any], *, event_id: str | None = None,
                    headers: dict[str, str] | None = None, secret: str = SECRET) -> int:
        self.events += 1
        body = {**payload("message_im"), "event": event, "event_id": event_id or f"Ev{self.events:08d}"}
        status, _text = await self.post(json.dumps(body), "application/json", headers=headers, secret=secret)
        return status

    async def message(self, text: str, *, user: str = HC_USER, event_id: str | None = None,
                      headers: dict[str, str] | None = None) -> int:
        event = {**payload("message_im")["event"], "text": text, "user": user, "channel": dm_channel(user)}
        return await self.event(event, event_id=event_id, headers=headers)

    async def command(self, text: str, *, user: str = HC_USER, channel: str = "D0HC",
                      timestamp: str | None = None, trigger: str | None = None) -> tuple[int, str]:
        self.events += 1
        body = {**payload("slash_command"), "text": text, "user_id": user, "channel_id": channel,
                "trigger_id": trigger or f"1790000300.{self.events}.abc"}
        return await self.post(urlencode(body), "application/x-www-form-urlencoded", timestamp=timestamp)

    async def press(self, value: str, *, user: str = HC_USER, recorded: str = "block_actions") -> int:
        self.events += 1
        body = payload(recorded)
        body["user"]["id"] = user
        if "channel" in body:
            body["channel"]["id"] = body["container"]["channel_id"] = dm_channel(user)
        body["actions"][0].update(value=value, action_id="hcbot:0", action_ts=f"1790000401.{self.events:06d}")
        status, _text = await self.post(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")
        return status


@pytest.fixture
def slack(bot: SlackBot) -> Slack:
    return Slack(bot)


async def identities(app: App) -> list[ChatIdentity]:
    async with app.database.transaction() as session:
        return list((await session.execute(select(ChatIdentity).where(ChatIdentity.platform == "slack"))).scalars())


# --- Conversations ---------------------------------------------------------------------------------


async def test_a_question_in_a_dm_is_answered_with_products_and_buttons(
        slack: Slack, slack_api: SlackApiStub, index: SearchIndex) -> None:
    assert await slack.message(QUESTION) == 200
    [answer] = await slack_api.wait_for("chat.postMessage")
    assert answer.args["channel"] == "D0HC"
    assert answer.token == BOT_TOKEN
    best = index.search(QUESTION).hits[0].product.title
    assert best.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in section_text(answer)
    assert "more" in button_values(answer.args["blocks"])


async def test_a_badly_signed_request_is_rejected(slack: Slack, slack_api: SlackApiStub) -> None:
    event = {**payload("message_im")["event"], "text": QUESTION}
    assert await slack.event(event, secret="not-the-signing-secret") == 401
    # Rejected before anything ran: nothing was posted and no Web API call was made at all.
    assert slack_api.calls_to("chat.postMessage") == []
    assert slack_api.calls_to("users.info") == []


async def test_a_retried_event_is_answered_once(slack: Slack, slack_api: SlackApiStub, bot: SlackBot) -> None:
    assert await slack.message(QUESTION, event_id="Ev0RETRIED") == 200
    await slack_api.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert await slack.message(QUESTION, event_id="Ev0RETRIED", headers=retry) == 200
    assert await slack.message("what topics do you cover on cash?", event_id="Ev0OTHER") == 200
    await slack_api.wait_for("chat.postMessage", 2)
    await bot.stop()  # lets everything in flight finish
    assert len(slack_api.posts()) == 2


async def test_a_mention_is_answered_in_the_thread_and_plan_data_goes_to_the_dm(
        slack: Slack, slack_api: SlackApiStub) -> None:
    slack_api.emails[HC_USER] = HC
    mention = payload("app_mention")["event"]
    assert await slack.event({**mention, "text": f"<@U0BOT> {QUESTION}"}) == 200
    [answer] = await slack_api.wait_for("chat.postMessage")
    assert (answer.args["channel"], answer.args["thread_ts"]) == ("C0HCT", mention["ts"])

    assert await slack.event({**mention, "text": "<@U0BOT> /plan", "ts": "1790000201.000100"}) == 200
    [_, plan] = await slack_api.wait_for("chat.postMessage", 2)
    assert plan.args["channel"] == HC_USER
    assert "thread_ts" not in plan.args
    assert PLAN_TITLE in section_text(plan)


# --- Linking ---------------------------------------------------------------------------------------


async def test_a_person_is_linked_by_their_profile_email(slack: Slack, slack_api: SlackApiStub, app: App) -> None:
    slack_api.emails[HC_USER] = HC
    status, acknowledgement = await slack.command("plan", channel="C0HCT")
    # Typed in a channel: the acknowledgement (shown to the person alone) says where the answer went.
    assert status == 200
    assert "direct messages" in acknowledgement
    [plan] = await slack_api.wait_for("chat.postMessage")
    assert plan.args["channel"] == HC_USER
    assert PLAN_TITLE in section_text(plan)
    assert "15 Oct 2026" in section_text(plan)
    [identity] = await identities(app)
    assert identity.external_user_id == HC_USER
    assert identity.active
    async with app.database.transaction() as session:
        person = await repo.person_by_identity(session, "slack", HC_USER)
        assert person is not None
        assert person.email == HC


async def test_an_unknown_email_gets_the_stranger_text_and_users_info_is_asked_once(
        slack: Slack, slack_api: SlackApiStub, app: App) -> None:
    slack_api.emails["U0STRANGER"] = "someone@elsewhere.invalid"
    await slack.command("plan", user="U0STRANGER")
    await slack.command("checkin", user="U0STRANGER")
    [first, second] = await slack_api.wait_for("chat.postMessage", 2)
    for answer in (first, second):
        assert "/hcbot link CODE" in section_text(answer)
        assert PLAN_TITLE not in section_text(answer)
    assert len(slack_api.calls_to("users.info")) == 1
    assert await identities(app) == []


async def test_an_invite_code_links_through_the_slash_command(
        slack: Slack, slack_api: SlackApiStub, app: App) -> None:
    async with app.database.transaction() as session:
        invite = await issue_invite(session, HC, START)
    await slack.command(f"link {invite.code}")
    [welcome] = await slack_api.wait_for("chat.postMessage")
    assert "Welcome, Amina" in section_text(welcome)
    await slack.command("plan")
    [_, plan] = await slack_api.wait_for("chat.postMessage", 2)
    assert PLAN_TITLE in section_text(plan)
    [identity] = await identities(app)
    assert identity.external_user_id == HC_USER


# --- Check-in, home, report ------------------------------------------------------------------------


async def test_a_whole_check_in_through_buttons(slack: Slack, slack_api: SlackApiStub, app: App) -> None:
    slack_api.emails[HC_USER] = HC
    await slack.command("checkin")
    posts = await slack_api.wait_for("chat.postMessage")
    for _step in range(20):
        last = posts[-1]
        if "Check-in done" in section_text(last):
            break
        values = button_values(last.args["blocks"])
        chosen = next(value for value in values if value.endswith((":on_track", ":no_note")))
        assert await slack.press(chosen) == 200
        posts = await slack_api.wait_for("chat.postMessage", len(posts) + 1)
    assert "Check-in done" in section_text(posts[-1])
    async with app.database.transaction() as session:
        updates = list((await session.execute(select(ActionUpdate))).scalars())
    assert len(updates) == 4
    assert {(update.status, update.platform) for update in updates} == {(Status.ON_TRACK, "slack")}


async def test_the_home_tab_shows_the_plan_and_its_buttons_work(slack: Slack, slack_api: SlackApiStub) -> None:
    slack_api.emails[HC_USER] = HC
    assert await slack.event(payload("app_home_opened")["event"]) == 200
    [published] = await slack_api.wait_for("views.publish")
    assert published.args["user_id"] == HC_USER
    view = published.args["view"]
    text = "\n".join(block["text"]["text"] for block in view["blocks"] if block["type"] == "section")
    assert view["type"] == "home"
    assert PLAN_TITLE in text
    assert "15 Oct 2026" in text
    values = button_values(view["blocks"])
    assert values == ["checkin:sahelia-2026", "report:sahelia-2026"]
    # A button of the Home tab, as Slack sends it (a view, no channel): answered in the DM.
    assert await slack.press(values[0], recorded="block_actions_home") == 200
    [prompt] = await slack_api.wait_for("chat.postMessage")
    assert prompt.args["channel"] == HC_USER
    assert "action 1 of 4" in section_text(prompt)


async def test_the_home_tab_tells_a_stranger_how_to_link(slack: Slack, slack_api: SlackApiStub) -> None:
    event = {**payload("app_home_opened")["event"], "user": "U0STRANGER", "channel": "D0STRANGER"}
    await slack.event(event)
    [published] = await slack_api.wait_for("views.publish")
    text = json.dumps(published.args["view"])
    assert "/hcbot link CODE" in text
    assert "/hcbot lier CODE" in text
    assert PLAN_TITLE not in text


async def test_the_draft_update_is_uploaded_as_a_file(slack: Slack, slack_api: SlackApiStub) -> None:
    slack_api.emails[HC_USER] = HC
    await slack.command("report")
    [completed] = await slack_api.wait_for("files.completeUploadExternal")
    [requested] = slack_api.calls_to("files.getUploadURLExternal")
    [note] = slack_api.posts()
    assert PLAN_TITLE in section_text(note)
    # The file goes to the DM channel chat.postMessage answered with, not to the user id.
    assert completed.args["channel_id"] == dm_channel(HC_USER)
    content = slack_api.uploads[completed.args["files"][0]["id"]]
    assert requested.args["filename"].startswith("sahelia-2026-update-")
    assert int(requested.args["length"]) == len(content)
    from io import BytesIO

    from docx import Document

    assert PLAN_TITLE in Document(BytesIO(content)).core_properties.title


# --- Socket Mode -----------------------------------------------------------------------------------


async def test_socket_mode_acknowledges_and_answers(app: App, slack_api: SlackApiStub) -> None:
    running = slack_bot(app, slack_api, mode="socket")
    await running.start()
    try:
        body = {**payload("message_im"), "event": {**payload("message_im")["event"], "text": QUESTION}}
        envelope_id = await slack_api.push("events_api", body)
        assert (await slack_api.wait_for_ack(envelope_id))["envelope_id"] == envelope_id
        [answer] = await slack_api.wait_for("chat.postMessage")
        assert answer.args["channel"] == "D0HC"
        assert "more" in button_values(answer.args["blocks"])
    finally:
        await running.stop()
    [opened] = slack_api.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN


async def test_no_token_or_secret_reaches_the_logs(
        app: App, slack_api: SlackApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    slack_api.emails[HC_USER] = HC
    slack_api.fail_next("users.info", status=500)
    for mode in ("http", "socket"):
        running = slack_bot(app, slack_api, mode=mode)
        await running.start()
        try:
            if mode == "http":
                slack = Slack(running)
                await slack.message(QUESTION)  # users.info fails: asked again on the next request
                await slack_api.wait_for("chat.postMessage")
                await slack.command("report")
                await slack.event({**payload("message_im")["event"], "text": QUESTION}, secret="wrong")
                await slack_api.wait_for("files.completeUploadExternal")
            else:
                await slack_api.wait_for_ack(await slack_api.push("events_api", payload("message_im")))
        finally:
            await running.stop()
    assert "users.info failed" in caplog.text  # the logs were captured, failures included
    for secret in (BOT_TOKEN, APP_TOKEN, SECRET):
        assert secret not in caplog.text
        assert secret[-20:] not in caplog.text


# --- The outbox through SlackMessenger -------------------------------------------------------------

NUDGE_AT = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.fixture
async def nudge(app: App) -> int:
    async with app.database.transaction() as session:
        person = await repo.person_by_email(session, HC)
        assert person is not None
        await repo.link_identity(session, person, "slack", HC_USER, "D0HC")
        await outbox.enqueue(session, dedupe_key="nudge:test", kind="nudge", person_id=person.id,
                             payload=reply_to_json(text_reply("Your update to the ERC is due <soon> & now.")),
                             due_at=NUDGE_AT, now=NUDGE_AT)
        return person.id


async def row(app: App) -> OutboxMessage:
    async with app.database.transaction() as session:
        return (await session.execute(select(OutboxMessage))).scalar_one()


def deliverer(app: App, slack_api: SlackApiStub) -> Deliverer:
    return Deliverer(app.database, [SlackMessenger(web_client(BOT_TOKEN, slack_api.api_url, retries=False))],
                     now=lambda: NUDGE_AT)


async def test_a_nudge_is_delivered_to_the_linked_chat(app: App, slack_api: SlackApiStub, nudge: int) -> None:
    report = await deliverer(app, slack_api).deliver()
    assert report.sent == 1
    [post] = slack_api.posts()
    assert post.args["channel"] == "D0HC"
    assert section_text(post) == "Your update to the ERC is due &lt;soon&gt; &amp; now."
    sent = await row(app)
    assert sent.status is OutboxStatus.SENT
    assert sent.delivered_to == "slack:D0HC"


async def test_a_rate_limit_is_waited_out_and_the_nudge_sent_once(
        app: App, slack_api: SlackApiStub, nudge: int) -> None:
    slack_api.fail_next("chat.postMessage", status=429, retry_after=1)
    report = await deliverer(app, slack_api).deliver()
    assert (report.sent, report.rate_limited) == (1, 1)
    assert [call.status for call in slack_api.calls_to("chat.postMessage")] == [429, 200]
    assert (await row(app)).status is OutboxStatus.SENT


@pytest.mark.parametrize("error", ["channel_not_found", "account_inactive"])
async def test_an_unreachable_chat_is_deactivated_and_the_nudge_failed(
        app: App, slack_api: SlackApiStub, nudge: int, error: str) -> None:
    slack_api.error_for_channel("D0HC", error)
    report = await deliverer(app, slack_api).deliver()
    assert (report.sent, report.failed, report.deactivated) == (0, 1, 1)
    failed = await row(app)
    assert failed.status is OutboxStatus.FAILED
    assert error in (failed.last_error or "")
    [identity] = await identities(app)
    assert not identity.active
    assert error in (identity.inactive_reason or "")


@pytest.mark.parametrize(("status", "error", "outcome"), [
    (500, "internal_error", OutboxStatus.PENDING),
    (200, "invalid_arguments", OutboxStatus.FAILED),
])
async def test_server_errors_are_retried_later_and_bad_requests_are_not(
        app: App, slack_api: SlackApiStub, nudge: int, status: int, error: str, outcome: OutboxStatus) -> None:
    slack_api.fail_next("chat.postMessage", status=status, error=error)
    await deliverer(app, slack_api).deliver()
    after = await row(app)
    assert after.status is outcome
    assert error in (after.last_error or "")
    [identity] = await identities(app)
    assert identity.active  # the chat is fine; the message or Slack was not
    async with app.database.transaction() as session:
        assert (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one() == 1


# --- Recorded shapes through the real bolt (tests/payloads/README.md names their sources) ------------


def recorded_in_dm(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded event as if the person wrote it in the bot's DM."""
    return {**payload(name)["event"], "user": HC_USER, "channel": "D0HC", "channel_type": "im", **changes}


async def settled(bot: SlackBot) -> None:
    """Lets every request the bot acknowledged finish: what was not posted by then never will be."""
    await bot.stop()


@pytest.mark.parametrize("name", ["bolt_message_changed", "bolt_bot_message", "bolt_message_from_bot_user"])
async def test_edits_and_bots_messages_are_ignored(
        slack: Slack, slack_api: SlackApiStub, bot: SlackBot, name: str) -> None:
    assert await slack.event(recorded_in_dm(name)) == 200
    assert await slack.event(recorded_in_dm(name, subtype="message_deleted")) == 200
    assert await slack.message(QUESTION) == 200  # answered: the bot is listening
    await slack_api.wait_for("chat.postMessage")
    await settled(bot)
    [answer] = slack_api.posts()
    assert "more" in button_values(answer.args["blocks"])


async def test_a_file_with_words_is_answered_and_a_file_alone_is_not_readable(
        slack: Slack, slack_api: SlackApiStub) -> None:
    assert await slack.event(recorded_in_dm("bolt_file_share", text=QUESTION)) == 200
    [answer] = await slack_api.wait_for("chat.postMessage")
    assert "more" in button_values(answer.args["blocks"])
    assert await slack.event(recorded_in_dm("bolt_file_share", text="")) == 200
    [_, refusal] = await slack_api.wait_for("chat.postMessage", 2)
    assert "only read text" in section_text(refusal)


async def test_a_thread_broadcast_and_a_threaded_dm_are_answered_in_their_thread(
        slack: Slack, slack_api: SlackApiStub) -> None:
    broadcast = recorded_in_dm("bolt_thread_broadcast", text=QUESTION)
    assert await slack.event(broadcast) == 200
    [answer] = await slack_api.wait_for("chat.postMessage")
    assert (answer.args["channel"], answer.args["thread_ts"]) == ("D0HC", broadcast["thread_ts"])
    threaded = {**payload("message_im")["event"], "text": "/topics", "thread_ts": "1790000100.000001"}
    assert await slack.event(threaded) == 200
    [_, topics] = await slack_api.wait_for("chat.postMessage", 2)
    assert topics.args["thread_ts"] == "1790000100.000001"


async def test_a_replayed_signed_command_runs_once(slack: Slack, slack_api: SlackApiStub, bot: SlackBot) -> None:
    slack_api.emails[HC_USER] = HC
    stamp = str(int(time.time()))
    assert (await slack.command("checkin", timestamp=stamp, trigger="1.1.replayed"))[0] == 200
    await slack_api.wait_for("chat.postMessage")
    # The same signed request again (Slack's own retry, or a replay inside its 5 minutes).
    slack.events -= 1
    assert (await slack.command("checkin", timestamp=stamp, trigger="1.1.replayed"))[0] == 200
    # A new command with the same words is a new request, and is answered.
    assert (await slack.command("plan"))[0] == 200
    await slack_api.wait_for("chat.postMessage", 2)
    await settled(bot)
    assert [("action 1 of 4" in section_text(post), PLAN_TITLE in section_text(post))
            for post in slack_api.posts()] == [(True, True), (False, True)]


@pytest.mark.parametrize("timestamp", ["not-a-number", "1e9", ""])
async def test_a_malformed_timestamp_is_refused_like_a_bad_signature(
        slack: Slack, slack_api: SlackApiStub, timestamp: str) -> None:
    body = json.dumps({**payload("message_im"), "event_id": "Ev0BADTIME"})
    status, _text = await slack.post(body, "application/json", headers={"X-Slack-Request-Timestamp": timestamp})
    assert status == 401
    assert slack_api.calls_to("chat.postMessage") == []
    assert slack_api.calls_to("users.info") == []


async def test_socket_mode_drops_a_redelivered_event_and_command(app: App, slack_api: SlackApiStub) -> None:
    running = slack_bot(app, slack_api, mode="socket")
    await running.start()
    try:
        recorded = payload("socket_events_api_retry")  # retry_attempt 1, retry_reason "timeout"
        recorded["payload"]["event"].update(user=HC_USER, channel="D0HC", channel_type="im", text=QUESTION)
        first = {**recorded, "envelope_id": "env-first", "retry_attempt": 0, "retry_reason": ""}
        await slack_api.wait_for_ack(await slack_api.push_envelope(first))
        await slack_api.wait_for("chat.postMessage")
        await slack_api.wait_for_ack(await slack_api.push_envelope(recorded))  # Slack's retry: a new envelope

        command = payload("socket_slash_command")
        command["payload"].update(user_id=HC_USER, channel_id="D0HC", command="/hcbot", text="topics")
        await slack_api.wait_for_ack(await slack_api.push_envelope(command))
        await slack_api.wait_for("chat.postMessage", 2)
        # The same envelope again, as after a dropped connection: acknowledged, not answered again.
        await slack_api.wait_for_ack(await slack_api.push_envelope(command), count=2)
    finally:
        await running.stop()
    assert len(slack_api.posts()) == 2


# --- Slack's limits, end to end ------------------------------------------------------------------


def recipient(thread: str | None = None) -> Recipient:
    return Recipient(None, "", "", "en", "slack", "D0HC", thread, live=True)


async def test_a_35_kb_reply_is_posted_in_messages_slack_takes(slack_api: SlackApiStub) -> None:
    reply = Reply(tuple(line(bold(f"#{number} "), f"Lesson {number}: " + "lessons learnt " * 24)
                        for number in range(100)), tuple(Button(f"Read {number}", f"read:{number}")
                                                         for number in range(30)))
    assert len(reply.plain_text) > 35_000
    messenger = SlackMessenger(web_client(BOT_TOKEN, slack_api.api_url))
    await messenger.send(recipient("1790000100.000002"), reply)
    calls = slack_api.calls_to("chat.postMessage")
    assert len(calls) >= 3
    assert all(call.ok for call in calls)
    assert {call.args["thread_ts"] for call in calls} == {"1790000100.000002"}
    assert "#99" in section_text(calls[-1]).replace("*", "")
    assert button_values(calls[-1].args["blocks"])[-1] == "read:29"


async def test_a_reply_slack_refuses_as_blocks_is_sent_once_as_plain_text(
        app: App, slack_api: SlackApiStub, nudge: int) -> None:
    slack_api.fail_next("chat.postMessage", error="msg_blocks_too_long")
    report = await deliverer(app, slack_api).deliver()
    assert report.sent == 1
    refused, plain = slack_api.calls_to("chat.postMessage")
    assert refused.error == "msg_blocks_too_long"
    assert refused.args.get("blocks")
    assert plain.ok
    assert "blocks" not in plain.args
    assert plain.args["text"] == "Your update to the ERC is due &lt;soon&gt; &amp; now."
    assert (await row(app)).status is OutboxStatus.SENT


async def test_the_stub_refuses_an_oversized_message_from_the_real_client(
        slack_api: SlackApiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a rendering regression would meet: the stub answers as Slack does, and the messenger
    # turns it into a rendering error, which the deliverer retries once as plain text.
    unsplit = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2900}}] * 5
    monkeypatch.setattr(messenger_module, "render_blocks", lambda reply: [("x", unsplit)])
    with pytest.raises(DeliveryError) as raised:
        await SlackMessenger(web_client(BOT_TOKEN, slack_api.api_url)).send(recipient(), text_reply("anything"))
    assert raised.value.rendering
    assert "msg_blocks_too_long" in str(raised.value)
    [refused] = slack_api.calls_to("chat.postMessage")
    assert refused.error == "msg_blocks_too_long"
