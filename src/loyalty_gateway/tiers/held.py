"""Which tier a profile is in: the one it holds, else the base tier (`valueMin` 0), which
every profile is in from its creation while such a tier exists."""

from loyalty_gateway.tiers.models import ProfileTier, TierDefinition


def tier_of(held: ProfileTier | None, tiers: list[TierDefinition]) -> TierDefinition | None:
    """The rule, for rows already read (`tiers` may be all of them, in any order)."""
    if held is not None:
        return held.tier
    return next((tier for tier in tiers if tier.value_min == 0), None)


async def current_tier(profile_id: str) -> TierDefinition | None:
    """The rule, reading what it needs (in the caller's transaction)."""
    held = await ProfileTier.get_or_none(profile_id=profile_id).prefetch_related("tier")
    if held is not None:
        return held.tier
    return tier_of(None, await TierDefinition.filter(value_min=0).order_by("handle"))
