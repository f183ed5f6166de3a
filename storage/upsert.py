"""The one insert-or-ignore: idempotent writes on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from sqlalchemy import Column, Insert, Row, Table, inspect
from sqlalchemy.dialects.postgresql import Insert as PostgresqlInsert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapper

# The INSERT that knows ON CONFLICT, per dialect: the one place that chooses it.
CONFLICT_INSERTS: dict[str, Callable[[Any], PostgresqlInsert | SqliteInsert]] = {
    "sqlite": sqlite_insert, "postgresql": postgresql_insert}


async def insert_or_ignore(session: AsyncSession, model: type[Any], values: dict[str, Any] | Sequence[dict[str, Any]],
                           *, conflict: Sequence[str], returning: Sequence[InstrumentedAttribute[Any] | Column[Any]]
                           ) -> list[Row[Any]]:
    """Inserts ``values`` (one row or many) unless a row with the same ``conflict`` columns exists;
    returns the ``returning`` columns of the rows actually inserted.

    RETURNING, not rowcount: drivers disagree on the rowcount of a skipped conflict."""
    if not values:
        return []
    statement = _statement(session.get_bind().dialect.name, model, tuple(conflict), tuple(returning))
    # The rows as parameters of one statement built once: values written into the statement made
    # it new each call, to be walked for its cache key and compiled (some 0.2 ms a row); many rows
    # go as an executemany (SQLAlchemy's "insertmanyvalues" batches them).
    return list((await session.execute(statement, values if isinstance(values, dict) else list(values))).all())


# Per dialect, table, conflict columns and returned columns: a handful of statements in all.
_STATEMENTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Insert] = {}


def _statement(dialect: str, model: type[Any], conflict: tuple[str, ...],
               returning: tuple[InstrumentedAttribute[Any] | Column[Any], ...]) -> Insert:
    mapper: Mapper[Any] = inspect(model)
    table = cast(Table, mapper.local_table)
    key = (dialect, str(table), conflict, tuple(column.key for column in returning))
    statement = _STATEMENTS.get(key)
    if statement is None:
        insert = CONFLICT_INSERTS[dialect]
        # On the model's table, not the model: the same statement and defaults, without the ORM's
        # bulk-insert layer (some 0.15 ms a call, and the live path makes two a message).
        columns = [mapper.columns[column.key] if isinstance(column, InstrumentedAttribute) else column
                   for column in returning]
        statement = _STATEMENTS[key] = (insert(table).on_conflict_do_nothing(index_elements=list(conflict))
                                        .returning(*columns))
    return statement
