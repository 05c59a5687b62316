"""Models by primary key (or another unique column) without the query builder: on the read
paths every request takes (the bearer token, `profile(id)`, loaders by id), building the SQL
through Tortoise's query builder costs more CPU than the round trip. The rows are hydrated by
Tortoise itself, as `Model.raw` does."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
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


async def find_row(model: type[M], row_id: str, label: str, field: str = "id") -> M:
    """The row `row_id` names, or NOT_FOUND naming the input `field` (INVALID_INPUT for an
    id that is not a UUID)."""
    found = await by_ids(model, [require_uuid(row_id, field)])
    if not found:
        raise UserError(ErrorCode.NOT_FOUND, f"No {label} {row_id}", field)
    return found[0]


async def raw(model: type[M], sql: str, params: Sequence[object]) -> list[M]:
    """The rows of `model` a hand-written `SELECT *` over its table finds, hydrated by
    Tortoise as `by_ids` does (on a hot path: the query builder's CPU, not the round trip,
    was the cost)."""
    return hydrate(model, await model._meta.db.execute_query_dict(sql, list(params)))


@dataclass(frozen=True)
class RowRef:
    """The row of `model` whose `column` (a unique one) is `key`."""

    model: type[Model]
    column: str
    key: object


@dataclass(frozen=True)
class Part:
    """One statement of a write, `%s` standing for each of its parameters (numbered for the
    dialect when it runs, so the SQL holds no other `%`)."""

    sql: str
    params: tuple[Any, ...]
    writes: str | None = None
    """The table whose rows it inserts or updates, when a read in the write's own statement
    must see them as written (`written_tables`)."""


@lru_cache(maxsize=512)
def numbered(sql: str, dialect: str, start: int = 1) -> str:
    """`sql` with its `%s` marks as the dialect's placeholders, from `start`."""
    return sql % tuple(placeholder(dialect, start + i) for i in range(sql.count("%s")))


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...], count: int) -> str:
    row = f"({', '.join(['%s'] * len(columns))})"
    names = ", ".join(f'"{column}"' for column in columns)
    return f'INSERT INTO "{table}" ({names}) VALUES {", ".join([row] * count)}'


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


def inserting(model: type[M], rows: Sequence[Mapping[str, Any]]) -> tuple[Part, list[M]]:
    """The INSERT of `rows` (field values; the rest take their defaults) and the rows as
    they will be stored (none for a model whose key the database generates: `insert`
    returns those). Rows inserted together keep their order: each is created a
    microsecond after the one before, as one by one they would be."""
    now = utcnow()
    stored = [
        _stored(model, row, now + timedelta(microseconds=index)) for index, row in enumerate(rows)
    ]
    columns = tuple(stored[0])
    sql = _insert_sql(model._meta.db_table, columns, len(rows))
    part = Part(sql, tuple(row[column] for row in stored for column in columns))
    return part, hydrate(model, stored) if not model._meta.generated_db_fields else []


async def insert(
    model: type[M], rows: Sequence[Mapping[str, Any]], extra: str = ""
) -> list[dict[str, Any]]:
    """Insert `rows` in one hand-written statement and return them as stored (`RETURNING *`,
    plus the `extra` expressions, e.g. `, pg_notify(…)`): Tortoise's `create` costs a
    query builder's CPU and a statement per row on the hot paths. Hydrate with `hydrate`."""
    if not rows:
        return []
    part, _ = inserting(model, rows)
    connection = model._meta.db
    sql = numbered(f"{part.sql} RETURNING *{extra}", connection.capabilities.dialect)
    return await connection.execute_query_dict(sql, list(part.params))


async def write_together(model: type[M], parts: Sequence[Part], extra: str = "") -> list[M]:
    """The statements of one write, in the caller's transaction: on PostgreSQL one
    statement, each part a data-modifying WITH query, so one round trip; on SQLite one
    after another. Returns the rows of `model` the first part (an INSERT) writes (with the
    `extra` expressions over them evaluated, as `insert` takes them).

    The parts must not touch one row twice: PostgreSQL would apply only one of them."""
    return hydrate(model, await written(model, parts, f"*{extra}"))


async def written(model: type[Model], parts: Sequence[Part], columns: str) -> list[dict[str, Any]]:
    """`write_together`, returning only `columns` (SQL over the first part's rows), as
    read: for a caller that needs a written row's key, not the row."""
    connection = model._meta.db
    dialect = connection.capabilities.dialect
    first, *rest = parts
    if dialect == "postgres":
        sql, params = _together(tuple(part.sql for part in parts), dialect, columns), list[Any]()
        for part in parts:
            params.extend(part.params)
        return await connection.execute_query_dict(sql, params)
    sql = numbered(f"{first.sql} RETURNING {columns}", dialect)
    found = await connection.execute_query_dict(sql, list(first.params))
    for part in rest:
        await connection.execute_query(numbered(part.sql, dialect), list(part.params))
    return found


@lru_cache(maxsize=256)
def _together(sqls: tuple[str, ...], dialect: str, columns: str) -> str:
    queries, _ = with_queries(sqls, (True, *(False for _ in sqls[1:])), dialect)
    return f"{queries} SELECT {columns} FROM w0"


def with_queries(
    sqls: tuple[str, ...], returning: tuple[bool, ...], dialect: str
) -> tuple[str, int]:
    """`WITH w0 AS (…), w1 AS (…), …`: part `i` of a write as the data-modifying WITH query
    `w<i>` (RETURNING * where `returning` says so), and the number of the first parameter
    after theirs."""
    queries, start = [], 1
    for index, (sql, returns) in enumerate(zip(sqls, returning, strict=True)):
        rows = " RETURNING *" if returns else ""
        queries.append(f"w{index} AS ({numbered(sql, dialect, start)}{rows})")
        start += sql.count("%s")
    return f"WITH {', '.join(queries)}", start


def written_tables(writes: tuple[str | None, ...]) -> dict[str, str]:
    """Per table that parts write (`Part.writes`, part `i` being `w<i>`, which must return
    its rows): the table as the statement leaves it. A PostgreSQL statement reads every
    table as it was before the statement, its own writes included; a read in it that takes
    these relations for the tables sees the rows it inserted and updated as written."""
    queries: dict[str, list[str]] = {}
    for index, table in enumerate(writes):
        if table is not None:
            queries.setdefault(table, []).append(f"w{index}")
    return {
        table: (
            f"(SELECT * FROM {table} WHERE id NOT IN "
            f"({' UNION ALL '.join(f'SELECT id FROM {name}' for name in names)}) "
            f"UNION ALL {' UNION ALL '.join(f'SELECT * FROM {name}' for name in names)})"
        )
        for table, names in queries.items()
    }


def unprefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The columns of `row` named `<prefix><name>`, by their names: what a statement read
    beside its main row, aliased so that its names cannot clash with the row's."""
    return {key.removeprefix(prefix): value for key, value in row.items() if key.startswith(prefix)}


def hydrate(model: type[M], rows: Sequence[Mapping[str, Any]]) -> list[M]:
    """Model instances of rows read by hand-written SQL, as Tortoise builds them."""
    return [model._init_from_db(**row) for row in rows]
