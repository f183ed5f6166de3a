"""The "ask an expert" loop on Slack, through the real slack-bolt and slack-sdk against the stub: the
question is told in the secretariat's channel (HCBOT_SECRETARIAT_CHANNEL), its Answer button is pressed
there, and the dialogue goes on in the member's direct messages, never in the channel."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from bot.app import App, build_app
from bot.clock import FixedClock
from bot.settings import Settings
from bot.slack.loop import SlackBot
from handlers.secretariat.imports import import_file
from knowledge import SearchIndex
from storage import repositories as repo
from tests.conftest import EXAMPLES, START, database_url, fresh_database
from tests.stubs.slack_api import SlackApiStub, dm_channel
from tests.test_slack import Slack, button_values, payload, section_text, slack_bot

HC, HC_USER = "amina.hc@sahelia.invalid", "U0HC"
SECRETARIAT, SECRETARIAT_USER = "secretariat@p2p.invalid", "U0SEC"
CHANNEL = "C0DESK"
QUESTION = "how do other operations do cash in urban settings with very high rents?"


@pytest.fixture
async def desk(backend: str, tmp_path: Path, index: SearchIndex, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[App]:
    monkeypatch.setenv("HCBOT_SECRETARIAT_CHANNEL", CHANNEL)
    url = database_url(backend, tmp_path)
    database = await fresh_database(url)
    await import_file(database, EXAMPLES / "operations.yaml")
    async with database.transaction() as session:
        for email, user in ((HC, HC_USER), (SECRETARIAT, SECRETARIAT_USER)):
            person = await repo.person_by_email(session, email)
            assert person is not None
            await repo.link_identity(session, person, "slack", user, dm_channel(user))
    built = await build_app(Settings(database_url=url), clock=FixedClock(START), index=index, database=database)
    yield built
    await built.close()


@pytest.fixture
async def bot(desk: App, slack_api: SlackApiStub) -> AsyncIterator[SlackBot]:
    running = slack_bot(desk, slack_api)
    await running.start()
    yield running
    await running.stop()


async def press_in_channel(slack: Slack, value: str, user: str) -> int:
    """A button pressed on a message in a channel (not the bot's DM)."""
    slack.events += 1
    body = payload("block_actions")
    body["user"]["id"] = user
    body["channel"] = {"id": CHANNEL, "name": "p2p-desk"}
    body["container"]["channel_id"] = CHANNEL
    body["actions"][0].update(value=value, action_id="hcbot:0", action_ts=f"1790000501.{slack.events:06d}")
    status, _text = await slack.post(urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded")
    return status


async def test_the_channel_is_told_and_the_answer_is_written_in_direct_messages(
        desk: App, bot: SlackBot, slack_api: SlackApiStub) -> None:
    slack = Slack(bot)
    await slack.message(QUESTION, user=HC_USER)
    await slack_api.wait_for("chat.postMessage", 1)
    await slack.command("pass also in French please", user=HC_USER, channel=dm_channel(HC_USER))
    posts = await slack_api.wait_for("chat.postMessage", 2)
    assert "Question #1 passed to the P2P secretariat" in section_text(posts[-1])

    await desk.deliverer.deliver()
    told = [post for post in slack_api.posts() if post.args["channel"] == CHANNEL]
    assert len(told) == 1
    assert "*Question #1 for the secretariat*" in section_text(told[0])
    assert button_values(told[0].args["blocks"]) == ["tk:answer:1", "tk:close:1"]
    await desk.deliverer.deliver()
    assert len([post for post in slack_api.posts() if post.args["channel"] == CHANNEL]) == 1

    count = len(slack_api.posts())
    assert await press_in_channel(slack, "tk:answer:1", SECRETARIAT_USER) == 200
    posts = await slack_api.wait_for("chat.postMessage", count + 1)
    asked = posts[-1]
    # The dialogue is private: posted to the member (Slack's DM with them), not to the channel.
    assert asked.args["channel"] in {SECRETARIAT_USER, dm_channel(SECRETARIAT_USER)}
    assert "Your answer to question #1 from Amina Example" in section_text(asked)

    await slack.message("The Somalia cash working group capped transfers at the local rent level.",
                        user=SECRETARIAT_USER)
    posts = await slack_api.wait_for("chat.postMessage", count + 2)
    assert button_values(posts[-1].args["blocks"]) == ["tk:send:1", "tk:sendlib:1", "tk:cancel:1"]
    assert await slack.press("tk:sendlib:1", user=SECRETARIAT_USER) == 200
    posts = await slack_api.wait_for("chat.postMessage", count + 4)  # sent, then added
    sent = "\n".join(section_text(post) for post in posts[count + 2:])
    assert "Sent to Amina Example (question #1)." in sent
    assert "Added to the library as answer-1" in sent
    assert all(post.args["channel"] != CHANNEL for post in posts[count:])

    await desk.deliverer.deliver()
    answered = [post for post in slack_api.posts() if "answered your question #1" in section_text(post)]
    assert [post.args["channel"] for post in answered] == [dm_channel(HC_USER)]
    assert button_values(answered[0].args["blocks"]) == ["tk:thanks:1", "tk:missed:1"]
