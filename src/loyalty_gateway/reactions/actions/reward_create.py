"""`reward.create {profile_id, definition, value?}`: issue an assignable reward by handle."""

from decimal import Decimal
from typing import Any

from loyalty_gateway.core.money import to_decimal
from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.reactions.actions.base import (
    Action,
    ActionError,
    Arguments,
    Context,
    issue_timezone,
    text,
)
from loyalty_gateway.rewards.definitions import find_definition
from loyalty_gateway.rewards.service import IssueRewardInput, issue_reward


def _value(arguments: Arguments) -> Decimal | None:
    value = arguments.get("value")
    return None if value is None else to_decimal(value)


async def run(arguments: Arguments, context: Context) -> Any:
    data = IssueRewardInput(
        profile_id=text(arguments, "profile_id"),
        timezone=await issue_timezone(arguments, context),
        reward_definition_handle=text(arguments, "definition"),
        value_initial=_value(arguments),
    )
    reward = await issue_reward(data, reaction=True)
    return {"reward_id": str(reward.id), "definition": data.reward_definition_handle}


async def dry_run(arguments: Arguments, context: Context) -> Any:
    profile = await get_profile(text(arguments, "profile_id"))
    definition = await find_definition(None, text(arguments, "definition"), "id", "definition")
    if not definition.is_assignable:
        raise ActionError(f"'{definition.handle}' is not assignable", "NOT_ASSIGNABLE")
    return {"would": f"issue reward '{definition.handle}' to profile {profile.id}"}


ACTION = Action(
    name="reward.create",
    required=("profile_id", "definition"),
    optional=("value", "timezone"),
    run=run,
    dry_run=dry_run,
)
