"""The one lock order for value changes: the profile row, then its lots."""

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

from loyalty_gateway.core.errors import require_uuid
from loyalty_gateway.db.rows import placeholder, raw
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


async def once_under_lock(
    operation: str,
    key: str | None,
    request: dict[str, Any],
    profile_id: str,
    work: Callable[[Profile], Awaitable[Result]],
) -> Result:
    """`run_once` with the profile locked first; `work` is given the row the lock read (in
    the same transaction, nothing else changes it meanwhile)."""
    locked: list[Profile] = []

    async def lock() -> None:
        locked.append(await lock_profile(profile_id))

    return await run_once(operation, key, request, lambda: work(locked[0]), lock=lock)


async def lock_profiles(profile_ids: list[str], field: str = "profileId") -> list[Profile]:
    """Lock several profiles in id order, so two transactions never wait on each other."""
    return [await lock_profile(pid, field) for pid in sorted(set(profile_ids))]
