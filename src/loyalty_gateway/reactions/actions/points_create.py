"""`points.create {profile_id, points, rounding?}` (also `point.create`, `points.award`):
award points. `points` may be computed by a rule (`{"*": [{"var": "total"}, 10]}` for ten
points a dollar): a fractional amount is rounded by `rounding`, `floor` (the default),
`round` (half up) or `ceil`."""

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from loyalty_gateway.core.money import to_decimal
from loyalty_gateway.points.service import AwardPointsInput, award_points
from loyalty_gateway.reactions.actions.base import (
    Action,
    ActionError,
    Arguments,
    Context,
    issue_timezone,
    text,
)
from loyalty_gateway.settings import Settings

ROUNDING = {"floor": ROUND_FLOOR, "round": ROUND_HALF_UP, "ceil": ROUND_CEILING}


def whole_points(value: object, rounding: str = "floor") -> int:
    """Points from a number, a numeric string or a rule's result, rounded to a whole number."""
    if rounding not in ROUNDING:
        raise ActionError(
            f"rounding must be one of {', '.join(ROUNDING)}, got {rounding!r}", "INVALID_ARGUMENTS"
        )
    amount = value if isinstance(value, Decimal) else to_decimal(value)
    if not amount.is_finite():
        raise ActionError(f"points must be a number, got {value!r}", "INVALID_ARGUMENTS")
    return int(amount.to_integral_value(rounding=ROUNDING[rounding]))


def _points(arguments: Arguments) -> int:
    value = arguments.get("points", arguments.get("value"))
    return whole_points(value, str(arguments.get("rounding") or "floor"))


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    data = AwardPointsInput(
        profile_id=text(arguments, "profile_id"),
        points=_points(arguments),
        timezone=await issue_timezone(arguments, context),
        reason=str(arguments.get("reason") or "reaction"),
    )
    lot = await award_points(data)
    return {"point_lot_id": str(lot.id), "points": lot.points_initial}


ACTION = Action(
    name="points.create",
    aliases=("point.create", "points.award"),
    required=("profile_id", "points"),
    optional=("timezone", "reason", "value", "rounding"),  # `value`: Omneo's name for `points`
    run=run,
)
