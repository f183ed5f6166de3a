"""Broadcasts: only the secretariat sends; each person gets the notice once, in their language and
timezone, unless they opted out; the skipped are counted; the report says where everything went."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import ConsoleSession
from handlers.broadcasts import sending
from handlers.delivery import Deliverer, DeliveryError, RateLimits, Recipient
from handlers.live import LivePath
from handlers.messages import Reply
from handlers.nudges.reconcile import reconcile
from handlers.router import Router
from storage import repositories as repo
from storage.models import Broadcast, ChatIdentity, OutboxMessage
from tests.conftest import EXAMPLES, START, Chat

HC, MEMBER, OTHER_HC, SECRETARIAT = ("amina.hc@sahelia.invalid", "jules.unicef@sahelia.invalid",
                                     "omar.hc@levantia.invalid", "secretariat@p2p.invalid")
NOTICE = """---
webinar:
  title: "PSEA: from outrage to action"
  start: 2026-12-03 14:00
  timezone: Europe/Zurich
  duration_minutes: 90
  link: https://example.org/psea-webinar
  speakers: [A. Example]
  topics: [psea]
---
Join two serving HCs on PSEA networks.
---fr---
Rejoignez deux CH en poste sur les réseaux PEAS.
"""


def link(chat: Chat, email: str, platform: str = "telegram") -> None:
    async def run() -> None:
        async with chat.database.transaction() as session:
            person = await repo.person_by_email(session, email)
            assert person is not None
            await repo.link_identity(session, person, platform, email, f"chat-{email}")
    chat.run(run())


def outbox_rows(chat: Chat) -> list[OutboxMessage]:
    async def run() -> list[OutboxMessage]:
        async with chat.database.transaction() as session:
            found = await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "broadcast")
                                          .order_by(OutboxMessage.person_id))
            return list(found.scalars())
    return chat.run(run())


def email_of(chat: Chat, person_id: int | None) -> str:
    assert person_id is not None  # every broadcast row is for a person

    async def run() -> str:
        async with chat.database.transaction() as session:
            from storage.models import Person
            person = await session.get(Person, person_id)
            assert person is not None
            return person.email
    return chat.run(run())


@pytest.fixture
def operation(chat: Chat) -> Chat:
    chat.load(EXAMPLES / "operations.yaml")
    for email in (HC, MEMBER, SECRETARIAT):
        link(chat, email)
    return chat


def test_only_the_secretariat_may_broadcast_and_refusals_are_logged(operation: Chat,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    operation.session = ConsoleSession(operation.connect(), HC)
    operation.session.platform = "telegram"
    with caplog.at_level(logging.WARNING, logger="handlers.broadcasts.notices"):
        reply = operation.say("/broadcast Hello everyone")
    assert "Only the P2P secretariat" in reply
    assert any("broadcast refused" in record.getMessage() for record in caplog.records)
    assert outbox_rows(operation) == []


def test_a_webinar_notice_reaches_each_person_once_in_their_language_and_zone(operation: Chat) -> None:
    operation.as_person(SECRETARIAT, platform="telegram", user_id=SECRETARIAT)
    assert "Send the notice in English" in operation.say("/broadcast")
    assert "Who should get it?" in operation.say(NOTICE)  # the French came with it: straight to the audience
    preview = operation.say("Everyone")
    assert "3 people will get it" in preview
    assert "1 without a linked chat" in preview
    assert "13:00 CET" in preview or "14:00 CET" in preview
    assert "is on its way to 3 people" in operation.say("Send now")
    status = operation.say("/broadcast status")
    assert "Broadcast 1: released 23 Nov 2026, 10:00 CET" in status  # in the secretariat's own zone
    assert "Audience: everyone." in status
    assert "Sent: 0 of 3." in status
    assert "Queued: 3." in status
    assert "Left out: 1 without a linked chat." in status
    rows = outbox_rows(operation)
    assert sorted(email_of(operation, row.person_id) for row in rows) == sorted([HC, MEMBER, SECRETARIAT])
    by_email = {email_of(operation, row.person_id): row.payload for row in rows}
    french = str(by_email[MEMBER])
    assert "Rejoignez deux CH" in french
    assert "Webinaire" in french
    assert "15:00 WAT" not in french
    assert "14:00 WAT (Africa/Niamey)" in french  # 13:00 UTC is 14:00 in Niamey
    assert "Join two serving HCs" in str(by_email[HC])
    assert "14:00 CET (Europe/Zurich)" in str(by_email[SECRETARIAT])  # the person's own zone
    assert all(row.payload["attachment"]["mime_type"] == "text/calendar" for row in rows)
    async def release_again() -> int:
        async with operation.database.transaction() as session:
            broadcast = (await session.execute(select(Broadcast))).scalar_one()
            return await sending.release(session, broadcast, START + timedelta(minutes=5))
    assert operation.run(release_again()) == 0  # released twice: not one row more
    assert len(outbox_rows(operation)) == 3


def test_the_composing_conversation_survives_a_restart(operation: Chat) -> None:
    operation.as_person(SECRETARIAT, platform="telegram", user_id=SECRETARIAT)
    operation.say("/broadcast")
    assert "Now the French text" in operation.say("New practical note on AAP is out.")
    restarted = Router(operation.app.router.context)  # a new process: only the database carries over
    operation.session = ConsoleSession(LivePath(restarted, operation.app.deliverer), SECRETARIAT)
    operation.session.platform = "telegram"
    assert "Who should get it?" in operation.say("skip")
    assert "2 people will get it" in operation.say("role=hc|hct_member,operation=sahelia")
    assert 'I cannot read "yesterday" as a time' in operation.say("at yesterday")
    assert "already past" in operation.say("at 2026-11-20 09:00")
    # The secretariat's own zone is Europe/Zurich: 09:00 there is 08:00 UTC.
    assert "scheduled for 24 Nov 2026, 09:00 CET" in operation.say("at 2026-11-24 09:00")
    assert outbox_rows(operation) == []

    async def tick(moment: datetime) -> int:
        async with operation.database.transaction() as session:
            return (await reconcile(session, moment)).broadcast_messages
    assert operation.run(tick(datetime(2026, 11, 24, 7, 59, tzinfo=UTC))) == 0
    assert operation.run(tick(datetime(2026, 11, 24, 8, tzinfo=UTC))) == 2
    assert sorted(email_of(operation, row.person_id) for row in outbox_rows(operation)) == sorted([HC, MEMBER])


def test_opted_out_unlinked_and_unreachable_people_are_skipped_and_counted(operation: Chat) -> None:
    operation.as_person(MEMBER, platform="telegram", user_id=MEMBER)
    assert "Notices are off" in operation.say("/notices off")

    async def block_hc() -> None:
        async with operation.database.transaction() as session:
            person = await repo.person_by_email(session, HC)
            assert person is not None
            for identity in (await session.execute(select(ChatIdentity).where(
                    ChatIdentity.person_id == person.id))).scalars():
                identity.active = False
    operation.run(block_hc())

    async def send() -> Broadcast:
        async with operation.database.transaction() as session:
            notice = sending.parse_notice("Hello all")
            return await sending.schedule(session, notice, {}, START, START, None)
    broadcast = operation.run(send())
    assert broadcast.skipped == {"opted_out": 1, "unlinked": 1, "inactive": 1}
    assert [email_of(operation, row.person_id) for row in outbox_rows(operation)] == [SECRETARIAT]
    assert "You get the secretariat's notices" in operation.say("/notices on")


def test_followers_of_a_topic_and_the_topic_audience(operation: Chat) -> None:
    operation.as_person(HC, platform="telegram", user_id=HC)
    assert "Protection from sexual exploitation" in operation.say("/follow PEAS")
    assert "psea" in operation.say("/follow")
    audience = sending.parse_audience("topic=psea")

    async def reach() -> list[int]:
        async with operation.database.transaction() as session:
            return [recipient.person_id for recipient in (await sending.expand(session, audience)).recipients]
    assert [email_of(operation, person_id) for person_id in operation.run(reach())] == [HC]
    operation.say("/unfollow psea")
    assert operation.run(reach()) == []


def test_a_scheduled_broadcast_waits_for_its_time_then_goes_once(operation: Chat) -> None:
    async def scheduled() -> None:
        async with operation.database.transaction() as session:
            await sending.schedule(session, sending.parse_notice("Later"), {"role": ["hc"]},
                                      START + timedelta(hours=3), START, None)
    operation.run(scheduled())

    async def tick(hours: int) -> int:
        async with operation.database.transaction() as session:
            return (await reconcile(session, START + timedelta(hours=hours))).broadcast_messages
    assert operation.run(tick(1)) == 0
    assert outbox_rows(operation) == []
    assert operation.run(tick(3)) == 1
    assert operation.run(tick(4)) == 0
    assert len(outbox_rows(operation)) == 1


@dataclass
class Flaky:
    """Telegram that refuses one chat (blocked) and takes the rest."""

    blocked: str
    platform: str = "telegram"
    limits: RateLimits = field(default_factory=RateLimits)
    sent: list[str] = field(default_factory=list)

    async def send(self, recipient: Recipient, reply: Reply, *, plain: bool = False) -> None:
        if recipient.chat_id == self.blocked:
            raise DeliveryError("Forbidden: bot was blocked by the user", unreachable=True)
        self.sent.append(recipient.chat_id)


def test_the_report_counts_sent_failed_with_reasons_and_skipped_and_cancel_withdraws(operation: Chat) -> None:
    async def send(audience: dict[str, list[str]]) -> int:
        async with operation.database.transaction() as session:
            return (await sending.schedule(session, sending.parse_notice("Hi"), audience, START, START,
                                              None)).id
    first = operation.run(send({}))
    messenger = Flaky(blocked=f"chat-{MEMBER}")
    operation.run(Deliverer(operation.database, [messenger], now=lambda: START + timedelta(seconds=2)).deliver())

    async def status(number: int) -> sending.BroadcastReport:
        async with operation.database.transaction() as session:
            broadcast = await session.get(Broadcast, number)
            assert broadcast is not None
            return await sending.report(session, broadcast, START + timedelta(seconds=2))
    report = operation.run(status(first))
    assert (report.targeted, report.sent, report.failed, report.pending) == (4, 2, 1, 0)
    assert report.skipped == {"unlinked": 1}
    assert report.failures == {"Forbidden: bot was blocked by the user": 1}
    assert report.took == timedelta(seconds=2)
    text = "\n".join(report.lines())
    assert "sent 2, failed 1" in text
    assert "skipped 1 unlinked" in text

    second = operation.run(send({"role": ["hc", "secretariat"]}))

    async def cancel() -> sending.Cancellation:
        async with operation.database.transaction() as session:
            broadcast = await session.get(Broadcast, second)
            assert broadcast is not None
            return await sending.cancel(session, broadcast, START)
    assert operation.run(cancel()) == sending.Cancellation(sending.Cancelled.WITHDRAWN, withdrawn=2, gone=0)
    after = operation.run(status(second))
    assert (after.status, after.pending, after.skipped.get("cancelled")) == ("cancelled", 0, 2)


def test_a_malformed_notice_names_the_file_line_and_field() -> None:
    bad = "---\nwebinar:\n  title: Webinar on cash\n  start: next tuesday\n  duration_minutes: 5\n---\nText\n"
    with pytest.raises(sending.NoticeRejected) as caught:
        sending.parse_notice(bad, "notice.md")
    problems = [str(problem) for problem in caught.value.problems]
    assert any(problem.startswith("notice.md:4: webinar.start") for problem in problems), problems
    assert any(problem.startswith("notice.md:5: webinar.duration_minutes") for problem in problems), problems
    with pytest.raises(sending.NoticeRejected) as garbled:
        sending.parse_notice("Webinar on cash\nJoin us\x00 on Tuesday\n", "notice.md")
    assert [str(problem) for problem in garbled.value.problems] == [
        "notice.md:2: text: a NUL byte or a character that is not valid UTF-8; retype or re-save the text"]
    with pytest.raises(sending.AudienceRejected, match="unknown role"):
        sending.parse_audience("role=boss")
    assert sending.parse_audience("role=hc|hct_member,country=Chad,role=admin") == {
        "role": ["hc", "hct_member", "admin"], "country": ["Chad"]}


def test_broadcast_from_the_shell_send_status_cancel(tmp_path: Path) -> None:
    env = {**os.environ, "HCBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}

    def hcbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False, stdin=subprocess.DEVNULL)

    assert hcbot("admin", "import", str(EXAMPLES / "operations.yaml")).returncode == 0
    notice = tmp_path / "notice.md"
    notice.write_text(NOTICE, encoding="utf-8")
    unconfirmed = hcbot("broadcast", "send", "--file", str(notice), "--audience", "role=hc,operation=sahelia")
    assert unconfirmed.returncode == 2
    assert "--yes" in unconfirmed.stderr
    nobody = hcbot("broadcast", "send", "--file", str(notice), "--audience", "country=Atlantis", "--yes")
    assert nobody.returncode == 2
    assert "matches nobody" in nobody.stderr
    later = hcbot("broadcast", "send", "--file", str(notice), "--audience", "role=hc,operation=sahelia",
                  "--at", "2030-01-01T09:00+00:00", "--yes")
    assert later.returncode == 0
    assert "broadcast 1 scheduled" in later.stdout
    assert "1 unlinked" in later.stdout
    status = hcbot("broadcast", "status", "1")
    assert "Broadcast 1: scheduled, audience role=hc, operation=sahelia, send at 2030-01-01 09:00 UTC" in status.stdout
    cancelled = hcbot("broadcast", "cancel", "1").stdout
    assert "Broadcast 1 is cancelled: it had not gone out, nothing was sent." in cancelled
    assert "Broadcast 1 was already cancelled." in hcbot("broadcast", "cancel", "1").stdout
    bad = tmp_path / "bad.md"
    bad.write_text("---\nwebinar: [1, 2]\n---\n", encoding="utf-8")
    rejected = hcbot("broadcast", "send", "--file", str(bad), "--yes")
    assert rejected.returncode == 2
    assert f"{bad}:" in rejected.stderr


def test_a_notice_waits_for_each_persons_working_hours_unless_sent_right_away(operation: Chat) -> None:
    night = datetime(2026, 11, 23, 2, tzinfo=UTC)  # Monday, 03:00 in Niamey and in Zurich

    async def send(local_hours: bool) -> list[datetime]:
        async with operation.database.transaction() as session:
            broadcast = await sending.schedule(session, sending.parse_notice("Webinar tomorrow"),
                                                  {"role": ["hc", "secretariat"]}, night, night, None,
                                                  local_hours=local_hours)
            rows = (await session.execute(select(OutboxMessage).where(
                OutboxMessage.broadcast_id == broadcast.id))).scalars().all()
            report = await sending.report(session, broadcast, night)
            assert report.waiting == (2 if local_hours else 0)
            return sorted(row.due_at for row in rows)
    morning = datetime(2026, 11, 23, 8, tzinfo=UTC)  # 09:00 in Niamey (WAT) and in Zurich (CET)
    assert operation.run(send(True)) == [morning, morning]
    assert operation.run(send(False)) == [night, night]


def test_a_slip_of_cancel_cancels_the_draft_rather_than_becoming_the_notice(operation: Chat) -> None:
    operation.as_person(SECRETARIAT)
    operation.say("/broadcast")
    assert "nothing was sent" in operation.say("anuler")
    assert "Here is how other operations handled" in operation.say("how did others set up a PSEA network?")
