"""Who may see what of other operations' plans, and the entries they see.

The one rule, applied by every path (answers, ``/peers``, the App Home, the command line): nobody
unregistered sees anything; an operation at ``peers`` shows its actions' title, topics, status and
month to the HCs and HCT members of the other operations; at ``all``, to every registered person;
at ``none``, to nobody but its own people and the secretariat (who see everything). A check-in's
note goes with its action only when its author marked it shareable, whoever looks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from weakref import WeakKeyDictionary

from babel.dates import format_date

from handlers.i18n import t
from knowledge import SearchIndex
from storage import peers as stored
from storage import repositories as repo
from storage.database import Session
from storage.models import Action, Person, Role, Sharing, Status

# Done and on-track actions are the ones a peer can learn from; a blocked one is still worth a call.
_RANK: Final = {Status.DONE: 0, Status.ON_TRACK: 1, Status.DELAYED: 2, Status.BLOCKED: 2, Status.NOT_STARTED: 3}
TITLE_LIMIT: Final = 70
NOTE_LIMIT: Final = 160


@dataclass(frozen=True, slots=True)
class Sight:
    """What one person may see of other operations: which sharing levels, and whose plan is their own."""

    levels: frozenset[Sharing] | None  # None: every level (the secretariat)
    own_operation_id: int | None

    @property
    def sees_nothing(self) -> bool:
        return self.levels is not None and not self.levels


NOTHING: Final = Sight(frozenset(), None)
EVERYTHING: Final = Sight(None, None)


def sight_of(person: Person | None) -> Sight:
    if person is None:
        return NOTHING
    if repo.may_see_all_plans(person):
        return EVERYTHING
    if person.role in (Role.HC, Role.HCT_MEMBER) and person.operation_id is not None:
        return Sight(frozenset({Sharing.PEERS, Sharing.ALL}), person.operation_id)
    return Sight(frozenset({Sharing.ALL}), person.operation_id)


@dataclass(frozen=True, slots=True)
class PeerEntry:
    """One action of another operation, as a person allowed to see it reads it."""

    action_id: int
    operation_id: int
    where: str  # the operation's country, as people name operations
    title: str
    status: Status | None
    changed_on: date | None
    topics: tuple[str, ...]
    note: str | None  # only a note its author marked shareable
    changed_at: datetime | None

    def rank(self) -> tuple[int, float]:
        status_rank = _RANK[self.status] if self.status is not None else 3
        return status_rank, -(self.changed_at.timestamp() if self.changed_at else 0.0)


# Titles change rarely and are read at every answer: each index's reading of a title is kept.
_READ_TITLES: WeakKeyDictionary[SearchIndex, dict[str, tuple[str, ...]]] = WeakKeyDictionary()
_READ_LIMIT: Final = 20_000


def _title_topics(index: SearchIndex, title: str) -> tuple[str, ...]:
    known = _READ_TITLES.setdefault(index, {})
    found = known.get(title)
    if found is None:
        if len(known) >= _READ_LIMIT:
            known.clear()
        found = known[title] = tuple(index.parse(title).topics)
    return found


def action_topics(index: SearchIndex, action: Action) -> tuple[str, ...]:
    """The action's topics as imported; where none were given, the topics the search reads in its
    title (the same reading a question gets)."""
    return topics_of(index, action.title, action.topics)


def topics_of(index: SearchIndex, title: str, imported: list[str] | None) -> tuple[str, ...]:
    if imported:
        return tuple(imported)
    return _title_topics(index, title)


async def visible_entries(session: Session, index: SearchIndex, person: Person | None,
                          topics: Iterable[str], sight: Sight | None = None) -> list[PeerEntry]:
    """Every action on one of ``topics`` that ``person`` may see in another operation, the most
    useful first (done, on track, then the rest; the latest news first). ``sight``: instead of the
    person's (the operator's shell sees everything).

    Read in two steps so that an answer costs what it shows, not what every plan ever said: the
    actions on the topics (imported topics are matched in the database, titles through the cached
    reading), then only theirs, one row each: the standing update and the shareable note."""
    sight = sight or sight_of(person)
    wanted = set(topics)
    if sight.sees_nothing or not wanted:
        return []
    candidates = await stored.shared_actions_on(session, sorted(wanted), levels=sight.levels,
                                                excluded_operation_id=sight.own_operation_id)
    matching = [(action_id, title, found) for action_id, title, imported in candidates
                if wanted.intersection(found := topics_of(index, title, imported))]
    rows = await stored.peer_rows(session, [action_id for action_id, _title, _found in matching])
    entries = []
    for action_id, title, found in matching:
        row = rows[action_id]
        entries.append(PeerEntry(action_id, row.operation_id, row.country, title, row.status,
                                 row.changed_at.date() if row.changed_at else None, found, row.note,
                                 row.changed_at))
    return sorted(entries, key=PeerEntry.rank)


def one_per_operation(entries: list[PeerEntry], limit: int) -> list[PeerEntry]:
    """The best entry of each operation, up to ``limit`` operations (entries come best first)."""
    chosen: dict[int, PeerEntry] = {}
    for entry in entries:
        chosen.setdefault(entry.operation_id, entry)
    return list(chosen.values())[:limit]


def month(day: date, language: str) -> str:
    return str(format_date(day, "MMMM y", locale="fr" if language == "fr" else "en"))


def shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def state_text(entry: PeerEntry, language: str) -> str:
    """"done in March 2026", "on track (March 2026)", "not started yet"."""
    if entry.status is None or entry.changed_on is None:
        return t("peers.state_none", language)
    return t(f"peers.state_{entry.status.value}", language, month=month(entry.changed_on, language))


def entry_text(entry: PeerEntry, language: str, title_limit: int = TITLE_LIMIT) -> str:
    """"Chad: common complaint mechanism, done in March 2026"."""
    return t("peers.entry", language, where=entry.where, title=shorten(entry.title, title_limit),
             state=state_text(entry, language))
