"""Per-request DataLoaders, so nested fields cost one query per level, not one per object."""

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from loyalty_gateway.balances.service import Balances, balances_for
from loyalty_gateway.benefits import definitions as benefit_definitions
from loyalty_gateway.benefits.models import Benefit, BenefitDefinition
from loyalty_gateway.benefits.service import benefits_for_profiles
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.events.models import Event
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.points.service import points_for_profiles
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import profiles_by_ids
from loyalty_gateway.reactions.models import Reaction, ReactionAction, ReactionStep
from loyalty_gateway.redemptions import service as redemptions
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem
from loyalty_gateway.rewards.definitions import definitions_by_ids
from loyalty_gateway.rewards.models import Reward, RewardDefinition
from loyalty_gateway.rewards.service import rewards_for_profiles
from loyalty_gateway.tiers import service as tiers
from loyalty_gateway.tiers.models import ProfileTier, TierDefinition
from loyalty_gateway.transactions import service as transactions
from loyalty_gateway.transactions.models import Transaction, TransactionItem

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
StatusKey = tuple[str, tuple[Enum, ...]]


def by_key(fetch: Callable[[list[K]], Awaitable[dict[K, V]]], missing: Any = None) -> DataLoader:
    """A loader over a batch function returning {key: value}; absent keys get `missing`."""

    async def load(keys: Sequence[K]) -> list[V]:
        found = await fetch(list(keys))
        return [found.get(key, missing) for key in keys]

    return DataLoader(load_fn=load)


def by_status(
    fetch: Callable[[list[str], tuple[Enum, ...]], Awaitable[dict[str, list[V]]]],
) -> DataLoader:
    """Lots per (profile, statuses): one query per distinct status filter in the batch."""

    async def load(keys: Sequence[StatusKey]) -> list[list[V]]:
        by_statuses: dict[tuple[Enum, ...], list[str]] = {}
        for profile_id, statuses in keys:
            by_statuses.setdefault(statuses, []).append(profile_id)
        results: dict[StatusKey, list[V]] = {}
        for statuses, profile_ids in by_statuses.items():
            grouped = await fetch(profile_ids, statuses)
            for profile_id in profile_ids:
                results[(profile_id, statuses)] = grouped[profile_id]
        return [results[key] for key in keys]

    return DataLoader(load_fn=load)


async def _by_ids(model: Any, ids: list[str]) -> dict[str, Any]:
    return {str(row.id): row for row in await model.filter(id__in=ids)}


async def _all_tiers(keys: list[str]) -> dict[str, list[TierDefinition]]:
    """Every tier definition, once per request whatever the key."""
    found = await tiers.list_tiers()
    return dict.fromkeys(keys, found)


async def _grouped(model: Any, column: str, ids: list[str], order: str) -> dict[str, list]:
    """Rows of `model` whose `column` is one of `ids`, grouped by it, in `order`."""
    grouped: dict[str, list] = {}
    for row in await model.filter(**{f"{column}__in": ids}).order_by(column, order):
        grouped.setdefault(str(getattr(row, column)), []).append(row)
    return grouped


@dataclass
class Loaders:
    profile: DataLoader[str, Profile | None]
    reward_definition: DataLoader[str, RewardDefinition | None]
    reward: DataLoader[str, Reward | None]
    point_lot: DataLoader[str, PointLot | None]
    redemption: DataLoader[str, Redemption | None]
    balances: DataLoader[str, Balances]
    rewards: DataLoader[StatusKey, list[Reward]]
    points: DataLoader[StatusKey, list[PointLot]]
    redemptions: DataLoader[str, list[Redemption]]
    redemption_items: DataLoader[str, list[RedemptionItem]]
    reversal: DataLoader[str, Redemption | None]
    transactions: DataLoader[str, list[Transaction]]
    transaction_items: DataLoader[str, list[TransactionItem]]
    transaction_by_redemption: DataLoader[str, Transaction | None]
    benefit_definition: DataLoader[str, BenefitDefinition | None]
    benefits: DataLoader[StatusKey, list[Benefit]]
    tier: DataLoader[str, ProfileTier | None]
    tier_points: DataLoader[str, int]
    tiers: DataLoader[str, list[TierDefinition]]
    reaction_by_id: DataLoader[str, Reaction | None]
    reaction_actions: DataLoader[str, list[ReactionAction]]
    run_steps: DataLoader[str, list[ReactionStep]]
    event: DataLoader[str, Event | None]


def make_loaders() -> Loaders:
    return Loaders(
        profile=by_key(profiles_by_ids),
        reward_definition=by_key(definitions_by_ids),
        reward=by_key(lambda ids: _by_ids(Reward, ids)),
        point_lot=by_key(lambda ids: _by_ids(PointLot, ids)),
        redemption=by_key(lambda ids: _by_ids(Redemption, ids)),
        balances=by_key(balances_for),
        rewards=by_status(rewards_for_profiles),
        points=by_status(points_for_profiles),
        redemptions=by_key(redemptions.redemptions_for_profiles, []),
        redemption_items=by_key(redemptions.items_for, []),
        reversal=by_key(redemptions.reversals_for),
        transactions=by_key(transactions.transactions_for_profiles, []),
        transaction_items=by_key(transactions.items_for, []),
        transaction_by_redemption=by_key(transactions.transactions_by_redemption),
        benefit_definition=by_key(benefit_definitions.definitions_by_ids),
        benefits=by_status(benefits_for_profiles),
        tier=by_key(tiers.tiers_of),
        tier_points=by_key(lambda ids: tiers.tier_points_of(ids, utcnow()), 0),
        tiers=by_key(_all_tiers, []),
        reaction_by_id=by_key(lambda ids: _by_ids(Reaction, ids)),
        reaction_actions=by_key(
            lambda ids: _grouped(ReactionAction, "reaction_id", ids, "sort_order"), []
        ),
        run_steps=by_key(lambda ids: _grouped(ReactionStep, "run_id", ids, "sort_order"), []),
        event=by_key(lambda ids: _by_ids(Event, ids)),
    )
