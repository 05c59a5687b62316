"""Point awards: lots of points that never expire unless given an expiry."""

from dataclasses import dataclass
from typing import Any

from loyalty_gateway.balances.definitions import lot_dates
from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import zone
from loyalty_gateway.db.columns import check_text, json_for_storage
from loyalty_gateway.earning.models import Earning
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import Made, run_once
from loyalty_gateway.issuing import LotInput
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.profiles.context import insert_in_context
from loyalty_gateway.profiles.service import get_profile

MAX_POINTS = 10**12


@dataclass(kw_only=True)
class AwardPointsInput(LotInput):
    points: int
    reason: str | None = None
    earned: Earning | None = None  # set when earned on a sale by a definition


EVENT_CONTEXTS = {
    "point.created": frozenset(
        {
            "id", "profile_id", "value", "points", "reason", "timezone", "issued_at",
            "expires_at", "available_at", "rate", "transaction_id", "external_id", "meta",
            "profile",
        }
    ),
}  # fmt: skip


def point_context(lot: PointLot, profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(lot.id),
        "profile_id": str(lot.profile_id),
        "value": lot.points_initial,
        "points": lot.points_initial,
        "reason": lot.reason,
        "timezone": lot.timezone,
        "issued_at": lot.issued_at,
        "expires_at": lot.expires_at,
        "available_at": lot.available_at,
        "rate": lot.rate,
        "transaction_id": str(lot.transaction_id) if lot.transaction_id else None,
        "external_id": lot.external_id,
        "meta": lot.meta,
        "profile": profile,
    }


async def _award(data: AwardPointsInput, made: Made[PointLot]) -> dict[str, Any]:
    tz = zone(data.timezone)
    if data.points <= 0 or data.points > MAX_POINTS:
        raise UserError(
            ErrorCode.INVALID_AMOUNT, f"points must be between 1 and {MAX_POINTS:,}", "points"
        )
    check_text(PointLot, {"reason": data.reason, "external_id": data.external_id})
    profile = await get_profile(data.profile_id)
    earned = data.earned
    definition = earned.definition if earned else None
    issued_at, expires_at = lot_dates(tz, data.issued_at, data.expires_at, definition)
    values = {
        "profile_id": profile.id,
        "points_initial": data.points,
        "points_remaining": data.points,
        "timezone": data.timezone,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "reason": data.reason,
        "external_id": data.external_id,
        "meta": json_for_storage(data.meta),
    }
    if earned is not None:
        values |= {**earned.columns(), "available_at": earned.available_at(issued_at)}
    lot, context = await insert_in_context(PointLot, values, profile)
    await outbox.emit("point.created", point_context(lot, context), str(profile.id))
    return made.keep(lot)


async def award_points(data: AwardPointsInput, idempotency_key: str | None = None) -> PointLot:
    """Award a lot of points; a repeated idempotency key with the same input returns the first."""
    made = Made(PointLot, "point_lot_id")
    request = dict(vars(data))
    result = await run_once("awardPoints", idempotency_key, request, lambda: _award(data, made))
    return await made.row(result)
