"""Every value movement of a profile, and the totals that must balance:
issued - redeemed + restored - voided - expired-unused = balance + pending (points earned
but not yet spendable)."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from loyalty_gateway.balances.service import NON_MONETARY_REWARD_TYPES
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem, RedemptionType
from loyalty_gateway.rewards.models import Reward


class Movement(Enum):
    ISSUED = "ISSUED"
    REDEEMED = "REDEEMED"
    REVERSED = "REVERSED"
    RETURNED = "RETURNED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class LotKind(Enum):
    REWARD = "REWARD"
    POINT = "POINT"


@dataclass(frozen=True)
class Entry:
    at: datetime
    movement: Movement
    kind: LotKind
    amount: int
    lot_id: str
    redemption_id: str | None = None


@dataclass
class Totals:
    """Cents for rewards, points for point lots."""

    issued: int = 0
    redeemed: int = 0
    restored: int = 0
    voided: int = 0
    expired: int = 0
    balance: int = 0
    pending: int = 0

    @property
    def balanced(self) -> bool:
        left = self.issued - self.redeemed + self.restored - self.voided - self.expired
        return left == self.balance + self.pending


@dataclass
class Ledger:
    entries: list[Entry]
    rewards: Totals
    points: Totals


ITEM_MOVEMENT = {
    RedemptionType.REDEEM.value: Movement.REDEEMED,
    RedemptionType.REVERSAL.value: Movement.REVERSED,
    RedemptionType.RETURN.value: Movement.RETURNED,
}


def _lot_entries(
    kind: LotKind, lot: Reward | PointLot, amounts: tuple[int, int], totals: Totals, now: datetime
) -> list[Entry]:
    """A lot's issue, and its void or expiry, given what it was issued with and what is left
    of it (`amounts`), counted into `totals`."""
    issued, remaining = amounts
    lot_id = str(lot.id)
    entries = [Entry(lot.issued_at, Movement.ISSUED, kind, issued, lot_id)]
    totals.issued += issued
    available_at = lot.available_at if isinstance(lot, PointLot) else None
    if lot.voided_at is not None:
        totals.voided += remaining
        entries.append(Entry(lot.voided_at, Movement.VOIDED, kind, remaining, lot_id))
    elif lot.expires_at is not None and lot.expires_at <= now:
        totals.expired += remaining
        if remaining:
            entries.append(Entry(lot.expires_at, Movement.EXPIRED, kind, remaining, lot_id))
    elif available_at is not None and available_at > now:
        totals.pending += remaining
    else:
        totals.balance += remaining
    return entries


async def ledger(profile_id: str) -> Ledger:
    now = utcnow()
    rewards = await Reward.filter(profile_id=profile_id).exclude(type__in=NON_MONETARY_REWARD_TYPES)
    lots = await PointLot.filter(profile_id=profile_id)
    redemptions = {str(r.id): r for r in await Redemption.filter(profile_id=profile_id)}
    items = await RedemptionItem.filter(redemption_id__in=list(redemptions))
    reward_totals, point_totals = Totals(), Totals()
    entries: list[Entry] = []
    for reward in rewards:
        cents = reward.value_at_issue_cents, reward.value_remaining_cents
        entries += _lot_entries(LotKind.REWARD, reward, cents, reward_totals, now)
    for lot in lots:
        points = lot.points_initial, lot.points_remaining
        entries += _lot_entries(LotKind.POINT, lot, points, point_totals, now)
    monetary = {str(r.id) for r in rewards}
    for item in items:
        if item.benefit_id is not None:
            continue  # a benefit's uses, not value
        if item.reward_id is not None and str(item.reward_id) not in monetary:
            continue
        redemption = redemptions[str(item.redemption_id)]
        movement = ITEM_MOVEMENT[redemption.type]
        kind = LotKind.REWARD if item.reward_id else LotKind.POINT
        amount = item.value_cents if kind is LotKind.REWARD else item.points
        totals = reward_totals if kind is LotKind.REWARD else point_totals
        if movement is Movement.REDEEMED:
            totals.redeemed += amount
        else:
            totals.restored += amount
        lot_id = str(item.reward_id or item.point_lot_id)
        entries.append(
            Entry(redemption.created_at, movement, kind, amount, lot_id, str(redemption.id))
        )
    entries.sort(key=lambda e: (e.at, list(Movement).index(e.movement), e.lot_id))
    return Ledger(entries=entries, rewards=reward_totals, points=point_totals)
