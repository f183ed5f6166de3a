"""Broadcasts managed from the chat: /broadcast list, status N, cancel N (in English and French, as on
the command line); the preview's audience and time changed without typing the texts again; an
audience that reaches nobody says why and offers no Send; a webinar given as short questions; the
.ics stamped and identified; "Remind me" and the reminder an hour before the start."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import select

from bot.console import ConsoleSession
from handlers.broadcasts import sending, webinar
from handlers.delivery import Deliverer, RateLimits, Recipient
from handlers.errors import BadInput
from handlers.i18n import NBSP, NNBSP
from handlers.live import LivePath
from handlers.messages import Button, Reply, reply_from_json
from handlers.nudges.reconcile import reconcile
from handlers.router import Router
from storage import outbox
from storage import repositories as repo
from storage.models import Broadcast, BroadcastStatus, BroadcastStep, OutboxMessage, OutboxStatus
from tests.conftest import EXAMPLES, START, Chat

HC, MEMBER, OTHER_HC, SECRETARIAT = ("amina.hc@sahelia.invalid", "jules.unicef@sahelia.invalid",
                                     "omar.hc@levantia.invalid", "secretariat@p2p.invalid")
WEBINAR_START = datetime(2026, 12, 3, 13, tzinfo=UTC)  # 14:00 in Zurich, 14:00 in Niamey


def link(chat: Chat, email: str) -> None:
    async def run() -> None:
        async with chat.database.transaction() as session:
            person = await repo.person_by_email(session, email)
            assert person is not None
            await repo.link_identity(session, person, "telegram", email, f"chat-{email}")
    chat.run(run())


@pytest.fixture
def desk(chat: Chat) -> Chat:
    """The example operations, three people linked, talking as the secretariat (Europe/Zurich)."""
    chat.load(EXAMPLES / "operations.yaml")
    for email in (HC, MEMBER, SECRETARIAT):
        link(chat, email)
    talk_as(chat, SECRETARIAT)
    return chat


def talk_as(chat: Chat, email: str) -> None:
    chat.session = ConsoleSession(chat.connect(), email)
    chat.session.platform = "telegram"


def rows(chat: Chat, kind: str = "broadcast") -> list[OutboxMessage]:
    async def run() -> list[OutboxMessage]:
        async with chat.database.transaction() as session:
            return list((await session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                               .order_by(OutboxMessage.id))).scalars())
    return chat.run(run())


def broadcast(chat: Chat, number: int) -> Broadcast:
    async def run() -> Broadcast:
        async with chat.database.transaction() as session:
            found = await session.get(Broadcast, number)
            assert found is not None
            return found
    return chat.run(run())


def open_draft(chat: Chat) -> Broadcast | None:
    async def run() -> Broadcast | None:
        async with chat.database.transaction() as session:
            return (await session.execute(select(Broadcast).where(Broadcast.status == BroadcastStatus.DRAFT))
                    ).scalars().first()
    return chat.run(run())


def labels(chat: Chat) -> list[str]:
    return [button.label for button in chat.session.buttons]


@dataclass
class Taking:
    """A platform that takes every message."""

    platform: str = "telegram"
    limits: RateLimits = field(default_factory=RateLimits)
    sent: list[tuple[str, Reply]] = field(default_factory=list)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        self.sent.append((recipient.chat_id, reply))


def deliver(chat: Chat, moment: datetime) -> Taking:
    platform = Taking()
    chat.run(Deliverer(chat.database, [platform], now=lambda: moment).deliver())
    return platform


def compose(chat: Chat, text: str, audience: str = "Everyone") -> str:
    chat.say("/broadcast")
    reply = chat.say(text)
    if "French text" in reply:
        chat.say("skip")
    return chat.say(audience)


def test_list_status_and_cancel_work_in_the_chat_and_never_touch_the_notice_in_progress(desk: Chat) -> None:
    compose(desk, "New practical note on AAP is out.")
    assert "on its way to 3 people" in desk.say("Send now")
    compose(desk, "Webinar next month", "HCs")
    assert "scheduled for 1 Dec 2026, 09:00 CET" in desk.say("at 2026-12-01 09:00")
    desk.say("/broadcast")
    assert "Now the French text" in desk.say("A third notice, being written")

    listed = desk.say("/broadcast list")
    assert "Broadcasts, newest first:" in listed
    assert "#3 your draft, in progress · A third notice, being written" in listed
    assert "#2 scheduled for 1 Dec 2026, 09:00 CET · Webinar next month" in listed
    assert "#1 released 23 Nov 2026, 10:00 CET · 0 of 3 sent · New practical note on AAP is out." in listed
    assert desk.say("/broadcast lsit") == listed  # a slip of the thumb
    assert "Broadcast 2: scheduled for 1 Dec 2026, 09:00 CET" in desk.say("/broadcast status 2")

    # /broadcast cancel 2 cancels broadcast 2, not the notice being written (it used to continue it).
    assert desk.say("/broadcast cancel 2") == "Broadcast 2 is cancelled: it had not gone out, nothing was sent."
    assert broadcast(desk, 2).status is BroadcastStatus.CANCELLED
    assert desk.say("/broadcast cancel #2") == "Broadcast 2 was already cancelled."
    draft = open_draft(desk)
    assert draft is not None
    assert draft.id == 3
    assert draft.step is BroadcastStep.FRENCH
    assert "Who should get it?" in desk.say("skip")  # the draft goes on where it was

    assert desk.say("/broadcast status 999") == "There is no broadcast 999: /broadcast list shows them."
    assert desk.say("/broadcast cancel abc") == (
        "abc is not a broadcast number: type for example /broadcast cancel 3 (/broadcast list shows them).")
    assert desk.say("/broadcast cancel 99999999999").startswith("99999999999 is not a broadcast number")

    # Broadcast 1 goes out to everyone: cancelling it withdraws nothing, and says so.
    platform = deliver(desk, START + timedelta(minutes=1))
    assert len(platform.sent) == 3
    assert desk.say("/broadcast cancel 1") == (
        "Broadcast 1 had already gone out in full: there was nothing left to withdraw.")
    assert broadcast(desk, 1).status is BroadcastStatus.RELEASED  # it did reach them
    status = desk.say("/broadcast status 1")
    assert "Sent: 3 of 3." in status
    assert "Left out: 1 without a linked chat." in status


def test_cancel_withdraws_what_has_not_gone_out_and_counts_what_had(desk: Chat) -> None:
    compose(desk, "Hello all")
    desk.say("Send now")
    queued = rows(desk)
    # One message went out; the other two are withdrawn.
    async def send_one() -> None:
        async with desk.database.transaction() as session:
            row = await session.get(OutboxMessage, queued[0].id)
            assert row is not None
            row.status, row.sent_at = OutboxStatus.SENT, START
    desk.run(send_one())
    assert desk.say("/broadcast cancel 1") == (
        "Broadcast 1 is stopped: 2 messages not yet sent are withdrawn. 1 had already gone out.")
    assert "Left out: 1 without a linked chat, 2 withdrawn." in desk.say("/broadcast status 1")


def test_the_desk_in_french(desk: Chat) -> None:
    compose(desk, "Hello all")
    desk.say("Send now")
    listed = desk.say("/annonce liste")
    assert "Annonces, les plus récentes d'abord" in listed
    assert "#1 envoyée le 23 nov. 2026, 10:00 CET · 0 envoyé sur 3 · Hello all" in listed
    status = desk.say("/annonce statut 1")
    assert "Annonce 1\u00a0: envoyée le 23 nov. 2026" in status
    assert "Public\u00a0: tout le monde." in status
    assert "Envoyé\u00a0: 0 sur 3." in status
    assert "En file\u00a0: 3." in status
    assert "Écartées\u00a0: 1 sans messagerie liée." in status
    assert desk.say("/annonce statut abc").startswith("abc n'est pas un numéro d'annonce\u00a0: tapez par exemple "
                                                      "/annonce statut 3")
    assert desk.say("/annonce annuler 1") == (
        "L'annonce 1 est arrêtée\u00a0: 3 messages pas encore envoyés sont retirés.")
    assert desk.say("/annonce anuler 1") == "L'annonce 1 était déjà annulée."
    assert desk.say("/annonce statut 7") == "Il n'y a pas d'annonce 7\u00a0: /annonce liste les montre."


def test_only_the_secretariat_may_list_follow_or_cancel_and_it_is_told_why(desk: Chat) -> None:
    compose(desk, "Hello all")
    desk.say("Send now")
    talk_as(desk, HC)
    why = "Broadcasts are the P2P secretariat's notices, so only the secretariat can list, follow or cancel them."
    assert desk.say("/broadcast list") == why
    assert desk.say("/broadcast status 1") == why
    assert desk.say("/broadcast cancel 1") == why
    assert broadcast(desk, 1).status is BroadcastStatus.RELEASED
    talk_as(desk, MEMBER)
    assert desk.say("/annonce liste").startswith("Les annonces sont celles du secrétariat P2P")


def test_a_notice_that_starts_like_a_sub_command_is_still_a_notice(desk: Chat) -> None:
    assert "Now the French text" in desk.say("/broadcast Status of the PSEA networks: a new report")
    draft = open_draft(desk)
    assert draft is not None
    assert draft.text_en == "Status of the PSEA networks: a new report"


def test_the_preview_changes_audience_and_time_without_the_texts_being_typed_again(desk: Chat) -> None:
    desk.say("/broadcast")
    desk.say("Join us on AAP.\n---fr---\nRejoignez-nous sur la redevabilité.")
    preview = desk.say("HCs")
    assert "Audience role=hc: 1 person will get it." in preview
    assert "Left out: 1 without a linked chat." in preview  # Omar, in Levantia
    assert "Goes now" in preview
    assert labels(desk) == ["Send now", "Audience", "Time", "Cancel"]

    assert "Who should get it?" in desk.say("audiance")  # typed, with a slip
    assert "Now: role=hc." in desk.say("/broadcast")  # resumed at the same question
    french = desk.say("French speakers")
    assert "Preview (as a French speaker sees it):" in french  # a French audience sees the French text
    assert "Rejoignez-nous sur la redevabilité." in french
    assert "Join us on AAP." not in french

    assert "When should it go? A date and a time, yours (Europe/Zurich)" in desk.say("Time")
    assert "cannot read" in desk.say("tomorrow morning")
    assert desk.say("2026-02-30 09:00") == "2026-02-30 is not a date: February 2026 has 28 days."
    later = desk.say("2026-11-25 10:00")
    assert "Goes 25 Nov 2026, 10:00 CET (your time)" in later
    assert labels(desk) == ["Schedule", "Audience", "Time", "Cancel"]
    desk.say("heure")  # the French word works too
    assert "Goes now" in desk.say("now")  # and back to now
    desk.say("time")
    desk.say("2026-11-25 10:00")
    assert "Broadcast 1 is scheduled for 25 Nov 2026, 10:00 CET" in desk.say("Schedule")
    scheduled = broadcast(desk, 1)
    assert (scheduled.text_en, scheduled.text_fr) == ("Join us on AAP.", "Rejoignez-nous sur la redevabilité.")
    assert scheduled.audience == {"language": ["fr"]}
    assert scheduled.send_at == datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_an_audience_that_reaches_nobody_says_why_and_offers_no_send(desk: Chat) -> None:
    compose(desk, "Hello Sahelia")
    preview = desk.say("audience")
    preview = desk.say("role=hc,country=Sahelia")
    assert 'No country "Sahelia": did you mean "Sahelia (fictional)"?' in preview
    assert "Nobody would get it, so there is nothing to send: change the audience." in preview
    assert labels(desk) == ["Audience", "Cancel"]
    desk.say("send")  # typed all the same: nothing goes
    assert rows(desk) == []
    assert ('No country "Atlantis"; the countries are: Levantia (fictional), Sahelia (fictional).'
            in change_audience(desk, "country=Atlantis"))
    assert 'No operation "Sahelia": did you mean "sahelia"?' in change_audience(desk, "operation=Sahelia")
    assert "Nobody follows Cash and voucher assistance yet." in change_audience(desk, "topic=cash")
    assert ("Each part matches someone, but nobody matches all of role=hc, language=fr at once."
            in change_audience(desk, "role=hc,language=fr"))
    # Omar, the HC in Levantia, has no linked chat: matched, but left out.
    assert ("The 1 person it matches is left out: 1 without a linked chat."
            in change_audience(desk, "operation=levantia"))
    assert "Send now" not in labels(desk)
    found = change_audience(desk, "role=hc,country=Sahelia (fictional)")
    assert "1 person will get it" in found
    assert labels(desk)[0] == "Send now"
    assert "on its way to 1 person" in desk.say("Send now")


def change_audience(chat: Chat, audience: str) -> str:
    assert "Who should get it?" in chat.say("audience")
    return chat.say(audience)


def test_the_french_say_why_in_french(desk: Chat) -> None:
    desk.say("/annonce")
    desk.say("Bonjour")
    desk.say("passer")
    assert (f"Aucun pays «{NBSP}Sahelia{NBSP}»{NBSP}: vouliez-vous dire «{NBSP}Sahelia (fictional){NBSP}»{NNBSP}?"
            in desk.say("country=Sahelia"))
    assert "Personne ne la recevrait" in desk.say("envoyer")


def test_a_webinar_given_as_short_questions_survives_a_restart_and_reads_like_front_matter(desk: Chat) -> None:
    assert labels(desk) == []
    assert "press Webinar first" in desk.say("/broadcast")
    assert desk.say("Webinar") == "The webinar's title?"
    assert desk.say("ab") == "A title needs 3 to 200 characters."
    assert "When does it start?" in desk.say("PSEA: from outrage to action")
    assert desk.say("2026-13-03 14:00") == "2026-13-03 is not a date: there is no month 13."
    assert desk.say("2026-12-03 14:00 Europe/Zurch") == 'Unknown timezone "Europe/Zurch": did you mean Europe/Zurich?'
    assert desk.say("2026-12-03 14:00 Mars/Olympus").startswith('Unknown timezone "Mars/Olympus": use a name')
    assert desk.say("2026-11-01 14:00") == "That start is already past: give a date to come."
    assert desk.say("next tuesday").startswith('I cannot read "next tuesday" as a start')
    assert "How long, in minutes?" in desk.say("2026-12-03 14:00 Europe/Zurich")

    restarted = Router(desk.app.router.context)  # a new process: only the database carries over
    desk.session = ConsoleSession(LivePath(restarted, desk.app.deliverer), SECRETARIAT)
    desk.session.platform = "telegram"
    assert "How long, in minutes?" in desk.say("/broadcast")
    assert desk.say("5") == "A duration is minutes between 10 and 600, such as 90 or 1h30."
    assert "The link to join" in desk.say("1h30")
    assert desk.say("ftp://example.org/x") == "That is not a web link: it should look like https://example.org/webinar."
    noted = desk.say("https://example.org/psea-webinar")
    assert noted.startswith("Webinar noted: PSEA: from outrage to action, 3 Dec 2026, 14:00 CET, 90 min.")
    assert "Now the notice in English" in noted
    desk.say("Join two serving HCs on PSEA networks.\n---fr---\nRejoignez deux CH en poste sur les réseaux PEAS.")
    preview = desk.say("Everyone")
    assert "Webinar: PSEA: from outrage to action" in preview
    assert "14:00 CET (Europe/Zurich), 90 min" in preview

    from_file = sending.parse_notice("---\nwebinar:\n  title: \"PSEA: from outrage to action\"\n"
                                     "  start: 2026-12-03 14:00\n  timezone: Europe/Zurich\n  duration_minutes: 90\n"
                                     "  link: https://example.org/psea-webinar\n---\nText\n")
    draft = open_draft(desk)
    assert draft is not None
    assert draft.webinar == from_file.webinar
    assert "on its way to 3 people" in desk.say("Send now")
    payloads = {row.person_id: reply_from_json(row.payload) for row in rows(desk)}
    assert all(reply.attachment is not None for reply in payloads.values())


def test_a_french_composer_gets_the_questions_and_their_errors_in_french(desk: Chat) -> None:
    desk.say("/annonce webinaire")
    assert "Quand commence-t-il" in desk.say("Cash en milieu urbain")
    assert desk.say("2026-02-30 14h") == "2026-02-30 n'est pas une date\u00a0: février 2026 compte 28 jours."
    assert "Combien de temps" in desk.say("2026-12-03 14h Europe/Zurich")


def test_the_webinar_readers_take_what_a_phone_types() -> None:
    now = START
    assert webinar.read_moment("2026-12-03 à 14h30 Zurich", "UTC", now, "en") == (
        datetime(2026, 12, 3, 13, 30, tzinfo=UTC), "Europe/Zurich")
    assert webinar.read_moment("2026-12-03T14:00+01:00", "UTC", now, "en")[0] == WEBINAR_START
    assert webinar.read_duration("2 heures") == 120
    assert webinar.read_link("zoom.us/j/123") == "https://zoom.us/j/123"
    assert webinar.read_link("<https://example.org/w>") == "https://example.org/w"  # as Slack wraps it
    with pytest.raises(BadInput):
        webinar.read_moment("2026-12-03 25:00", "UTC", now, "en")


def test_the_ics_is_stamped_when_made_and_its_uid_is_the_broadcasts_own(desk: Chat) -> None:
    desk.say("/broadcast")
    desk.say("webinar")
    for answer in ("PSEA: from outrage to action", "2026-12-03 14:00 Europe/Zurich", "90", "skip"):
        desk.say(answer)
    desk.say("Join us.")
    desk.say("skip")
    desk.say("Everyone")
    desk.say("Send now")
    attachments = [reply_from_json(row.payload).attachment for row in rows(desk)]
    events = [icalendar.Calendar.from_ical(attached.content).walk("VEVENT")[0]
              for attached in attachments if attached is not None]
    assert len(events) == 3
    assert {event.decoded("dtstamp") for event in events} == {START}  # when it was made, in UTC
    assert "DTSTAMP:20261123T090000Z" in events[0].to_ical().decode()
    assert {event.decoded("dtstart") for event in events} == {WEBINAR_START}
    uids = {str(event["uid"]) for event in events}
    released = broadcast(desk, 1)
    assert uids == {sending.calendar_uid(1, released.created_at)}  # one event, whoever adds it
    assert sending.calendar_uid(1, released.created_at) == sending.calendar_uid(1, released.created_at)
    # Another database's broadcast 1 (another time) is another event.
    assert sending.calendar_uid(1, released.created_at + timedelta(days=3)) not in uids
    later = sending.render(1, sending.notice_of(released), "en", "UTC", now=START + timedelta(days=1),
                           uid=sending.calendar_uid(1, released.created_at))
    assert later.attachment is not None
    again = icalendar.Calendar.from_ical(later.attachment.content).walk("VEVENT")[0]
    assert str(again["uid"]) in uids
    assert again.decoded("dtstamp") == START + timedelta(days=1)


def send_webinar(chat: Chat) -> None:
    chat.say("/broadcast webinar")
    for answer in ("PSEA: from outrage to action", "2026-12-03 14:00 Europe/Zurich", "60",
                   "https://example.org/psea-webinar", "Join us.", "skip", "Everyone", "Send now"):
        chat.say(answer)


def press_remind(chat: Chat, number: int = 1) -> str:
    chat.session.buttons = (Button("Remind me 1 h before", f"bc:{number}:remind"),)
    return chat.say("Remind me 1 h before")


def tick(chat: Chat, moment: datetime) -> int:
    async def run() -> int:
        async with chat.database.transaction() as session:
            return (await reconcile(session, moment)).webinar_reminders
    return chat.run(run())


def test_remind_me_sends_one_reminder_an_hour_before_the_start(desk: Chat) -> None:
    send_webinar(desk)
    assert len(deliver(desk, START + timedelta(minutes=1)).sent) == 3  # the notices go out
    notice = reply_from_json(rows(desk)[0].payload)
    assert [button.payload for button in notice.buttons] == ["bc:1:remind"]
    talk_as(desk, HC)  # Niamey: 14:00 WAT
    assert press_remind(desk) == "I will remind you on 3 Dec 2026 at 13:00 WAT, an hour before it starts."
    assert press_remind(desk) == "Already noted: I will remind you on 3 Dec 2026 at 13:00 WAT."
    talk_as(desk, MEMBER)
    assert press_remind(desk) == ("Je vous le rappellerai le 3 déc. 2026 à 13:00 WAT, une heure avant le début.")

    # The HC was told something else ten minutes before: the reminder does not wait an hour for it.
    async def nudge() -> None:
        async with desk.database.transaction() as session:
            person = await repo.person_by_email(session, HC)
            assert person is not None
            await outbox.enqueue(session, dedupe_key="nudge:test", kind="nudge", person_id=person.id,
                                 payload={"lines": [[{"text": "nudge"}]], "buttons": []},
                                 due_at=WEBINAR_START - timedelta(minutes=70), now=START)
    desk.run(nudge())
    assert [reply.plain_text for _, reply in deliver(desk, WEBINAR_START - timedelta(minutes=70)).sent] == ["nudge"]

    assert tick(desk, WEBINAR_START - timedelta(minutes=61)) == 0
    assert tick(desk, WEBINAR_START - timedelta(minutes=60)) == 2
    assert tick(desk, WEBINAR_START - timedelta(minutes=59)) == 0  # again: nothing more
    reminders = rows(desk, "webinar_reminder")
    assert len(reminders) == 2
    texts = {row.dedupe_key: reply_from_json(row.payload).plain_text for row in reminders}
    hc_key = next(key for key in texts if key.startswith("webinar-reminder:1:") and "Starts in" in texts[key])
    assert texts[hc_key] == ("Reminder: PSEA: from outrage to action\nStarts in 60 minutes, at 14:00 WAT "
                             "(Africa/Niamey).\nJoin")
    assert any("Commence dans 60 minutes, à 14:00 WAT (Africa/Niamey)" in text for text in texts.values())
    sent = deliver(desk, WEBINAR_START - timedelta(minutes=60))  # with whatever else is due that morning
    firsts = [reply.plain_text.split("\n")[0] for _, reply in sent.sent]
    assert sorted(first for first in firsts if first.startswith(("Reminder", "Rappel"))) == [
        "Rappel\u00a0: PSEA: from outrage to action", "Reminder: PSEA: from outrage to action"]


def test_no_reminder_for_a_withdrawn_notice_or_a_webinar_about_to_start(desk: Chat) -> None:
    send_webinar(desk)
    talk_as(desk, HC)
    desk.clock.advance_to(WEBINAR_START - timedelta(minutes=20))
    soon = press_remind(desk)
    assert soon.startswith("It starts in 20 minutes, at 14:00 WAT (Africa/Niamey): no reminder needed.")
    assert "Join <https://example.org/psea-webinar>" in soon
    desk.clock.advance_to(START)
    assert "I will remind you" in press_remind(desk)
    talk_as(desk, SECRETARIAT)
    desk.say("/broadcast cancel 1")
    assert tick(desk, WEBINAR_START - timedelta(minutes=60)) == 0
    talk_as(desk, OTHER_HC)
    link(desk, OTHER_HC)
    talk_as(desk, OTHER_HC)
    assert press_remind(desk) == "That button belongs to a notice I cannot find."  # it never reached Omar


def test_every_step_of_the_conversation_is_accepted_by_the_migrated_database(desk: Chat) -> None:
    desk.say("/broadcast")
    for step in BroadcastStep:
        async def move(step: BroadcastStep = step) -> None:
            async with desk.database.transaction() as session:
                draft = (await session.execute(select(Broadcast))).scalar_one()
                draft.step = step
        desk.run(move())
        assert open_draft(desk) is not None


def test_the_shell_previews_each_language_its_audience_reads_and_says_when_nothing_was_left(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str, typed: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False, input=typed)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    for email in (HC, MEMBER):  # each talks to the bot once: their console chat is linked
        assert hcbot("chat", "--as", email, typed="hello\n").returncode == 0
    notice = tmp_path / "notice.md"
    notice.write_text("Join us on AAP.\n---fr---\nRejoignez-nous sur la redevabilité.\n", encoding="utf-8")
    french = hcbot("broadcast", "send", "--file", str(notice), "--audience", "language=fr", "--yes", "--right-away")
    assert french.returncode == 0, french.stderr
    assert "preview (French, 1 recipient):" in french.stdout
    assert "Rejoignez-nous sur la redevabilité." in french.stdout
    assert "Join us on AAP." not in french.stdout
    both = hcbot("broadcast", "send", "--file", str(notice), "--audience", "operation=sahelia", "--yes")
    assert "preview (English, 1 recipient):" in both.stdout
    assert "preview (French, 1 recipient):" in both.stdout
    nobody = hcbot("broadcast", "send", "--file", str(notice), "--audience", "country=Sahelia", "--yes")
    assert 'hcbot: No country "Sahelia": did you mean "Sahelia (fictional)"?' in nobody.stderr
    assert hcbot("tick").returncode == 0  # broadcast 1 goes out, on the console
    assert hcbot("broadcast", "cancel", "1").stdout.strip() == (
        "Broadcast 1 had already gone out in full: there was nothing left to withdraw.")
    assert "Broadcast 1: released" in hcbot("broadcast", "status", "1").stdout
