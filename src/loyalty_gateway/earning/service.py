"""Earning on a sale: the definition's rates resolved, the points (or tier points) awarded
at them, one lot per rate; and the same computed without awarding (`calculateEarning`)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.earning.calculate import Earned, earnings
from loyalty_gateway.earning.definitions import POINT_DEFINITIONS, PointType, list_definitions
from loyalty_gateway.earning.models import Earning, PointDefinition, Rate
from loyalty_gateway.earning.rates import Facts, candidate_rates
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.points.service import AwardPointsInput, award_points
from loyalty_gateway.tiers.models import TierPoint
from loyalty_gateway.tiers.service import AwardTierPointsInput, award_tier_points


@dataclass(frozen=True)
class Sale:
    """What earning reads: the sale's context (None when earning on an amount alone), the
    profile's, and where and with which code it happened."""

    context: dict[str, Any] | None
    profile: dict[str, Any] | None
    location_id: str | None = None
    code: str | None = None

    def facts(self) -> Facts:
        return Facts(utcnow(), self.location_id, self.code, self.profile)

    @property
    def transaction_id(self) -> str | None:
        return str(self.context["id"]) if self.context and self.context.get("id") else None


async def _definition(handle: str, point_type: PointType) -> PointDefinition:
    definition = await POINT_DEFINITIONS.find(None, handle, "definition", "definition")
    if definition.type != point_type.value:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"'{handle}' defines {definition.type}, not {point_type.value}",
            "definition",
        )
    return definition


async def earned_by(
    definition: PointDefinition | None,
    sale: Sale,
    base: Decimal | None,
    check_rate: bool,
    rounding: str,
) -> list[Earned]:
    """What a sale earns by one definition: at its rates, or at rate 1 unchecked (or
    without a definition)."""
    rates: list[Rate] = []
    if check_rate and definition is not None:
        rates = (await candidate_rates([str(definition.id)]))[str(definition.id)]
    return earnings(rates, sale.facts(), sale.context, base, rounding)


@dataclass(frozen=True)
class EarnInput:
    profile_id: str
    point_type: PointType
    definition: str | None  # a point definition's handle
    check_rate: bool
    base: Decimal | None  # None: the sale's total (or its items)
    rounding: str
    timezone: str
    reason: str


async def earn(data: EarnInput, sale: Sale) -> list[tuple[Earned, str]]:
    """Award what the sale earns, one entry per rate, each with its id; nothing for an
    amount that earns no points (a refund's negative total, a zero)."""
    definition = None
    if data.definition is not None:
        definition = await _definition(data.definition, data.point_type)
    elif data.check_rate:
        raise UserError(ErrorCode.INVALID_INPUT, "check_rate needs a definition", "definition")
    awarded = []
    for earned in await earned_by(definition, sale, data.base, data.check_rate, data.rounding):
        if earned.points <= 0:
            continue
        earning = Earning(definition, earned.rate, sale.transaction_id)
        entry: PointLot | TierPoint
        award = AwardPointsInput if data.point_type is PointType.POINTS else AwardTierPointsInput
        given = award(
            profile_id=data.profile_id,
            points=earned.points,
            timezone=data.timezone,
            reason=data.reason,
            earned=earning,
        )
        if isinstance(given, AwardPointsInput):
            entry = await award_points(given)
        else:
            entry = await award_tier_points(given)
        awarded.append((earned, str(entry.id)))
    return awarded


async def calculate_earning(
    sale: Sale, handles: list[str] | None
) -> list[tuple[PointDefinition, Earned]]:
    """What the sale would earn by each definition (those named, else every one), at its
    rates, on its total or its items. Nothing is written."""
    if handles is None:
        definitions = await list_definitions(None)
    else:
        definitions = await POINT_DEFINITIONS.by_handles(handles, "handles")
    rates = await candidate_rates([str(definition.id) for definition in definitions])
    facts = sale.facts()
    return [
        (definition, earned)
        for definition in definitions
        for earned in earnings(rates[str(definition.id)], facts, sale.context, None)
    ]
