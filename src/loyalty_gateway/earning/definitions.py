"""Point definitions: the kinds of points a program awards (reward points, tier points),
with the expiry and the pending period their lots get."""

from enum import Enum
from typing import Any

from loyalty_gateway.balances.definitions import DefinitionKind, clean_definition
from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.db.keyset import by_creation
from loyalty_gateway.earning.models import IssuePeriodType, PointDefinition


class PointType(Enum):
    POINTS = "points"  # spendable, in balances
    TIER_POINTS = "tier_points"  # count toward tiers


MAX_ISSUE_PERIOD = 3660  # days (ten years), or as many hours


def clean_issue_period(fields: dict[str, Any]) -> dict[str, Any]:
    """A pending period (of a definition or a rate) of 0 or more hours or days."""
    cleaned = dict(fields)
    period = cleaned.get("issue_period")
    if period is not None and not 0 <= period <= MAX_ISSUE_PERIOD:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"issuePeriod must be between 0 and {MAX_ISSUE_PERIOD}",
            "issuePeriod",
        )
    if "issue_period_type" in cleaned:
        kind = cleaned["issue_period_type"]
        if kind is None:
            raise UserError(
                ErrorCode.INVALID_INPUT, "issuePeriodType cannot be null", "issuePeriodType"
            )
        cleaned["issue_period_type"] = IssuePeriodType(kind).value
    return cleaned


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    given = dict(fields)
    if isinstance(given.get("type"), PointType):
        given["type"] = given["type"].value
    types = tuple(t.value for t in PointType)
    return clean_issue_period(clean_definition(PointDefinition, given, types, ()))


POINT_DEFINITIONS = DefinitionKind(
    PointDefinition, "point definition", by_creation("pointDefinitions"), _clean
)


async def update_definition(definition_id: str, fields: dict[str, Any]) -> PointDefinition:
    """Change what is given; the type stays (lots of one kind never become the other)."""
    if "type" in fields:
        raise UserError(ErrorCode.INVALID_INPUT, "type cannot change", "type")
    return await POINT_DEFINITIONS.update(definition_id, fields)


async def list_definitions(point_type: PointType | None) -> list[PointDefinition]:
    query = PointDefinition.all()
    if point_type is not None:
        query = query.filter(type=point_type.value)
    return await query.order_by(*POINT_DEFINITIONS.order.ordering())
