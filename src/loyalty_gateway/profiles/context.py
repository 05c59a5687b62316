"""The profile as reaction contexts see it: Omneo's snake_case keys at the root."""

from typing import Any

from loyalty_gateway.balances.held_tier import current_tier
from loyalty_gateway.balances.service import balances_of
from loyalty_gateway.profiles.models import Profile

CONTEXT_KEYS = frozenset(
    {
        "id", "profile_id", "first_name", "last_name", "email", "mobile_phone", "birth_date",
        "gender", "tags", "flattened_tags", "external_id", "tier_handle", "tier", "created_at",
        "updated_at", "reward_balance", "point_balance", "point_balance_dollars",
        "combined_balance_dollars", "benefit_balance",
    }
)  # fmt: skip
"""The keys `profile_context` gives, for checking `var` paths when a rule is saved (a test
holds the two together)."""
EVENT_CONTEXTS = {"profile.created": CONTEXT_KEYS, "profile.updated": CONTEXT_KEYS}


async def profile_context(profile: Profile) -> dict[str, Any]:
    """Fields, balances and tier of a profile, read in the caller's transaction."""
    balances = await balances_of(str(profile.id))
    current = await current_tier(str(profile.id))
    tier = {"handle": current.handle, "name": current.name} if current else None
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
