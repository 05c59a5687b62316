"""A refunded sale gives back what it earned: its point lots are voided (what is left of
them: points already spent stay spent, so a balance never goes below zero) and its tier
points are cancelled by an entry of the opposite sign. Once per sale."""

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from loyalty_gateway.balances.locks import lock_profile
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.tiers.models import TierPoint
from loyalty_gateway.transactions.models import Transaction


@dataclass(frozen=True)
class Refund:
    transaction: Transaction
    points_taken_back: int
    tier_points_taken_back: int


async def refund_transaction(transaction_id: str, reason: str | None) -> Refund:
    transaction_id = require_uuid(transaction_id, "id")
    check_text(TierPoint, {"reason": reason})
    async with in_transaction():
        found = await Transaction.get_or_none(id=transaction_id)
        if found is None:
            raise UserError(ErrorCode.NOT_FOUND, f"No transaction {transaction_id}", "id")
        if found.profile_id is not None:
            await lock_profile(str(found.profile_id))
        transaction = await Transaction.select_for_update().get(id=transaction_id)
        if transaction.refunded_at is not None:
            raise UserError(ErrorCode.ALREADY_REFUNDED, "The transaction is already refunded", "id")
        now = utcnow()
        live = PointLot.filter(transaction_id=transaction_id, voided_at__isnull=True)
        points = sum(lot.points_remaining for lot in await live)
        await live.update(voided_at=now)
        earned = await TierPoint.filter(transaction_id=transaction_id)
        tier_points = sum(entry.points for entry in earned)
        if tier_points:
            await TierPoint.create(
                profile_id=transaction.profile_id,
                points=-tier_points,
                reason=reason or "refund",
                timezone=transaction.timezone,
                issued_at=now,
                transaction_id=transaction_id,
            )
        transaction.refunded_at = now
        await transaction.save(update_fields=["refunded_at"])
    return Refund(transaction, points, tier_points)
