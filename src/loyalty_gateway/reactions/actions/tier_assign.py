"""`tier.assign {profile_id, tier}`: set a profile's tier by handle."""

from typing import Any

from loyalty_gateway.reactions.actions.base import Action, Arguments, Context, text
from loyalty_gateway.settings import Settings
from loyalty_gateway.tiers.service import assign_tier


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    held = await assign_tier(text(arguments, "profile_id"), text(arguments, "tier"))
    return {"profile_id": str(held.profile_id), "tier": text(arguments, "tier")}


ACTION = Action(name="tier.assign", required=("profile_id", "tier"), run=run)
