"""Which tier a profile is in: the one it holds, else the base tier (`valueMin` 0), which
every profile is in from its creation while such a tier exists."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from loyalty_gateway.db.rows import placeholder, raw
from loyalty_gateway.tiers.models import ProfileTier, TierDefinition


def tier_of(held: ProfileTier | None, tiers: list[TierDefinition]) -> TierDefinition | None:
    """The rule, for rows already read (`tiers` may be all of them, in any order)."""
    if held is not None:
        return held.tier
    return next((tier for tier in tiers if tier.value_min == 0), None)


def tier_sql(profile: str) -> str:
    """The rule in SQL: the id of the tier the profile `profile` (an SQL expression) is in,
    the base tier being the first by handle, as `list_tiers` orders them."""
    held, tiers = ProfileTier._meta.db_table, TierDefinition._meta.db_table
    return (
        f"COALESCE((SELECT h.tier_id FROM {held} h WHERE h.profile_id = {profile}), "
        f"(SELECT t.id FROM {tiers} t WHERE t.value_min = 0 ORDER BY t.handle LIMIT 1))"
    )


@lru_cache(maxsize=4)
def _current_tier_sql(dialect: str) -> str:
    table = TierDefinition._meta.db_table
    return f"SELECT * FROM {table} c WHERE c.id = {tier_sql(placeholder(dialect, 1))}"


async def current_tier(profile_id: str) -> TierDefinition | None:
    """The rule, in one statement (`tier_sql`; in the caller's transaction): every value
    change emits an event with the profile's tier, and through the query builder its three
    statements cost more CPU than the change itself."""
    sql = _current_tier_sql(TierDefinition._meta.db.capabilities.dialect)
    found = await raw(TierDefinition, sql, [profile_id])
    return found[0] if found else None


@dataclass(frozen=True)
class Progress:
    """Where a profile stands: its tier, the next one up and the tier points still needed
    for it (None at the top), and when it reached its tier and next keeps or loses it."""

    current: TierDefinition | None
    next: TierDefinition | None
    points_to_next: int | None
    achieved_at: datetime | None
    anniversary_at: datetime | None


def progress(held: ProfileTier | None, points: int, tiers: list[TierDefinition]) -> Progress:
    """The next tier is the lowest one above the profile's (any, for a profile in none);
    `tiers` in `valueMin` order."""
    current = tier_of(held, tiers)
    floor = current.value_min if current else None
    upcoming = next((t for t in tiers if floor is None or t.value_min > floor), None)
    return Progress(
        current=current,
        next=upcoming,
        points_to_next=max(upcoming.value_min - points, 0) if upcoming else None,
        achieved_at=held.achieved_at if held else None,
        anniversary_at=held.anniversary_at if held else None,
    )
