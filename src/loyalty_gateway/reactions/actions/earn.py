"""`points.create` (also `point.create`, `points.award`) and `tierPoints.create` (also
`tier-point.create`, `tier_point.create`, `tierpoint.create`): award points or tier points.

Arguments: `profile_id`; `points` (or Omneo's `value`), the amount to earn on, which may be
a rule (`{"*": [{"var": "total"}, 10]}`): by default the transaction's total, or its items
one by one when a rate has product conditions; `definition`, a point definition's handle;
`checkRate` (Omneo's `check_rate`), to multiply by the definition's rate
(`earning/rates.py`) rather than by 1;
`location_id` (by default the transaction's) and `code`, which rates may ask for;
`rounding` of a fractional result, `floor` (the default), `round` (half up) or `ceil`;
`timezone` and `reason`. One lot is awarded per rate that applied; an amount that earns
nothing (a zero, a refund's negative total) awards nothing.
"""

from typing import Any

from loyalty_gateway.core.money import to_decimal
from loyalty_gateway.earning.definitions import PointType
from loyalty_gateway.earning.service import EarnInput, Sale, earn
from loyalty_gateway.reactions.actions.base import (
    Action,
    ActionError,
    Arguments,
    Context,
    issue_timezone,
    text,
)
from loyalty_gateway.settings import Settings

OPTIONAL = (
    "points", "value", "definition", "checkRate", "check_rate", "location_id", "code",
    "rounding", "timezone", "reason",
)  # fmt: skip


def _flag(value: Any) -> bool:
    if value in (None, False, "false", "0", 0):
        return False
    if value in (True, "true", "1", 1):
        return True
    raise ActionError(f"check_rate must be true or false, got {value!r}", "INVALID_ARGUMENTS")


def sale_of(context: Context, arguments: Arguments) -> Sale:
    """A transaction's context is a sale (its profile nested); any other event's is not, and
    its profile is the context itself or its `profile`."""
    is_sale = "transacted_at" in context and "items" in context
    nested = context.get("profile")
    return Sale(
        context=context if is_sale else None,
        profile=nested if isinstance(nested, dict) else context,
        location_id=arguments.get("location_id") or context.get("location_id"),
        code=arguments.get("code"),
    )


def _runner(point_type: PointType) -> Any:
    async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
        amount = arguments.get("points", arguments.get("value"))
        definition = arguments.get("definition")
        data = EarnInput(
            profile_id=text(arguments, "profile_id"),
            point_type=point_type,
            definition=str(definition) if definition else None,
            check_rate=_flag(arguments.get("checkRate", arguments.get("check_rate"))),
            base=None if amount is None else to_decimal(amount),
            rounding=str(arguments.get("rounding") or "floor"),
            timezone=await issue_timezone(arguments, context),
            reason=str(arguments.get("reason") or "reaction"),
        )
        awarded = await earn(data, sale_of(context, arguments))
        return {
            "points": sum(earned.points for earned, _ in awarded),
            "awarded": [
                {
                    "id": entry_id,
                    "points": earned.points,
                    "rate": format(earned.multiplier.normalize(), "f"),
                    "rate_id": str(earned.rate.id) if earned.rate else None,
                    "items": list(earned.items),
                }
                for earned, entry_id in awarded
            ],
        }

    return run


POINTS = Action(
    name="points.create",
    aliases=("point.create", "points.award"),
    required=("profile_id",),
    optional=OPTIONAL,
    run=_runner(PointType.POINTS),
)
TIER_POINTS = Action(
    name="tierPoints.create",
    aliases=("tier-point.create", "tier_point.create", "tierpoint.create", "tier-points.create"),
    required=("profile_id",),
    optional=OPTIONAL,
    run=_runner(PointType.TIER_POINTS),
)
