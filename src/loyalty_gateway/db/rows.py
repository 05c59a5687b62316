"""Models by primary key (or another unique column) without the query builder: on the read
paths every request takes (the bearer token, `profile(id)`, loaders by id), building the SQL
through Tortoise's query builder costs more CPU than the round trip. The rows are hydrated by
Tortoise itself, as `Model.raw` does."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from loyalty_gateway.core.time import utcnow

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
    return hydrate(model, await model._meta.db.execute_query_dict(sql, list(params)))


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], dialect: str, count: int, extra: str) -> str:
    width = len(columns)
    rows = ", ".join(
        "("
        + ", ".join(placeholder(dialect, row * width + column + 1) for column in range(width))
        + ")"
        for row in range(count)
    )
    names = ", ".join(f'"{column}"' for column in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES {rows} RETURNING *{extra}'


def _stored(model: type[Model], values: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Every stored column of a new row: `values` (by field name, `*_id` for a relation),
    then each field's default (a fresh uuid4 key, `created_at` = `now`), as the database
    takes them."""
    meta = model._meta
    stored: dict[str, Any] = {}
    for name, column in meta.fields_db_projection.items():
        if name in meta.generated_db_fields:
            continue
        field = meta.fields_map[name]
        if name in values:
            value = values[name]
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            value = now
        elif callable(field.default):
            value = field.default()
        else:
            value = field.default
        # Told the class, not an instance, no field fills itself in (`auto_now` is done above).
        stored[column] = field.to_db_value(value, model) if value is not None else None
    return stored


async def insert(
    model: type[M], rows: Sequence[Mapping[str, Any]], extra: str = ""
) -> list[dict[str, Any]]:
    """Insert `rows` in one hand-written statement and return them as stored (`RETURNING *`,
    plus the `extra` expressions, e.g. `, pg_notify(…)`): Tortoise's `create` costs a
    query builder's CPU and a statement per row on the hot paths. Hydrate with `hydrate`."""
    if not rows:
        return []
    now = utcnow()
    stored = [_stored(model, row, now) for row in rows]
    columns = tuple(stored[0])
    connection = model._meta.db
    sql = _insert_sql(
        model._meta.db_table, columns, connection.capabilities.dialect, len(rows), extra
    )
    params = [row[column] for row in stored for column in columns]
    return await connection.execute_query_dict(sql, params)


def hydrate(model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    """Model instances of rows read by hand-written SQL, as Tortoise builds them."""
    return [model._init_from_db(**row) for row in rows]
