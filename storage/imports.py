"""Writes of ``hcbot admin import``: records matched on their natural keys, created or updated, set-wise.

A file of 10,000 people is a few statements, not 10,000 round trips: the existing rows are read in
chunks by key, the new ones inserted many to a statement (the one insert-or-ignore), the changed
ones updated by primary key in one executemany.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Action, ActionPlan, Mission, Operation, Person
from storage.upsert import insert_or_ignore

Record = TypeVar("Record", Operation, Person, Mission, ActionPlan, Action)
Key = tuple[Any, ...]

# Bound parameters per statement: well under SQLite's 32,766 and PostgreSQL's 65,535.
_PARAMETERS = 10_000
# Values in one IN (...) list.
_IN_CHUNK = 1_000


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


async def existing(session: AsyncSession, column: InstrumentedAttribute[Any], values: Iterable[Any]) -> set[Any]:
    """Which of ``values`` the column holds (which operation codes, e-mails, plan codes exist)."""
    return set(await ids_by(session, column, values))


async def ids_by(session: AsyncSession, column: InstrumentedAttribute[Any], values: Iterable[Any]) -> dict[Any, int]:
    """The id of each row whose ``column`` is one of ``values`` (a unique column: codes, e-mails)."""
    wanted = sorted(set(values))
    model = column.class_
    found: dict[Any, int] = {}
    for chunk in _chunks(wanted, _IN_CHUNK):
        rows = await session.execute(select(column, model.id).where(column.in_(chunk)))
        found.update({value: id_ for value, id_ in rows})
    return found


async def _rows_by_key(session: AsyncSession, model: type[Record], key: Sequence[str], columns: Sequence[str],
                       keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """The existing rows (id and ``columns``) with these keys. Selected on the key's first column,
    which is selective enough (a code, an e-mail; a mission's operation, an action's plan), and
    matched on the whole key here: a tuple IN is not portable."""
    wanted = set(keys)
    first = getattr(model, key[0])
    selected = [model.id, *(getattr(model, name) for name in columns)]
    found: dict[Key, dict[str, Any]] = {}
    for chunk in _chunks(sorted({found_key[0] for found_key in wanted}), _IN_CHUNK):
        for row in (await session.execute(select(*selected).where(first.in_(chunk)))).mappings():
            row_key = tuple(row[name] for name in key)
            if row_key in wanted:
                found[row_key] = dict(row)
    return found


async def upsert_many(session: AsyncSession, model: type[Record], key: Sequence[str],
                      rows: Sequence[dict[str, Any]]) -> tuple[dict[Key, int], Counter[Outcome]]:
    """Each row (its natural ``key`` columns among its values) created, or updated where a value
    differs; returns the id of every row by its key, and how many were created, updated, unchanged.
    The rows of one call have the same columns, and their keys are distinct (the caller checked)."""
    outcomes: Counter[Outcome] = Counter()
    if not rows:
        return {}, outcomes
    columns = list(rows[0])
    ids: dict[Key, int] = {}

    async def apply(found: dict[Key, dict[str, Any]], candidates: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Counts and updates the candidates that exist; returns those that do not."""
        missing, changed = [], []
        for row in candidates:
            row_key = tuple(row[name] for name in key)
            stored = found.get(row_key)
            if stored is None:
                missing.append(row)
                continue
            ids[row_key] = stored["id"]
            if any(stored[name] != row[name] for name in columns):
                changed.append({"id": stored["id"], **row})
                outcomes[Outcome.UPDATED] += 1
            else:
                outcomes[Outcome.UNCHANGED] += 1
        if changed:
            # ORM bulk UPDATE by primary key: one executemany.
            await session.execute(update(model), changed)
        return missing

    def keys_of(candidates: Sequence[dict[str, Any]]) -> list[Key]:
        return [tuple(row[name] for name in key) for row in candidates]

    new = await apply(await _rows_by_key(session, model, key, columns, keys_of(rows)), rows)
    returning = [model.id, *(getattr(model, name) for name in key)]
    skipped: list[dict[str, Any]] = []
    for chunk in _chunks(new, max(1, _PARAMETERS // len(columns))):
        inserted: dict[Key, int] = {tuple(row[1:]): row[0] for row in
                    await insert_or_ignore(session, model, list(chunk), conflict=key, returning=returning)}
        ids.update(inserted)
        outcomes[Outcome.CREATED] += len(inserted)
        skipped += [row for row in chunk if tuple(row[name] for name in key) not in inserted]
    if skipped:
        # Another transaction inserted them since they were read (PostgreSQL; SQLite's write lock
        # is held from the start): they are updates after all.
        await apply(await _rows_by_key(session, model, key, columns, keys_of(skipped)), skipped)
    return ids, outcomes
