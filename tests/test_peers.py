"""Peer to peer, as the people it serves read it: who else is handling this, within what each
operation agreed to share; introductions with consent; notes shared only by their authors; and
the secretariat's learning candidates and drafts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot.cli import main
from handlers.messages import Button, reply_from_json
from storage.models import Introduction, IntroductionState, Operation, OutboxMessage, Sharing
from tests.conftest import EXAMPLES, START, Chat

HC = "amina.hc@sahelia.invalid"
MEMBER = "jules.unicef@sahelia.invalid"
OTHER_HC = "omar.hc@levantia.invalid"
SECRETARIAT = "secretariat@p2p.invalid"
OBSERVER = "observer@p2p.invalid"  # registered, in no operation: sees only what is shared with all
QUESTION = "how did others set up a common complaint mechanism?"
HEADING = "Operations working on this"
LEVANTIA_ACTION = "Agree one common feedback mechanism across clusters"
# An answer may cut titles to fit a phone: its words begin the same.
LEVANTIA_SHORT = "Agree one common feedback"
NOTE = "We merged five agency hotlines into one toll-free number run by the ICCG"
PRIVATE = "The donor meeting went badly and the cluster lead is leaving"

OBSERVER_FILE = """people:
  - email: observer@p2p.invalid
    name: Olga Observer
    role: hct_member
    language: en
"""


@pytest.fixture
def peers_chat(chat: Chat, tmp_path: Path) -> Chat:
    chat.load(EXAMPLES / "operations.yaml")
    extra = tmp_path / "observer.yaml"
    extra.write_text(OBSERVER_FILE, encoding="utf-8")
    chat.load(extra)
    return chat


def set_level(chat: Chat, code: str, level: Sharing) -> None:
    async def write() -> None:
        async with chat.database.transaction() as session:
            operation = (await session.execute(select(Operation).where(Operation.code == code))).scalar_one()
            operation.sharing = level
    chat.run(write())


def outbox_rows(chat: Chat, kind: str) -> list[OutboxMessage]:
    async def read() -> list[OutboxMessage]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                                .order_by(OutboxMessage.id))).scalars())
    return chat.run(read())


def introductions(chat: Chat) -> list[Introduction]:
    async def read() -> list[Introduction]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(Introduction).order_by(Introduction.id))).scalars())
    return chat.run(read())


def deliver(chat: Chat) -> str:
    """Delivers the outbox; returns what the proactive messages printed."""
    before = chat.printed.getvalue()
    chat.run(chat.app.deliverer.deliver())
    return chat.printed.getvalue()[len(before):]


def done_with_shared_note(chat: Chat, note: str = NOTE) -> str:
    chat.as_person(OTHER_HC)
    asked = chat.say(f'/update 1 done "{note}"')
    assert "Share your note on action 1 with peers" in asked
    return chat.say("Share it")


def press(chat: Chat, buttons: tuple[Button, ...], label: str) -> str:
    """Presses a button of a message delivered through the outbox (not the last reply)."""
    chat.session.buttons = buttons
    return chat.say(label)


def peers_cli(chat: Chat, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              *arguments: str) -> str:
    monkeypatch.setenv("HCBOT_DATABASE_URL", chat.database.url)
    capsys.readouterr()
    assert main(["peers", *arguments], clock=chat.clock) == 0
    return capsys.readouterr().out


# --- The transcript of "Done when" -----------------------------------------------------------------


def test_an_hc_sees_a_peers_action_asks_for_an_introduction_and_both_get_each_others_contact(
        peers_chat: Chat) -> None:
    chat = peers_chat
    chat.as_person(OTHER_HC)
    assert "now shares its plan at level peers" in chat.say("/share peers")
    assert "Shared" in done_with_shared_note(chat)

    chat.as_person(HC)
    answer = chat.say(QUESTION)
    assert HEADING in answer
    assert f"Levantia (fictional): {LEVANTIA_SHORT}" in answer
    assert "done in November 2026" in answer
    assert NOTE not in answer  # an answer stays short: the note is in /peers
    asked = chat.say("Put me in touch: Levantia (fictional)")
    assert "I asked the HC in Levantia (fictional)" in asked
    [request] = outbox_rows(chat, "introduction")
    delivered = deliver(chat)
    assert ("Amina Example, HC in Sahelia (fictional), would like to hear how Levantia (fictional) went about"
            in delivered)
    assert HC not in delivered  # no contact before Accept

    chat.as_person(OTHER_HC)
    accepted = press(chat, reply_from_json(request.payload).buttons, "Accept")
    assert "Amina Example" in accepted
    assert HC in accepted
    told = deliver(chat)
    assert "Good news" in told
    assert OTHER_HC in told
    assert "Omar Placeholder" in told
    [introduction] = introductions(chat)
    assert (introduction.state, introduction.topic) == (IntroductionState.ACCEPTED, "aap")

    chat.as_person(SECRETARIAT)
    assert "Introductions: 1 asked (1 accepted, 0 not now, 0 waiting)." in chat.say("/peers")
    home = chat.run(chat.app.live.home("console", SECRETARIAT)).plain_text
    assert "Introductions: 1 asked (1 accepted, 0 not now, 0 waiting)." in home


def test_with_sharing_none_nothing_appears_and_peers_says_nothing_is_shared(peers_chat: Chat) -> None:
    chat = peers_chat
    chat.as_person(OTHER_HC)
    saved = chat.say(f'/update 1 done "{NOTE}"')
    assert "Share your note" not in saved  # with no sharing, no peer would ever read it
    chat.as_person(HC)
    answer = chat.say(QUESTION)
    assert HEADING not in answer
    assert "Levantia" not in answer
    assert chat.say("/peers aap") == "No other operation shares an action on Accountability to affected people " \
                                     "(AAP) with you yet."
    home = chat.run(chat.app.live.home("console", HC)).plain_text
    assert "Other operations on your topics" not in home
    assert "Levantia" not in home


def test_an_unregistered_person_sees_no_peer_data_at_any_level(peers_chat: Chat) -> None:
    chat = peers_chat
    for level in Sharing:
        set_level(chat, "levantia", level)
        set_level(chat, "sahelia", level)
        chat.as_person(OTHER_HC)
        chat.say(f'/update 1 done "{NOTE} ({level.value})"')
        chat.session.user_id = "stranger"
        answer = chat.say(QUESTION)
        for shown in (HEADING, "Levantia", "Sahelia"):
            assert shown not in answer, level
        assert chat.say("/peers aap").startswith("Only registered people see what other operations share.")
        assert "Levantia" not in chat.run(chat.app.live.home("console", "stranger")).plain_text


@pytest.mark.parametrize("level", list(Sharing))
def test_what_each_level_shows_through_every_path(peers_chat: Chat, level: Sharing,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    chat = peers_chat
    set_level(chat, "levantia", level)
    sees = {HC: level in (Sharing.PEERS, Sharing.ALL), OBSERVER: level is Sharing.ALL, SECRETARIAT: True}
    for email, expected in sees.items():
        chat.as_person(email)
        answer = chat.say(QUESTION)
        listed = chat.say("/peers aap")
        command_line = peers_cli(chat, capsys, monkeypatch, "aap", "--as", email)
        for path, text in (("answer", answer), ("/peers", listed), ("hcbot peers --as", command_line)):
            assert (LEVANTIA_SHORT in text) is expected, (email, level, path, text)
    # Nobody sees their own operation as a peer: it is not "someone else".
    chat.as_person(HC)
    assert "Sahelia" not in chat.say("/peers aap")
    # The App Home: the HC's topics (AAP, among others) bring Levantia in when its level allows.
    home = chat.run(chat.app.live.home("console", HC)).plain_text
    assert (LEVANTIA_ACTION in home) is sees[HC], home
    assert LEVANTIA_ACTION not in chat.run(chat.app.live.home("console", OBSERVER)).plain_text
    # The operator's shell, without --as, is the secretariat's view: everything, at every level.
    assert LEVANTIA_ACTION in peers_cli(chat, capsys, monkeypatch, "aap")


def test_an_answer_reads_each_action_once_however_long_the_history(peers_chat: Chat) -> None:
    from handlers.peers.visibility import visible_entries
    from storage import repositories as repo
    from storage.models import Action, ActionUpdate, Status

    chat = peers_chat
    set_level(chat, "levantia", Sharing.ALL)
    set_level(chat, "sahelia", Sharing.ALL)

    async def write_history() -> None:
        async with chat.database.transaction() as session:
            actions = list((await session.execute(select(Action).order_by(Action.id))).scalars())
            for action in actions:
                for day in range(40):
                    session.add(ActionUpdate(action_id=action.id, status=Status.DELAYED, note=f"day {day}",
                                             platform="console", created_at=START - timedelta(days=80 - day),
                                             shareable=True))
            levantia = next(action for action in actions if action.title == LEVANTIA_ACTION)
            shared = ActionUpdate(action_id=levantia.id, status=Status.DONE, note=NOTE, platform="console",
                                  created_at=START - timedelta(days=3), shareable=True)
            session.add(shared)
            await session.flush()
            # A correction replaces the Done, and its own note is not shared: the Done's note goes too.
            session.add(ActionUpdate(action_id=levantia.id, status=Status.ON_TRACK, note=PRIVATE,
                                     platform="console", created_at=START - timedelta(days=2),
                                     supersedes_id=shared.id, shareable=False))
    chat.run(write_history())

    loaded: list[object] = []

    def count(target: object, _context: object) -> None:
        loaded.append(target)

    async def look() -> list[str]:
        async with chat.database.transaction() as session:
            person = await repo.person_by_email(session, MEMBER)
            entries = await visible_entries(session, chat.app.router.context.index, person, ["aap"])
            return [f"{entry.where} {entry.status} {entry.note}" for entry in entries]
    event.listen(ActionUpdate, "load", count)
    event.listen(Action, "load", count)
    try:
        shown = chat.run(look())
    finally:
        event.remove(ActionUpdate, "load", count)
        event.remove(Action, "load", count)
    updates_loaded = sum(isinstance(item, ActionUpdate) for item in loaded)
    actions_loaded = sum(isinstance(item, Action) for item in loaded)
    # The standing update (the correction) and the latest shareable note it did not replace.
    assert shown == ["Levantia (fictional) on_track day 39"]
    # Nothing of the history is turned into objects: one row per action on the topic is read.
    assert (updates_loaded, actions_loaded) == (0, 0)


def test_no_note_is_shown_that_its_author_did_not_mark_shareable(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.ALL)
    chat.as_person(OTHER_HC)
    assert "Share your note" in chat.say(f'/update 1 on track "{PRIVATE}"')
    assert "Kept private" in chat.say("Keep private")
    # A Delayed update's note is never offered for sharing.
    assert "Share your note" not in chat.say('/update 1 delayed "waiting for the ministry"')
    for email in (HC, OBSERVER, SECRETARIAT):
        chat.as_person(email)
        assert PRIVATE not in chat.say("/peers aap")
        assert "waiting for the ministry" not in chat.say("/peers aap")
    done_with_shared_note(chat)
    chat.as_person(HC)
    listed = chat.say("/peers aap")
    assert f"“{NOTE}”" in listed
    assert PRIVATE not in listed


def test_only_its_author_can_share_a_note(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(OTHER_HC)
    chat.say(f'/update 1 done "{PRIVATE}"')
    offered = chat.session.buttons
    chat.as_person(HC)
    assert "not yours" in press(chat, offered, "Share it")
    assert PRIVATE not in chat.say("/peers aap")


# --- Introductions -----------------------------------------------------------------------------------


def test_the_introduction_survives_a_restart_and_is_sent_exactly_once(peers_chat: Chat) -> None:
    from tests.test_answers import restart

    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(OTHER_HC)  # the request waits in the outbox for a chat of theirs
    chat.as_person(HC)
    chat.say("/peers aap")
    chat.say("Put me in touch: Levantia (fictional)")
    restart(chat)
    first = deliver(chat)
    assert first.count("would like to hear how Levantia") == 1
    assert "would like to hear" not in deliver(chat)
    [request] = outbox_rows(chat, "introduction")
    restart(chat)
    chat.as_person(OTHER_HC)
    buttons = reply_from_json(request.payload).buttons
    assert HC in press(chat, buttons, "Accept")
    assert "already answered" in press(chat, buttons, "Accept")
    assert "already answered" in press(chat, buttons, "Not now")
    restart(chat)
    told = deliver(chat) + deliver(chat)
    assert told.count("Good news") == 1
    assert len(outbox_rows(chat, "introduction")) == 2  # the request, and the one answer


def test_not_now_shares_nothing_and_the_asker_is_told_kindly(peers_chat: Chat, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(OTHER_HC)
    chat.as_person(HC)
    chat.say("/peers aap")
    chat.say("Put me in touch: Levantia (fictional)")
    deliver(chat)
    [request] = outbox_rows(chat, "introduction")
    chat.as_person(OTHER_HC)
    declined = press(chat, reply_from_json(request.payload).buttons, "Not now")
    assert "nothing was shared" in declined
    assert HC not in declined
    assert "Amina" not in declined
    told = deliver(chat)
    assert "cannot take up your request" in told
    assert "nothing was shared" in told
    assert OTHER_HC not in told
    assert "Omar" not in told
    assert [introduction.state for introduction in introductions(chat)] == [IntroductionState.DECLINED]
    counted = peers_cli(chat, capsys, monkeypatch, "--introductions")
    assert "Introductions: 1 asked (0 accepted, 1 not now, 0 waiting)." in counted
    assert "  aap: 1" in counted


def test_one_request_per_pair_and_topic_every_thirty_days(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(HC)
    chat.say("/peers aap")
    # Omar has no chat linked yet: a request would wait unseen, so none is made.
    assert "No one in Levantia (fictional) is on the bot yet" in chat.say("Put me in touch: Levantia (fictional)")
    assert introductions(chat) == []
    chat.as_person(OTHER_HC)
    chat.as_person(HC)
    chat.say("/peers aap")
    assert "I asked" in chat.say("Put me in touch: Levantia (fictional)")
    chat.say("/peers aap")
    again = chat.say("Put me in touch: Levantia (fictional)")
    assert "one request a month, so you can ask again from 23 Dec 2026" in again
    assert len(introductions(chat)) == 1
    chat.clock.advance_to(START + timedelta(days=30, minutes=1))
    chat.say("/peers aap")
    assert "I asked" in chat.say("Put me in touch: Levantia (fictional)")
    assert len(introductions(chat)) == 2


def press_payload(chat: Chat, email: str, payload: str) -> str:
    from handlers.messages import Incoming

    replies = chat.run(chat.app.live.answer(Incoming("console", email, email, button=payload)))
    return "\n".join(reply.plain_text for reply in replies)


def test_a_forged_topic_neither_gets_round_the_limit_nor_reaches_the_person_asked(peers_chat: Chat,
                                                                                  tmp_path: Path) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    untagged = tmp_path / "untagged.yaml"
    untagged.write_text(UNTAGGED + NORDIA_HC, encoding="utf-8")
    chat.load(untagged)
    chat.as_person(OTHER_HC)
    chat.as_person("nils.hc@nordia.invalid")
    chat.as_person(HC)
    chat.say("/peers aap")
    [touch] = [button.payload for button in chat.session.buttons if button.payload.startswith("peers:in:")]
    action = touch.split(":")[2]
    assert "I asked" in press_payload(chat, HC, touch)
    # Other topics on the same action, taxonomy slugs or not: one request per action a month.
    for topic in ("psea", "gbv", "Call me now on +1 555 0100 or wire 500 USD"):
        assert "one request a month" in press_payload(chat, HC, f"peers:in:{action}:{topic}")
    assert [(row.topic, row.action_id) for row in introductions(chat)] == [("aap", int(action))]
    # An action imported without topics (Nordia's, read as PSEA from its title) takes its own topic,
    # never the payload's words.
    chat.say("/peers psea")
    nordia = next(button.payload for button in chat.session.buttons if "Nordia" in button.label)
    forged = nordia.rsplit(":", 1)[0] + ":Call me now on +1 555 0100"
    pressed = press_payload(chat, HC, forged)
    assert "I asked the HC in Nordia (fictional)" in pressed
    assert "+1 555" not in pressed
    assert all("+1 555" not in str(row.payload) for row in outbox_rows(chat, "introduction"))
    assert [row.topic for row in introductions(chat)] == ["aap", "psea"]


def test_the_limit_counts_a_pair_whoever_asked_whom(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    set_level(chat, "sahelia", Sharing.PEERS)
    chat.as_person(OTHER_HC)
    chat.as_person(HC)
    chat.say("/peers aap")
    assert "I asked" in chat.say("Put me in touch: Levantia (fictional)")
    # Omar, asked by Amina about AAP, asks her about AAP in turn: her request is the one to answer.
    chat.as_person(OTHER_HC)
    chat.say("/peers aap")
    back = chat.say("Put me in touch: Sahelia (fictional)")
    assert "The HC in Sahelia (fictional) asked to talk with you about" in back
    assert "accept their request" in back
    assert len(introductions(chat)) == 1
    chat.say("/langue fr")
    chat.say("/pairs aap")
    [label] = [button.label for button in chat.session.buttons if "Sahelia" in button.label]
    assert "Le CH de Sahelia (fictional) vous a proposé d'échanger" in chat.say(label)


def test_two_presses_at_once_make_one_request(peers_chat: Chat) -> None:
    import asyncio

    from handlers.messages import Incoming

    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    set_level(chat, "sahelia", Sharing.PEERS)
    chat.as_person(OTHER_HC)
    chat.as_person(HC)
    chat.say("/peers aap")
    [touch] = [button.payload for button in chat.session.buttons if button.payload.startswith("peers:in:")]
    chat.as_person(OTHER_HC)
    chat.say("/peers aap")
    [back] = [button.payload for button in chat.session.buttons if button.payload.startswith("peers:in:")]

    async def at_once() -> None:
        # The router itself, not the live path: that one takes one person's presses in turn.
        router = chat.app.router
        await asyncio.gather(router.handle(Incoming("console", HC, HC, button=touch)),
                             router.handle(Incoming("console", HC, HC, button=touch)),
                             router.handle(Incoming("console", OTHER_HC, OTHER_HC, button=back)))
    chat.run(at_once())
    assert len(introductions(chat)) == 1
    assert len(outbox_rows(chat, "introduction")) == 1


def test_an_action_no_longer_shared_cannot_be_asked_about(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(OTHER_HC)
    chat.as_person(HC)
    chat.say("/peers aap")
    offered = chat.session.buttons
    set_level(chat, "levantia", Sharing.NONE)
    assert "no longer shared with you" in press(chat, offered, "Put me in touch: Levantia (fictional)")
    assert introductions(chat) == []


# --- Sharing levels: who sets them -------------------------------------------------------------------


def test_the_hc_or_the_secretariat_sets_the_level_and_others_are_told_who_can(peers_chat: Chat) -> None:
    chat = peers_chat
    chat.as_person(MEMBER)
    assert "shares its plan at level: none" in chat.say("/share")
    assert "Only your HC or the P2P secretariat" in chat.say("/share all")
    chat.as_person(HC)
    shown = chat.say("/partage pairs")
    assert "partage désormais son plan au niveau pairs" in shown
    assert "\u00a0:" in chat.say("/partage")  # French typography
    assert "Say the level" in chat.say("/share maybe")
    chat.as_person(SECRETARIAT)
    overview = chat.say("/share")
    assert "sahelia (Sahelia (fictional)) · peers" in overview
    assert "levantia (Levantia (fictional)) · none" in overview
    assert "now shares its plan at level all" in chat.say("/share levantia all")
    assert "No operation has the code" in chat.say("/share atlantis all")
    chat.session.user_id = "stranger"
    assert chat.say("/share").startswith("Only registered people")


def test_the_import_sets_the_level_and_a_file_without_it_keeps_it(chat: Chat, tmp_path: Path) -> None:
    shared = (EXAMPLES / "operations.yaml").read_text(encoding="utf-8").replace(
        "    timezone: Asia/Amman\n", "    timezone: Asia/Amman\n    sharing: all\n")
    path = tmp_path / "shared.yaml"
    path.write_text(shared, encoding="utf-8")
    chat.load(path)

    def levels() -> dict[str, Sharing]:
        async def read() -> dict[str, Sharing]:
            async with chat.database.transaction() as session:
                return {row.code: row.sharing for row in (await session.execute(select(Operation))).scalars()}
        return chat.run(read())

    assert levels() == {"sahelia": Sharing.NONE, "levantia": Sharing.ALL}
    chat.load(EXAMPLES / "operations.yaml")
    assert levels() == {"sahelia": Sharing.NONE, "levantia": Sharing.ALL}


def test_a_wrong_level_in_the_import_names_file_line_and_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    text = (EXAMPLES / "operations.yaml").read_text(encoding="utf-8").replace(
        "    timezone: Asia/Amman\n", "    timezone: Asia/Amman\n    sharing: friends\n")
    path = tmp_path / "wrong.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    sharing: friends") + 1
    monkeypatch.setenv("HCBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'wrong.sqlite3'}")
    assert main(["admin", "import", str(path)]) == 2
    error = capsys.readouterr().err
    assert f"{path}:{line}: operations[1].sharing: 'friends' is not one of: none, peers, all" in error
    assert "Traceback" not in error


# --- From practice to learning -----------------------------------------------------------------------


def test_a_done_action_with_a_shared_note_is_offered_to_the_secretariat_and_drafted(
        peers_chat: Chat, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    chat = peers_chat
    set_level(chat, "levantia", Sharing.PEERS)
    chat.as_person(SECRETARIAT)  # a chat for the offer to go to
    chat.as_person(OTHER_HC)
    chat.say(f'/update 1 on track "{PRIVATE}"')
    chat.say("Keep private")
    assert outbox_rows(chat, "learning") == []  # not done yet, and that note stays private
    done_with_shared_note(chat)
    [offer] = outbox_rows(chat, "learning")
    text = reply_from_json(offer.payload).plain_text
    assert "Turn this into a practical note?" in text
    assert f"Levantia (fictional), plan levantia-2026, action 1: {LEVANTIA_ACTION}" in text
    assert "Plan adopted 12 Mar 2026; marked done 23 Nov 2026." in text
    assert f"“{NOTE}”" in text
    assert PRIVATE not in text
    assert "hcbot kb draft levantia-2026:1" in text
    delivered = deliver(chat)
    assert "Turn this into a practical note?" in delivered

    monkeypatch.setenv("HCBOT_DATABASE_URL", chat.database.url)
    folder = tmp_path / "drafts"
    folder.mkdir()
    assert main(["kb", "draft", "levantia-2026:1", "--out", str(folder)], clock=chat.clock) == 0
    [written] = folder.glob("*.md")
    draft = written.read_text(encoding="utf-8")
    assert "type: practical-note" in draft
    assert "topics: [aap]" in draft
    assert "year: 2026" in draft
    assert f"> {NOTE}" in draft
    assert PRIVATE not in draft
    assert f'title: "Levantia (fictional): {LEVANTIA_ACTION}"' in draft
    capsys.readouterr()
    # Not until the secretariat names the source.
    assert main(["kb", "validate", str(folder)], clock=chat.clock) == 2
    assert "source: missing" in capsys.readouterr().err
    written.write_text(draft.replace("# source: ", "source: "), encoding="utf-8")
    assert main(["kb", "validate", str(folder)], clock=chat.clock) == 0
    assert "1 learning products, no problems" in capsys.readouterr().out
    # A second draft does not overwrite the one being edited.
    assert main(["kb", "draft", "levantia-2026:1", "--out", str(folder)], clock=chat.clock) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["kb", "draft", "levantia-2026", "--out", str(folder)], clock=chat.clock) == 2
    assert "is not an action" in capsys.readouterr().err
    assert main(["kb", "draft", "levantia-2026:9", "--out", str(folder)], clock=chat.clock) == 2
    assert "no action 9" in capsys.readouterr().err


# --- An answer with its peers part still fits a phone ---------------------------------------------------

LONG_TITLE = ("Set up and fund an inter-agency arrangement with a full-time coordinator, common procedures, "
              "a community-based complaints channel and quarterly reporting to the HCT")


def crowded_operations() -> str:
    """Three more operations sharing with everyone, each with a long-titled action on every topic the
    long questions ask about."""
    topics = ["psea", "protection", "scale-up", "cash", "aap", "access"]
    lines = ["operations:"]
    for number, name in enumerate(["Nordia", "Ostria", "Westmark"], 1):
        lines += [f"  - code: op{number}", f"    name: {name} response", f"    country: {name} (fictional)",
                  "    timezone: UTC", "    sharing: all", "    missions:", "      - kind: opr",
                  "        starts_on: 2026-01-05", "        ends_on: 2026-01-16", "        plan:",
                  f"          code: op{number}-2026", f"          title: {name} plan",
                  "          adopted_on: 2026-01-16",
                  "          actions:"]
        for position, topic in enumerate(topics, 1):
            lines += [f"            - number: {position}", f"              title: {LONG_TITLE} ({topic})",
                      f"              topics: [{topic}]"]
    return "\n".join(lines) + "\n"


def test_an_answer_with_other_operations_still_fits_a_phone_on_telegram(peers_chat: Chat, tmp_path: Path) -> None:
    from bot.telegram.render import render_html
    from handlers.messages import Incoming
    from tests.test_answers import LONG_QUESTIONS

    chat = peers_chat
    crowded = tmp_path / "crowded.yaml"
    crowded.write_text(crowded_operations(), encoding="utf-8")
    chat.load(crowded)
    chat.as_person(HC, platform="telegram", user_id="5001")
    for question in LONG_QUESTIONS:
        replies = chat.run(chat.app.router.handle(Incoming("telegram", "5001", "5001", question)))
        assert len(replies) == 1, question
        text = replies[0].plain_text
        assert HEADING in text or "Opérations qui y travaillent" in text, text
        # Up to three operations, one line each; fewer, with shorter titles, when the library says much.
        lines = text.replace("\xa0", " ").replace(" : ", ": ").count("(fictional): Set up and fund")
        assert 1 <= lines <= 3, text
        length = sum(len(part) for part in render_html(replies[0]))
        assert length <= 1200, (length, text)


def test_the_share_question_comes_inside_a_check_in_and_the_walk_goes_on(peers_chat: Chat) -> None:
    chat = peers_chat
    set_level(chat, "sahelia", Sharing.PEERS)
    chat.as_person(HC)
    assert "action 1 of 4" in chat.say("/checkin")
    chat.say("on track")
    after_note = chat.say("The strategy draft is with the HCT")
    # The next action's question first, then the share question last, its buttons at hand.
    assert after_note.index("action 2 of 4") < after_note.index("Share your note on action 1 with peers")
    offered = chat.session.buttons
    assert "Done" in chat.say("done")  # the walk goes on: action 2's status, a note asked next
    chat.say("no")
    assert "Shared" in press(chat, offered, "Share it")
    chat.as_person(OTHER_HC)
    assert "“The strategy draft is with the HCT”" in chat.say("/peers protection")


def channel_rows(chat: Chat) -> list[tuple[str, str]]:
    """Every reply the live path wrote, with the chat it goes to."""
    async def read() -> list[tuple[str, str]]:
        async with chat.database.transaction() as session:
            rows = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "reply")
                                          .order_by(OutboxMessage.id))).scalars()
            return [(str(row.chat_id), reply_from_json(row.payload).plain_text) for row in rows]
    return chat.run(read())


@pytest.mark.parametrize(("email", "user", "level"),
                         [(HC, "U0HC", Sharing.PEERS), (SECRETARIAT, "U0SEC", Sharing.NONE)])
def test_nothing_of_another_operation_is_posted_in_a_channel_whatever_the_path(
        peers_chat: Chat, email: str, user: str, level: Sharing) -> None:
    from handlers.messages import Incoming

    chat = peers_chat
    set_level(chat, "levantia", level)
    chat.as_person(OTHER_HC)
    chat.as_person(email, platform="slack", user_id=user)
    # The same person, privately, does see Levantia: what follows is about where, not who.
    private = chat.run(chat.app.live.answer(Incoming("slack", user, "D0" + user, QUESTION)))
    assert LEVANTIA_SHORT in private[0].plain_text
    said = [QUESTION, "/ask common complaint mechanism", "/peers aap", "/pairs aap", "/more",
            "how did others set up a feedback mechanism?"]
    for number, text in enumerate(said):
        chat.run(chat.app.live.answer(Incoming("slack", user, "C0TEAM", text, shared=True, thread=f"t{number}")))
    touch = [button.payload for button in reply_from_json(_last_private_payload(chat, user)).buttons
             if button.payload.startswith("peers:in:")]
    assert touch, "the private /peers offers Put me in touch"
    chat.run(chat.app.live.answer(Incoming("slack", user, "C0TEAM", button=touch[0], shared=True)))
    rows = channel_rows(chat)
    in_channel = [text for chat_id, text in rows if chat_id == "C0TEAM"]
    assert len(in_channel) == 4  # the three questions and /more, answered from the library in their threads
    for text in in_channel:
        assert HEADING not in text, text
        assert "Levantia" not in text, text
    # /peers and the button were answered in the person's private chat, where they belong.
    privately = "\n".join(text for chat_id, text in rows if chat_id == user)
    assert "Other operations with an action on" in privately
    assert "I asked the HC in Levantia (fictional)" in privately
    assert [row.chat_id for row in outbox_rows(chat, "introduction")] == [None]


def _last_private_payload(chat: Chat, user: str) -> dict[str, object]:
    async def read() -> dict[str, object]:
        async with chat.database.transaction() as session:
            row = (await session.execute(select(OutboxMessage).where(OutboxMessage.chat_id == user)
                                         .order_by(OutboxMessage.id.desc()).limit(1))).scalar_one()
            return dict(row.payload)
    return chat.run(read())


UNTAGGED = """operations:
  - code: nordia
    name: Nordia response
    country: Nordia (fictional)
    timezone: UTC
    sharing: all
    missions:
      - kind: p2p
        starts_on: 2026-02-02
        ends_on: 2026-02-13
        plan:
          code: nordia-2026
          title: Nordia plan
          adopted_on: 2026-02-13
          actions:
            - number: 1
              title: Recruit a full-time PSEA coordinator and relaunch the network
"""


NORDIA_HC = """people:
  - email: nils.hc@nordia.invalid
    name: Nils Example
    role: hc
    language: en
    operation: nordia
"""


def test_an_action_imported_without_topics_is_found_by_the_words_of_its_title(peers_chat: Chat,
                                                                               tmp_path: Path) -> None:
    chat = peers_chat
    untagged = tmp_path / "untagged.yaml"
    untagged.write_text(UNTAGGED, encoding="utf-8")
    chat.load(untagged)
    chat.as_person(HC)
    assert "Nordia (fictional): Recruit a full-time PSEA coordinator" in chat.say("/peers psea")
    assert "Nordia" not in chat.say("/peers cash")
    assert "Nordia (fictional): Recruit a full-time PSEA" in chat.say("how did others fund a PSEA coordinator?")
