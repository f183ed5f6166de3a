"""Introductions on the real platforms: the buttons as Telegram and Slack send them, the request and
the contacts through the outbox, each platform's handle given when both people are on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.app import App
from bot.telegram.loop import TelegramBot
from storage.models import Operation, Sharing
from tests.stubs.slack_api import SlackApiStub, dm_channel
from tests.stubs.telegram_api import TelegramApiStub, button_update, message_update
from tests.test_slack import Slack, bot, button_values, section_text, slack  # noqa: F401 - fixtures
from tests.test_telegram import buttons, exchange, link_chat, telegram_bot

HC, OTHER_HC = "amina.hc@sahelia.invalid", "omar.hc@levantia.invalid"
TOUCH = "Put me in touch: Levantia (fictional)"


async def share(app: App, code: str, level: Sharing) -> None:
    async with app.database.transaction() as session:
        operation = (await session.execute(select(Operation).where(Operation.code == code))).scalar_one()
        operation.sharing = level


@pytest.fixture
async def telegram(app: App, telegram_api: TelegramApiStub) -> AsyncIterator[TelegramBot]:
    running = telegram_bot(app, telegram_api)
    await running.start()
    yield running
    await running.stop()


async def test_an_introduction_through_telegrams_buttons(app: App, telegram: TelegramBot,
                                                         telegram_api: TelegramApiStub) -> None:
    await share(app, "levantia", Sharing.PEERS)
    await link_chat(app.database, HC, 5001)
    await link_chat(app.database, OTHER_HC, 5003)
    [listed] = await exchange(telegram_api, message_update(5001, "/peers aap"))
    assert "Agree one common feedback mechanism across clusters" in listed.params["text"]
    [asked] = await exchange(telegram_api, button_update(5001, buttons(listed)[TOUCH]))
    assert "I asked the HC in Levantia (fictional)" in asked.params["text"]

    before = len(telegram_api.calls_to("sendMessage"))
    await app.deliverer.deliver()
    [request] = (await telegram_api.wait_for("sendMessage", before + 1))[before:]
    assert request.params["chat_id"] == 5003
    assert "Amina Example, HC in Sahelia (fictional), would like to hear" in request.params["text"]
    assert set(buttons(request)) == {"Accept", "Not now"}

    [accepted] = await exchange(telegram_api, button_update(5003, buttons(request)["Accept"], first_name="Omar"))
    assert accepted.params["chat_id"] == 5003
    assert HC in accepted.params["text"]
    assert '<a href="tg://user?id=5001">' in accepted.params["text"]  # both are on Telegram
    before = len(telegram_api.calls_to("sendMessage"))
    await app.deliverer.deliver()
    [told] = (await telegram_api.wait_for("sendMessage", before + 1))[before:]
    assert told.params["chat_id"] == 5001
    assert OTHER_HC in told.params["text"]
    assert '<a href="tg://user?id=5003">' in told.params["text"]
    # A second press of the same button changes nothing and sends nobody anything.
    [again] = await exchange(telegram_api, button_update(5003, buttons(request)["Accept"], first_name="Omar"))
    assert "already answered" in again.params["text"]
    before = len(telegram_api.calls_to("sendMessage"))
    await app.deliverer.deliver()
    assert len(telegram_api.calls_to("sendMessage")) == before


async def test_an_introduction_through_slacks_buttons(app: App, slack: Slack, slack_api: SlackApiStub) -> None:  # noqa: F811
    await share(app, "levantia", Sharing.ALL)
    slack_api.emails.update({"U0HC": HC, "U0OMAR": OTHER_HC})
    await slack.command("help", user="U0OMAR", channel=dm_channel("U0OMAR"))  # linked by its e-mail
    await slack_api.wait_for("chat.postMessage")
    await slack.command("peers aap")
    [listed] = await slack_api.wait_for("chat.postMessage", where=lambda call: "feedback mechanism" in str(call.args))
    touch = [value for value in button_values(listed.args["blocks"]) if value.startswith("peers:in:")]
    assert len(touch) == 1
    assert await slack.press(touch[0]) == 200
    [asked] = await slack_api.wait_for("chat.postMessage", where=lambda call: "I asked" in str(call.args))
    assert "I asked the HC in Levantia (fictional)" in section_text(asked)

    await app.deliverer.deliver()
    [request] = await slack_api.wait_for("chat.postMessage", where=lambda call: "would like" in str(call.args))
    assert request.args["channel"] in ("U0OMAR", dm_channel("U0OMAR"))
    assert "would like to hear how Levantia (fictional) went about" in section_text(request)
    accept, not_now = button_values(request.args["blocks"])
    assert accept.startswith("peers:ok:")
    assert not_now.startswith("peers:no:")

    assert await slack.press(accept, user="U0OMAR") == 200
    [thanks] = await slack_api.wait_for("chat.postMessage", where=lambda call: "Thank you" in str(call.args))
    assert thanks.args["channel"] in ("U0OMAR", dm_channel("U0OMAR"))
    assert HC in section_text(thanks)
    assert "member ID U0HC" in section_text(thanks)
    await app.deliverer.deliver()
    [told] = await slack_api.wait_for("chat.postMessage", where=lambda call: "Good news" in str(call.args))
    assert told.args["channel"] in ("U0HC", dm_channel("U0HC"))
    assert OTHER_HC in section_text(told)
    assert "member ID U0OMAR" in section_text(told)


@pytest.mark.parametrize(("level", "shown"), [(Sharing.NONE, False), (Sharing.PEERS, True)])
async def test_slacks_home_tab_shows_other_operations_as_their_level_allows(
        app: App, slack: Slack, slack_api: SlackApiStub, level: Sharing, shown: bool) -> None:  # noqa: F811
    from tests.test_slack import payload

    await share(app, "levantia", level)
    slack_api.emails["U0HC"] = HC
    assert await slack.event(payload("app_home_opened")["event"]) == 200
    [published] = await slack_api.wait_for("views.publish")
    text = "\n".join(block["text"]["text"] for block in published.args["view"]["blocks"] if block["type"] == "section")
    assert ("Agree one common feedback mechanism across clusters" in text) is shown, text
    assert ("Other operations on your topics" in text) is shown


@pytest.mark.parametrize(("user", "email", "level"), [("U0HC", HC, Sharing.PEERS),
                                                      ("U0SEC", "secretariat@p2p.invalid", Sharing.NONE)])
async def test_a_mention_in_a_slack_channel_is_answered_without_other_operations(
        app: App, slack: Slack, slack_api: SlackApiStub, user: str, email: str, level: Sharing) -> None:  # noqa: F811
    from tests.test_slack import payload

    await share(app, "levantia", level)
    slack_api.emails[user] = email
    question = "how did others set up a common complaint mechanism?"
    # Asked privately, the answer names Levantia: the channel's answer below leaves it out on purpose.
    assert await slack.message(question, user=user) == 200
    [private] = await slack_api.wait_for("chat.postMessage", where=lambda call: "Levantia" in str(call.args))
    assert "Operations working on this" in section_text(private)

    mention = {**payload("app_mention")["event"], "user": user, "text": f"<@U0BOT> {question}"}
    assert await slack.event(mention) == 200
    [answer] = await slack_api.wait_for("chat.postMessage", where=lambda call: call.args["channel"] == "C0HCT")
    assert answer.args["thread_ts"] == mention["ts"]
    assert "complaint" in section_text(answer).lower()  # answered, from the library
    assert "Levantia" not in str(answer.args)
    assert "Operations working on this" not in str(answer.args)
    assert not [value for value in button_values(answer.args.get("blocks", [])) if value.startswith("peers:")]

    # /peers asked in the channel is answered in the person's direct messages.
    listing = {**mention, "text": "<@U0BOT> /peers aap", "ts": "1790000201.000100"}
    assert await slack.event(listing) == 200
    [listed] = await slack_api.wait_for("chat.postMessage", where=lambda call: "/peers" not in str(call.args)
                                        and "Other operations with an action" in str(call.args))
    assert listed.args["channel"] in (user, dm_channel(user))
    assert "Levantia" in section_text(listed)
    assert all(call.args["channel"] != "C0HCT" or "Levantia" not in str(call.args) for call in slack_api.posts())
