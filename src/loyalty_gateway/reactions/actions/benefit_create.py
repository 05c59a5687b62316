"""`benefit.create {profile_id, definition}`: issue an assignable benefit by handle."""

from typing import Any

from loyalty_gateway.benefits.definitions import find_definition
from loyalty_gateway.benefits.service import IssueBenefitInput, issue_benefit
from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.reactions.actions.base import (
    Action,
    ActionError,
    Arguments,
    Context,
    issue_timezone,
    text,
)


async def run(arguments: Arguments, context: Context) -> Any:
    data = IssueBenefitInput(
        profile_id=text(arguments, "profile_id"),
        timezone=await issue_timezone(arguments, context),
        benefit_definition_handle=text(arguments, "definition"),
    )
    benefit = await issue_benefit(data, reaction=True)
    return {"benefit_id": str(benefit.id), "definition": data.benefit_definition_handle}


async def dry_run(arguments: Arguments, context: Context) -> Any:
    profile = await get_profile(text(arguments, "profile_id"))
    definition = await find_definition(None, text(arguments, "definition"), "id", "definition")
    if not definition.is_assignable:
        raise ActionError(f"'{definition.handle}' is not assignable", "NOT_ASSIGNABLE")
    return {"would": f"issue benefit '{definition.handle}' to profile {profile.id}"}


ACTION = Action(
    name="benefit.create",
    required=("profile_id", "definition"),
    optional=("timezone",),
    run=run,
    dry_run=dry_run,
)
