"""`points.create {profile_id, points}` (also `point.create`, `points.award`): award points."""

from typing import Any

from loyalty_gateway.points.service import AwardPointsInput, award_points
from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.reactions.actions.base import Action, ActionError, Arguments, Context, text


def _points(arguments: Arguments) -> int:
    value = arguments.get("points", arguments.get("value"))
    try:
        points = int(str(value))
    except ValueError:
        raise ActionError(f"points must be a whole number, got {value!r}") from None
    return points


async def run(arguments: Arguments, context: Context) -> Any:
    data = AwardPointsInput(
        profile_id=text(arguments, "profile_id"),
        points=_points(arguments),
        timezone=str(arguments.get("timezone") or "UTC"),
        reason=str(arguments.get("reason") or "reaction"),
    )
    lot = await award_points(data)
    return {"point_lot_id": str(lot.id), "points": lot.points_initial}


async def dry_run(arguments: Arguments, context: Context) -> Any:
    profile = await get_profile(text(arguments, "profile_id"))
    return {"would": f"award {_points(arguments)} points to profile {profile.id}"}


ACTION = Action(
    name="points.create",
    aliases=("point.create", "points.award"),
    required=("profile_id", "points"),
    optional=("timezone", "reason", "value"),  # `value`: Omneo's name for `points`
    run=run,
    dry_run=dry_run,
)
