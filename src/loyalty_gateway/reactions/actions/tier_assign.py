"""`tier.assign {profile_id, tier}`: set a profile's tier by handle."""

from typing import Any

from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.reactions.actions.base import Action, ActionError, Arguments, Context, text
from loyalty_gateway.tiers.models import TierDefinition
from loyalty_gateway.tiers.service import assign_tier


async def run(arguments: Arguments, context: Context) -> Any:
    held = await assign_tier(text(arguments, "profile_id"), text(arguments, "tier"))
    return {"profile_id": str(held.profile_id), "tier": text(arguments, "tier")}


async def dry_run(arguments: Arguments, context: Context) -> Any:
    profile = await get_profile(text(arguments, "profile_id"))
    if not await TierDefinition.exists(handle=text(arguments, "tier")):
        raise ActionError(f"no tier '{text(arguments, 'tier')}'", "NOT_FOUND")
    return {"would": f"assign tier '{text(arguments, 'tier')}' to profile {profile.id}"}


ACTION = Action(name="tier.assign", required=("profile_id", "tier"), run=run, dry_run=dry_run)
