"""Balances are sums over live lots: active (not void), unexpired, with value left."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.functions import Count, Sum

from loyalty_gateway.balances.lots import has_uses_left
from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.core.money import from_cents, points_to_cents
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.program.service import points_to_dollars_rate
from loyalty_gateway.rewards.models import Reward

NON_MONETARY_REWARD_TYPES = ("percentage",)


@dataclass(frozen=True)
class Balances:
    reward_cents: int
    points: int
    point_cents: int
    benefits: int

    @property
    def combined_cents(self) -> int:
        return self.reward_cents + self.point_cents

    def as_context(self) -> dict[str, object]:
        """Omneo's snake_case balance keys, as event contexts carry them."""
        return {
            "reward_balance": from_cents(self.reward_cents),
            "point_balance": self.points,
            "point_balance_dollars": from_cents(self.point_cents),
            "combined_balance_dollars": from_cents(self.combined_cents),
            "benefit_balance": self.benefits,
        }


def live(now: datetime) -> Q:
    return Q(voided_at=None) & (Q(expires_at=None) | Q(expires_at__gt=now))


async def balances_for(profile_ids: Iterable[str]) -> dict[str, Balances]:
    """Balances of many profiles in four queries: the rate and three grouped sums."""
    ids = list({str(profile_id) for profile_id in profile_ids})
    if not ids:
        return {}
    rate = await points_to_dollars_rate()
    now = utcnow()
    reward_rows = (
        await Reward.filter(live(now), profile_id__in=ids, value_remaining__gt=0)
        .exclude(definition__type__in=NON_MONETARY_REWARD_TYPES)
        .annotate(total=Sum("value_remaining"))
        .group_by("profile_id")
        .values("profile_id", "total")
    )
    point_rows = (
        await PointLot.filter(live(now), profile_id__in=ids, points_remaining__gt=0)
        .annotate(total=Sum("points_remaining"))
        .group_by("profile_id")
        .values("profile_id", "total")
    )
    benefit_rows = (
        await Benefit.filter(
            live(now),
            has_uses_left(),
            profile_id__in=ids,
        )
        .annotate(total=Count("id"))
        .group_by("profile_id")
        .values("profile_id", "total")
    )
    rewards = {str(row["profile_id"]): int(row["total"] or 0) for row in reward_rows}
    benefits = {str(row["profile_id"]): int(row["total"] or 0) for row in benefit_rows}
    points = {str(row["profile_id"]): int(row["total"] or 0) for row in point_rows}
    return {
        profile_id: Balances(
            reward_cents=rewards.get(profile_id, 0),
            points=points.get(profile_id, 0),
            point_cents=points_to_cents(points.get(profile_id, 0), rate),
            benefits=benefits.get(profile_id, 0),
        )
        for profile_id in ids
    }


async def balances_of(profile_id: str) -> Balances:
    return (await balances_for([profile_id]))[str(profile_id)]
