"""`reward.create {profile_id, definition, value?}`: issue an assignable reward by handle."""

from decimal import Decimal
from typing import Any

from loyalty_gateway.core.money import to_decimal
from loyalty_gateway.reactions.actions.base import (
    Action,
    Arguments,
    Context,
    issue_timezone,
    text,
)
from loyalty_gateway.rewards.service import IssueRewardInput, issue_reward
from loyalty_gateway.settings import Settings


def _value(arguments: Arguments) -> Decimal | None:
    value = arguments.get("value")
    return None if value is None else to_decimal(value)


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    data = IssueRewardInput(
        profile_id=text(arguments, "profile_id"),
        timezone=await issue_timezone(arguments, context),
        reward_definition_handle=text(arguments, "definition"),
        value_initial=_value(arguments),
    )
    reward = await issue_reward(data, reaction=True)
    return {"reward_id": str(reward.id), "definition": data.reward_definition_handle}


ACTION = Action(
    name="reward.create",
    required=("profile_id", "definition"),
    optional=("value", "timezone"),
    run=run,
)
