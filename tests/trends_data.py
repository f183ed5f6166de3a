"""A generated set of operations for the trends brief and the web desk, written straight into the
database through the models, with what was generated kept aside (``Truth``): the tests recompute
every figure of the brief from that record, never from the code under test."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Action,
    ActionPlan,
    ActionUpdate,
    Broadcast,
    BroadcastStatus,
    Mission,
    MissionKind,
    Operation,
    OutboxMessage,
    OutboxStatus,
    Person,
    QuestionLog,
    Role,
    Sharing,
    Status,
)

NOTE_MARK = "CONFIDENTIAL-NOTE-7731"
"""Every note on an action carries it: no brief may show it."""
TOPICS = ("psea", "cash", "protection", "localization", "aap", "decentralization")
ZONES = ("Africa/Ndjamena", "Asia/Beirut", "America/Bogota", "UTC")
QUESTIONS = {
    "psea": "how did others set up a PSEA network?",
    "cash": "cash transfers in cities",
    "protection": "a protection strategy for the HCT",
    "localization": "funding for national NGOs (localization)",
    "aap": "AAP feedback mechanism",
}
UNANSWERED = "weather in the capital"
"""A question the library cannot answer (no topic): asked by several people, it is a theme."""


@dataclass(slots=True)
class Truth:
    operations: list[tuple[str, str, Sharing]] = field(default_factory=list)
    # (operation code, topics, [(status, when)])
    actions: list[tuple[str, list[str], list[tuple[Status, datetime]]]] = field(default_factory=list)
    # (kind, due_on, submitted_at, timezone)
    plans: list[tuple[MissionKind, date, datetime | None, str]] = field(default_factory=list)
    # (asked_at, question, confident, feedback, asker)
    questions: list[tuple[datetime, str, bool, str | None, str]] = field(default_factory=list)
    # operation code (None: headquarters) -> status -> messages
    reach: dict[str | None, dict[OutboxStatus, int]] = field(default_factory=dict)
    opted_out: dict[str | None, int] = field(default_factory=dict)
    notices: int = 0


async def generate(session: AsyncSession, now: datetime, operations: int = 50, seed: int = 16,
                   sharing: list[Sharing] | None = None) -> Truth:
    rng = random.Random(seed)
    truth = Truth()
    people: list[tuple[Person, str | None]] = []
    for number in range(operations):
        level = sharing[number % len(sharing)] if sharing else rng.choice(list(Sharing))
        zone = ZONES[number % len(ZONES)]
        code = f"op{number:02d}"
        name = f"Opland{number:02d} response"
        operation = Operation(code=code, name=name, country=f"Opland{number:02d} (fictional)", timezone=zone,
                              working_days=[1, 2, 3, 4, 5], sharing=level)
        session.add(operation)
        await session.flush()
        truth.operations.append((code, name, level))
        hc = Person(name=f"HC {number}", email=f"hc{number}@ops.invalid", role=Role.HC, language="en",
                    operation_id=operation.id, notices=rng.random() > 0.2)
        member = Person(name=f"Member {number}", email=f"member{number}@ops.invalid", role=Role.HCT_MEMBER,
                        language="fr", operation_id=operation.id, notices=rng.random() > 0.3)
        session.add_all([hc, member])
        await session.flush()
        for person in (hc, member):
            people.append((person, code))
            if not person.notices:
                truth.opted_out[code] = truth.opted_out.get(code, 0) + 1
        kind = MissionKind.P2P if number % 3 else MissionKind.OPR
        adopted = (now - timedelta(days=rng.randint(60, 400))).date()
        mission = Mission(operation_id=operation.id, kind=kind, starts_on=adopted - timedelta(days=14),
                          ends_on=adopted - timedelta(days=2))
        session.add(mission)
        await session.flush()
        due = adopted + timedelta(days=rng.randint(90, 200))
        submitted = None
        if rng.random() < 0.5:
            submitted = datetime.combine(due + timedelta(days=rng.randint(-20, 40)), datetime.min.time(),
                                         tzinfo=UTC) + timedelta(hours=12)
            if submitted > now:
                submitted = None
        plan = ActionPlan(code=f"{code}-plan", title=f"{name} action plan", mission_id=mission.id, adopted_on=adopted,
                          update_due_on=due, submitted_at=submitted)
        session.add(plan)
        await session.flush()
        truth.plans.append((kind, due, submitted, zone))
        for action_number in range(1, rng.randint(2, 7)):
            topics = sorted(rng.sample(TOPICS, rng.randint(0, 2)))
            action = Action(plan_id=plan.id, number=action_number, title=f"Action {action_number} of {code}",
                            topics=topics)
            session.add(action)
            await session.flush()
            history: list[tuple[Status, datetime]] = []
            moment = datetime.combine(adopted, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
            for _ in range(rng.randint(0, 4)):
                moment += timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 5))
                if moment >= now:
                    break
                status = rng.choice(list(Status))
                history.append((status, moment))
                session.add(ActionUpdate(action_id=action.id, status=status, note=f"{NOTE_MARK} on {code}",
                                         person_id=hc.id, platform="console", created_at=moment))
            truth.actions.append((code, topics, history))
        await session.flush()
    secretariat = Person(name="Desk Person", email="desk@p2p.invalid", role=Role.SECRETARIAT, language="en",
                         notices=True)
    session.add(secretariat)
    await session.flush()
    people.append((secretariat, None))
    for number in range(rng.randint(60, 90)):
        asker, _code = rng.choice(people)
        asked = now - timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
        if number % 9 == 0:
            question, confident, feedback = UNANSWERED, False, None
        else:
            question = rng.choice(list(QUESTIONS.values()))
            confident = rng.random() < 0.7
            feedback = rng.choice([None, None, "useful", "not_useful"]) if confident else None
        session.add(QuestionLog(person_id=asker.id, platform="console", external_user_id=asker.email,
                                question=question, result_ids=[], confident=confident, feedback=feedback,
                                passed_on=False, asked_at=asked))
        truth.questions.append((asked, question, confident, feedback, asker.email))
    for number in range(3):
        released = now - timedelta(days=10 * (number + 1))
        broadcast = Broadcast(created_at=released, status=BroadcastStatus.RELEASED, text_en=f"Notice {number}",
                              audience={}, released_at=released, send_at=released, targeted=0, skipped={})
        session.add(broadcast)
        await session.flush()
        truth.notices += 1
        for person, operation_code in people:
            if not person.notices:
                continue
            outcome = rng.choice([OutboxStatus.SENT, OutboxStatus.SENT, OutboxStatus.SENT, OutboxStatus.FAILED,
                                 OutboxStatus.PENDING])
            session.add(OutboxMessage(dedupe_key=f"broadcast:{broadcast.id}:{person.id}", kind="broadcast",
                                      person_id=person.id, payload={"text": "x"}, due_at=released, status=outcome,
                                      created_at=released, sent_at=released if outcome is OutboxStatus.SENT else None,
                                      broadcast_id=broadcast.id))
            bucket = truth.reach.setdefault(operation_code, {})
            bucket[outcome] = bucket.get(outcome, 0) + 1
            broadcast.targeted += 1
    await session.flush()
    return truth
