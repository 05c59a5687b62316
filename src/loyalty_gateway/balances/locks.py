"""The one lock order for value changes: the profile row, then its lots."""

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from tortoise.models import Model

from loyalty_gateway.core.errors import require_uuid
from loyalty_gateway.db.rows import RowRef, hydrate, placeholder, raw, unprefixed
from loyalty_gateway.idempotency.service import Result, run_once
from loyalty_gateway.profiles.models import Profile, no_such_profile


@lru_cache(maxsize=4)
def _lock_sql(dialect: str) -> str:
    """The profile row, locked on PostgreSQL (SQLite serialises write transactions anyway
    and has no row locks)."""
    lock = " FOR UPDATE" if dialect == "postgres" else ""
    return f"SELECT * FROM {Profile._meta.db_table} WHERE id = {placeholder(dialect, 1)}{lock}"


async def lock_profile(profile_id: str, field: str = "profileId") -> Profile:
    """Lock the profile row for the rest of the transaction. Every value change starts
    here: the statement is written by hand, as the query builder's CPU cost more than it."""
    profile_id = require_uuid(profile_id, field)
    found = await raw(Profile, _lock_sql(Profile._meta.db.capabilities.dialect), [profile_id])
    if not found:
        raise no_such_profile(profile_id, field)
    return found[0]


BESIDE = "beside."
"""Before the columns of the row read beside the locked profile."""


@lru_cache(maxsize=16)
def _lock_beside_sql(dialect: str, table: str, column: str, columns: tuple[str, ...]) -> str:
    """The profile row locked (`_lock_sql`) and the row of `table` whose `column` is
    parameter 2, if there is one, in one statement."""
    lock = " FOR UPDATE OF p" if dialect == "postgres" else ""
    read = ", ".join(f'b."{name}" AS "{BESIDE}{name}"' for name in columns)
    return (
        f"SELECT p.*, {read} FROM {Profile._meta.db_table} p "
        f'LEFT JOIN "{table}" b ON b."{column}" = {placeholder(dialect, 2)} '
        f"WHERE p.id = {placeholder(dialect, 1)}{lock}"
    )


async def lock_profile_beside(
    profile_id: str, beside: RowRef, field: str = "profileId"
) -> tuple[Profile, Model | None]:
    """`lock_profile`, and the row `beside` names read by the same statement (None when
    there is none): a write that needs a definition saves a round trip."""
    profile_id = require_uuid(profile_id, field)
    meta = beside.model._meta
    columns = tuple(meta.fields_db_projection.values())
    sql = _lock_beside_sql(meta.db.capabilities.dialect, meta.db_table, beside.column, columns)
    rows = await Profile._meta.db.execute_query_dict(sql, [profile_id, beside.key])
    if not rows:
        raise no_such_profile(profile_id, field)
    row = unprefixed(rows[0], BESIDE)
    [profile] = hydrate(Profile, rows)
    found = hydrate(beside.model, [row])[0] if row[meta.db_pk_column] is not None else None
    return profile, found


async def once_under_lock(
    operation: str,
    key: str | None,
    request: dict[str, Any],
    profile_id: str,
    work: Callable[[Profile, Model | None], Awaitable[Result]],
    beside: RowRef | None = None,
) -> Result:
    """`run_once` with the profile locked first; `work` is given the row the lock read (in
    the same transaction, nothing else changes it meanwhile) and the row `beside` names,
    read by the same statement (None without one, or when there is no such row)."""
    locked: list[tuple[Profile, Model | None]] = []

    async def lock() -> None:
        if beside is None:
            locked.append((await lock_profile(profile_id), None))
        else:
            locked.append(await lock_profile_beside(profile_id, beside))

    return await run_once(operation, key, request, lambda: work(*locked[0]), lock=lock)


async def lock_profiles(profile_ids: list[str], field: str = "profileId") -> list[Profile]:
    """Lock several profiles in id order, so two transactions never wait on each other."""
    return [await lock_profile(pid, field) for pid in sorted(set(profile_ids))]
