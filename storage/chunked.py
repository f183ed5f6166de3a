"""Big reads a chunk at a time, so that turning rows into objects never holds the event loop long."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVarTuple

from sqlalchemy import Column, ColumnElement, Row, Select, TableValuedAlias, any_, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, QueryableAttribute
from sqlalchemy.types import TypeEngine

_Columns = TypeVarTuple("_Columns")

READ_CHUNK = 1000
"""Rows a chunked read turns into objects at a time (``between`` awaited after each chunk): a
whole 10,000-plan read held the event loop 100 ms and more."""


async def by_key(session: AsyncSession, query: Select[*_Columns], key: InstrumentedAttribute[int] | Column[int], *,
                 between: Callable[[], Awaitable[None]] | None,
                 chunk: int) -> AsyncIterator[Sequence[Row[*_Columns]]]:
    """The rows of ``query`` in ``key`` order, ``chunk`` at a time, ``between`` awaited after each:
    one statement, its rows fetched a chunk at a time (a keyset, a statement a chunk, ran the
    query's joins afresh each time: 11 statements, 0.13 s of PostgreSQL's time a pass for the
    10,000 open plans)."""
    result = await session.stream(query.order_by(key).execution_options(yield_per=chunk))
    async for rows in result.partitions(chunk):
        yield rows
        if between is not None:
            await between()


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


def unnested(**columns: tuple[list[Any], TypeEngine[Any]]) -> TableValuedAlias:
    """``unnest(array, array, ...) AS anon(name, name, ...)``, one array parameter a column: many
    rows to write as a handful of parameters of one short statement (PostgreSQL only). An insert of
    200 rows as VALUES has 1,600 parameters: psycopg re-parses so long a statement on every run
    (its cache takes short ones only), and the server plans it afresh; a first reconcile pass
    spent over 2 s of CPU on that alone."""
    arrays = [bindparam(None, values, type_=ARRAY(item)) for values, item in columns.values()]
    return func.unnest(*arrays).table_valued(*columns).render_derived()
