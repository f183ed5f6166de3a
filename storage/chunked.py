"""Big reads a chunk at a time, so that turning rows into objects never holds the event loop long."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import Column, ColumnElement, Row, Select, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, QueryableAttribute

_Columns = TypeVarTuple("_Columns")

READ_CHUNK = 1000
"""Rows a chunked read turns into objects at a time (``between`` awaited after each chunk): a
whole 10,000-plan read held the event loop 100 ms and more."""


async def by_key(session: AsyncSession, query: Select[*_Columns], key: InstrumentedAttribute[int] | Column[int], *,
                 between: Callable[[], Awaitable[None]] | None,
                 chunk: int) -> AsyncIterator[Sequence[Row[*_Columns]]]:
    """The rows of ``query`` (its first column ``key``), ``chunk`` a statement in ``key`` order
    (keyset: each statement starts after the last key seen), ``between`` awaited after each."""
    ordered = query.order_by(key).limit(chunk)
    after: int | None = None
    while True:
        rows = (await session.execute(ordered if after is None else ordered.where(key > after))).all()
        yield rows
        if between is not None:
            await between()
        if len(rows) < chunk:
            return
        last: Any = rows[-1]
        after = int(last[0])


def among(session: AsyncSession, column: ColumnElement[Any] | QueryableAttribute[Any],
          values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(one array parameter)``: one value to
    bind instead of hundreds or thousands (the steady pass's 23,000 dedupe keys), and, planned with
    its value (the reconcile pass asks for custom plans), the array is hashed or goes through the
    index, whatever the planner expects of the table."""
    wanted = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, wanted, type_=ARRAY(column.expression.type)))
    return column.in_(wanted)
