"""/pause holds a person's (or, for the secretariat, an operation's) check-ins and nudges."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.checkins.plans import parse_pause
from handlers.nudges.reconcile import reconcile
from storage import repositories as repo
from tests.conftest import EXAMPLES, Chat


def test_durations_in_english_and_french() -> None:
    assert [parse_pause(text).days if parse_pause(text) else None  # type: ignore[union-attr]
            for text in ("2w", "10d", "3 semaines", "1m", "2 mois", "0d", "soon", "14 jours")] == \
        [14, 10, 21, 30, 60, None, None, 14]


def test_a_person_pauses_and_resumes(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person("amina.hc@sahelia.invalid")
    assert "Paused until 7 Dec 2026" in chat.say("/pause 2w")  # said to Amina herself, not "for Amina Example"
    assert "paused until 7 Dec 2026" in chat.say("/pause")
    assert "Say how long" in chat.say("/pause 2 years")

    async def queued_at(moment: datetime) -> int:
        async with chat.database.transaction() as session:
            return (await reconcile(session, moment)).nudges
    # Sahelia's update is overdue, but its HC is away: nothing for her; Levantia's HC still gets his.
    assert chat.run(queued_at(datetime(2026, 11, 26, 9, tzinfo=UTC))) == 1
    assert "Resumed" in chat.say("/pause off")
    assert chat.run(queued_at(datetime(2026, 11, 26, 9, 5, tzinfo=UTC))) == 1


def test_the_secretariat_pauses_an_operation_others_cannot(chat: Chat) -> None:
    chat.load(EXAMPLES / "operations.yaml")
    chat.as_person("secretariat@p2p.invalid")
    assert "Paused for Sahelia humanitarian operation" in chat.say("/pause sahelia 1m")

    async def paused() -> datetime | None:
        async with chat.database.transaction() as session:
            operation = await repo.operation_by_code(session, "sahelia")
            assert operation is not None
            return operation.paused_until
    assert chat.run(paused()) is not None
    chat.as_person("omar.hc@levantia.invalid")
    # An HC's "/pause sahelia 1m" is not an operation pause: it is read as a bad duration.
    assert "Say how long" in chat.say("/pause sahelia 1m")
