"""`benefit.create {profile_id, definition}`: issue an assignable benefit by handle."""

from typing import Any

from loyalty_gateway.benefits.service import IssueBenefitInput, issue_benefit
from loyalty_gateway.reactions.actions.base import (
    Action,
    Arguments,
    Context,
    issue_timezone,
    text,
)
from loyalty_gateway.settings import Settings


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    data = IssueBenefitInput(
        profile_id=text(arguments, "profile_id"),
        timezone=await issue_timezone(arguments, context),
        benefit_definition_handle=text(arguments, "definition"),
    )
    benefit = await issue_benefit(data, reaction=True)
    return {"benefit_id": str(benefit.id), "definition": data.benefit_definition_handle}


ACTION = Action(
    name="benefit.create",
    required=("profile_id", "definition"),
    optional=("timezone",),
    run=run,
)
