"""Writes of ``hcbot admin import``: records matched on their natural keys, created or updated."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Action, ActionPlan, Mission, Operation, Person

Record = TypeVar("Record", Operation, Person, Mission, ActionPlan, Action)


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


def _apply(record: object, values: dict[str, Any]) -> bool:
    """Sets the values that differ; returns whether anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


async def upsert(session: AsyncSession, model: type[Record], keys: dict[str, Any],
                 values: dict[str, Any]) -> tuple[Record, Outcome]:
    """The record with these natural keys, created or updated to ``values`` (not flushed yet)."""
    record: Record | None = (await session.execute(select(model).filter_by(**keys))).scalars().first()
    if record is None:
        record = model(**keys)
        session.add(record)
        _apply(record, values)
        return record, Outcome.CREATED
    return record, Outcome.UPDATED if _apply(record, values) else Outcome.UNCHANGED


async def operation_by_code(session: AsyncSession, code: str) -> Operation | None:
    return (await session.execute(select(Operation).where(Operation.code == code))).scalars().first()


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    """Exactly this (already lower-cased) e-mail: imports store e-mails lower-cased."""
    return (await session.execute(select(Person).where(Person.email == email))).scalars().first()


async def plan_by_code(session: AsyncSession, code: str) -> ActionPlan | None:
    """The plan alone, without its actions and updates."""
    return (await session.execute(select(ActionPlan).where(ActionPlan.code == code))).scalars().first()
