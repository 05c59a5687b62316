"""Models by primary key (or another unique column) without the query builder: on the read
paths every request takes (the bearer token, `profile(id)`, loaders by id), building the SQL
through Tortoise's query builder costs more CPU than the round trip. The rows are hydrated by
Tortoise itself, as `Model.raw` does."""

from collections.abc import Sequence
from functools import lru_cache
from typing import TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)


def placeholder(dialect: str, index: int) -> str:
    """Parameter `index` (from 1) in hand-written SQL: PostgreSQL writes `$n`, SQLite `?n`."""
    return f"{'$' if dialect == 'postgres' else '?'}{index}"


@lru_cache(maxsize=512)
def _select_by_ids(table: str, key: str, dialect: str, count: int) -> str:
    marks = ", ".join(placeholder(dialect, index) for index in range(1, count + 1))
    return f'SELECT * FROM "{table}" WHERE "{key}" IN ({marks})'


async def by_ids(model: type[M], ids: Sequence[str], field: str | None = None) -> list[M]:
    """The rows of `model` whose primary key (or `field`) is in `ids`, in no particular
    order."""
    if not ids:
        return []
    meta = model._meta
    column = meta.fields_map[field] if field else meta.pk
    connection = meta.db
    dialect = connection.capabilities.dialect
    sql = _select_by_ids(
        meta.db_table, column.source_field or column.model_field_name, dialect, len(ids)
    )
    return await raw(model, sql, [column.to_db_value(key, model) for key in ids])


async def raw(model: type[M], sql: str, params: Sequence[object]) -> list[M]:
    """The rows of `model` a hand-written `SELECT *` over its table finds, hydrated by
    Tortoise as `by_ids` does (on a hot path: the query builder's CPU, not the round trip,
    was the cost)."""
    rows = await model._meta.db.execute_query_dict(sql, list(params))
    return [model._init_from_db(**row) for row in rows]
