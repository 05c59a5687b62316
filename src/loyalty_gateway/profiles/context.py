"""The profile as reaction contexts see it: Omneo's snake_case keys at the root."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from loyalty_gateway.balances.held_tier import tier_sql
from loyalty_gateway.balances.service import balance_sql, balances_from, rate_of
from loyalty_gateway.core.errors import require_uuid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import (
    Part,
    hydrate,
    inserting,
    numbered,
    placeholder,
    unprefixed,
    with_queries,
    write_together,
    written_tables,
)
from loyalty_gateway.profiles.models import Profile, no_such_profile
from loyalty_gateway.tiers.models import TierDefinition

M = TypeVar("M", bound=Model)

CONTEXT_KEYS = frozenset(
    {
        "id", "profile_id", "first_name", "last_name", "email", "mobile_phone", "birth_date",
        "gender", "tags", "flattened_tags", "external_id", "tier_handle", "tier", "created_at",
        "updated_at", "reward_balance", "point_balance", "point_balance_dollars",
        "combined_balance_dollars", "benefit_balance", "pending_point_balance",
    }
)  # fmt: skip
"""The keys `profile_context` gives, for checking `var` paths when a rule is saved (a test
holds the two together)."""
EVENT_CONTEXTS = {"profile.created": CONTEXT_KEYS, "profile.updated": CONTEXT_KEYS}


@lru_cache(maxsize=16)
def _standings_sql(dialect: str, count: int, also: str = "") -> str:
    """Profiles' balances (`balance_sql`) and tier (`tier_sql`) in one statement: every
    value change emits its profile's context, so this is one round trip of each of them; an
    automation's batch reads all of its profiles' at once. Parameter 1 is `now`, the rest
    the profile ids; `also` adds columns (over the profile `p`)."""
    now = placeholder(dialect, 1)
    ids = ", ".join(placeholder(dialect, index + 2) for index in range(count))
    return f"SELECT p.id AS profile_id, {_standings(now, ids, also)}"


def _standings(now: str, ids: str, also: str = "", tables: Mapping[str, str] | None = None) -> str:
    """The standings' columns and where they come from (`tables` as `balance_sql` takes
    them)."""
    balances = balance_sql("p.id", now, tables)
    columns = ", ".join(f"{sql} AS {name}" for name, sql in balances.items())
    tiers, profiles = TierDefinition._meta.db_table, Profile._meta.db_table
    return (
        f"{columns}, t.handle AS tier_handle, t.name AS tier_name"
        f"{also} FROM {profiles} p LEFT JOIN {tiers} t ON t.id = {tier_sql('p.id')} "
        f"WHERE p.id IN ({ids})"
    )


STANDING = "standing."
"""Before the standings' columns in a write's row, which may have columns of those names
(a point lot's `rate`)."""


@lru_cache(maxsize=64)
def _written_sql(sqls: tuple[str, ...], writes: tuple[str | None, ...]) -> str:
    """A write's parts and its profile's standings as the write leaves them, in one
    PostgreSQL statement: `now` and the profile id are the parameters after the parts'."""
    returning = tuple(index == 0 or table is not None for index, table in enumerate(writes))
    queries, start = with_queries(sqls, returning, "postgres")
    now, profile = placeholder("postgres", start), placeholder("postgres", start + 1)
    standings = _standings(now, profile, tables=written_tables(writes))
    names = [*balance_sql("p.id", now), "tier_handle", "tier_name"]
    columns = ", ".join(f's.{name} AS "{STANDING}{name}"' for name in names)
    return f"{queries} SELECT w0.*, {columns} FROM w0, (SELECT {standings}) s"


async def write_in_context(
    model: type[M], parts: Sequence[Part], profile: Profile
) -> tuple[list[M], dict[str, Any]]:
    """`write_together(model, parts)` and the profile's context as the write leaves it
    (the parts that change a lot name its table, `Part.writes`): on PostgreSQL both in one
    statement, one round trip less for every write that moves a balance; on SQLite a read
    after the write."""
    connection = model._meta.db
    if connection.capabilities.dialect != "postgres":
        return await write_together(model, parts), await profile_context(profile)
    sql = _written_sql(tuple(p.sql for p in parts), tuple(p.writes for p in parts))
    params = [value for part in parts for value in part.params]
    rows = await connection.execute_query_dict(sql, [*params, utcnow(), str(profile.id)])
    standing = unprefixed(rows[0], STANDING)
    return hydrate(model, rows), _context(profile, standing, await rate_of(standing))


async def insert_in_context(
    model: type[M], values: dict[str, Any], profile: Profile
) -> tuple[M, dict[str, Any]]:
    """A new lot of the profile's (`values`, as `inserting` takes them) and the profile's
    context with it counted (`write_in_context`)."""
    part, _ = inserting(model, [values])
    [row], context = await write_in_context(
        model, [replace(part, writes=model._meta.db_table)], profile
    )
    return row, context


async def profile_in_context(
    profile_id: str, also: str = "", params: Sequence[object] = (), field: str = "profileId"
) -> tuple[Profile, dict[str, Any], dict[str, Any]]:
    """The profile (NOT_FOUND without one), its context and its row, with the `also`
    columns (SQL over the profile `p`, `%s` for each of `params`), in one statement: for a
    change that moves no balance, whose event carries the context read with the profile."""
    connection = Profile._meta.db
    dialect = connection.capabilities.dialect
    sql = _standings_sql(dialect, 1, numbered(f", p.*{also}", dialect, 3))
    key = require_uuid(profile_id, field)
    rows = await connection.execute_query_dict(sql, [utcnow(), key, *params])
    if not rows:
        raise no_such_profile(profile_id, field)
    [profile] = hydrate(Profile, rows)
    return profile, _context(profile, rows[0], await rate_of(rows[0])), rows[0]


async def profile_context(profile: Profile) -> dict[str, Any]:
    """Fields, balances and tier of a profile, read in the caller's transaction."""
    return (await profile_contexts([profile]))[str(profile.id)]


async def profile_contexts(profiles: list[Profile]) -> dict[str, dict[str, Any]]:
    """`profile_context` of many profiles, in one statement."""
    if not profiles:
        return {}
    connection = Profile._meta.db
    sql = _standings_sql(connection.capabilities.dialect, len(profiles))
    rows = await connection.execute_query_dict(sql, [utcnow(), *(str(p.id) for p in profiles)])
    found = {str(row["profile_id"]): row for row in rows}
    rate = await rate_of(rows[0] if rows else None)
    return {str(p.id): _context(p, found[str(p.id)], rate) for p in profiles}


def _context(profile: Profile, row: dict[str, Any], rate: Decimal) -> dict[str, Any]:
    balances = balances_from(row, rate)
    tier = (
        {"handle": row["tier_handle"], "name": row["tier_name"]}
        if row["tier_handle"] is not None
        else None
    )
    return {
        "id": str(profile.id),
        "profile_id": str(profile.id),
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "mobile_phone": profile.mobile_phone,
        "birth_date": profile.birth_date,
        "gender": profile.gender,
        "tags": list(profile.tags),
        "flattened_tags": list(profile.tags),
        "external_id": profile.external_id,
        "tier_handle": tier["handle"] if tier else None,
        "tier": tier,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
        **balances.as_context(),
    }
