"""The profile as reaction contexts see it: Omneo's snake_case keys at the root."""

from functools import lru_cache
from typing import Any

from loyalty_gateway.balances.held_tier import tier_sql
from loyalty_gateway.balances.service import balance_sql, balances_from, rate_of
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import placeholder
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.tiers.models import TierDefinition

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


@lru_cache(maxsize=4)
def _standing_sql(dialect: str) -> str:
    """The profile's balances (`balance_sql`) and tier (`tier_sql`) in one statement: every
    value change emits its profile's context, so this is one round trip of each of them.
    Parameter 1 is `now`, 2 the profile id."""
    now, profile = placeholder(dialect, 1), placeholder(dialect, 2)
    columns = ", ".join(f"{sql} AS {name}" for name, sql in balance_sql(profile, now).items())
    tiers = TierDefinition._meta.db_table
    return (
        f"SELECT {columns}, t.handle AS tier_handle, t.name AS tier_name FROM (SELECT 1) one "
        f"LEFT JOIN {tiers} t ON t.id = {tier_sql(profile)}"
    )


async def profile_context(profile: Profile) -> dict[str, Any]:
    """Fields, balances and tier of a profile, read in the caller's transaction."""
    connection = Profile._meta.db
    sql = _standing_sql(connection.capabilities.dialect)
    [row] = await connection.execute_query_dict(sql, [utcnow(), str(profile.id)])
    balances = balances_from(row, await rate_of(row))
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
