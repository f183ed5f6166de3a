"""One voice: a person is never sent two proactive messages in the same hour.

A deadline nudge, a check-in prompt (or its reminder) and a notice can fall due for the same person
at the same moment: a check-in cycle and a nudge both start at 09:00, and a webinar notice released
overnight waits for the same morning. The reconcile pass ends by spacing them: per person, in time
order, a message goes out at least ``GAP`` after the previous one, and among those that would land
within the same hour the fixed order decides: the nudge first, then the check-in, then notices. A
message moved stays inside the person's working hours (its next working-hours moment otherwise).

Pure: given the waiting rows and when each person's last message went out, it returns the new due
times. The deliverer applies the same rule when it claims (``ONE_VOICE``), for what falls due
between two passes. Running it again on its own output changes nothing. Live replies and the secretariat's
escalations are not spaced (a reply answers what the person just wrote; escalations are a team's
inbox), nor is a broadcast sent "right away", which keeps the time it was given.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.nudges.deadlines import LadderSettings, sending_slot
from storage.outbox import OneVoice, WaitingMessage

GAP = timedelta(hours=1)
ORDER = {"nudge": 0, "checkin": 1, "reminder": 1, "broadcast": 2}
"""The fixed order among messages that would land in the same hour."""
KINDS = list(ORDER)
ONE_VOICE = OneVoice(ORDER, GAP)
"""The same rule for the deliverer, which claims due rows every few seconds: a message that fell
due between two passes (a notice released from a chat) is not sent within ``GAP`` of the person's
last one, nor before another of theirs that goes first; the next pass gives it its time."""


def space(waiting: list[WaitingMessage], last_sent: dict[int, datetime],
          hours: LadderSettings) -> list[tuple[int, datetime]]:
    """(row id, new due time) for each waiting message that must move."""
    by_person: dict[int, list[WaitingMessage]] = {}
    for message in waiting:
        by_person.setdefault(message.person_id, []).append(message)
    moves = []
    for person_id, messages in by_person.items():
        free = last_sent[person_id] + GAP if person_id in last_sent else None
        left = sorted(messages, key=lambda message: (message.due_at, message.id))
        while left:
            zone, days = left[0].timezone, frozenset(left[0].working_days)
            start = _held(left[0].due_at, free, zone, days, hours)
            # Of what would go out within the hour from ``start``, the fixed order picks the first.
            within = [message for message in left if message.due_at < start + GAP]
            chosen = min(within, key=lambda message: (ORDER.get(message.kind, len(ORDER)), message.due_at,
                                                      message.id))
            # ``start`` is a working-hours moment, or the first message's own time when it need not wait.
            moment = max(chosen.due_at, start)
            if moment != chosen.due_at:
                moves.append((chosen.id, moment))
            left.remove(chosen)
            free = moment + GAP
    return moves


def _held(due_at: datetime, not_before: datetime | None, zone: str, days: frozenset[int],
          hours: LadderSettings) -> datetime:
    """``due_at``, or, when it must wait until ``not_before``, the first working-hours moment from
    then. A message that does not wait keeps the time its writer gave it."""
    if not_before is None or not_before <= due_at:
        return due_at
    return sending_slot(not_before, zone, days, hours)
