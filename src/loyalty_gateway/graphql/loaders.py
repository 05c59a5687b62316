"""Per-operation DataLoaders, so nested fields cost one query per level, not one per object.

A loader keeps what it read, so a set of loaders must not outlive a change: each operation
starts with new ones (a WebSocket's context lives as long as the socket), and so does each
mutation of a document (mutations run one after another, and the next one's payload must
not be answered from what an earlier one read). Subscriptions' results read no loaders.
"""

import inspect
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from enum import Enum
from functools import cached_property, partial
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from tortoise.models import Model

from loyalty_gateway.balances.lots import BENEFIT_LOTS, POINT_LOTS, REWARD_LOTS, lots_by_profile
from loyalty_gateway.balances.service import Balances, balances_for
from loyalty_gateway.benefits.definitions import BENEFIT_DEFINITIONS
from loyalty_gateway.benefits.models import Benefit, BenefitDefinition
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import by_ids
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import profiles_by_ids
from loyalty_gateway.reactions.models import ReactionAction, ReactionStep
from loyalty_gateway.redemptions import service as redemptions
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem
from loyalty_gateway.rewards.definitions import REWARD_DEFINITIONS
from loyalty_gateway.rewards.models import Reward, RewardDefinition
from loyalty_gateway.tiers import service as tiers
from loyalty_gateway.tiers.models import ProfileTier, TierDefinition
from loyalty_gateway.transactions import service as transactions
from loyalty_gateway.transactions.models import Transaction, TransactionItem

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
M = TypeVar("M", bound=Model)
StatusKey = tuple[str, tuple[Enum, ...]]


def by_key(
    fetch: Callable[[list[K]], Awaitable[Mapping[K, V]]], missing: Any = None
) -> DataLoader[K, V]:
    """A loader over a batch function returning {key: value}; absent keys get `missing`."""

    async def load(keys: Sequence[K]) -> list[V]:
        found = await fetch(list(keys))
        return [found.get(key, missing) for key in keys]

    return DataLoader(load_fn=load)


def by_status(
    fetch: Callable[[list[str], tuple[Enum, ...]], Awaitable[dict[str, list[V]]]],
) -> DataLoader[StatusKey, list[V]]:
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


async def _by_ids(model: type[M], ids: list[str]) -> dict[str, M]:
    return {str(row.pk): row for row in await by_ids(model, ids)}


async def _all_tiers(keys: list[str]) -> dict[str, list[TierDefinition]]:
    """Every tier definition, once per request whatever the key."""
    found = await tiers.list_tiers()
    return dict.fromkeys(keys, found)


async def _grouped(model: Any, column: str, ids: list[str], order: str) -> dict[str, list[Any]]:
    """Rows of `model` whose `column` is one of `ids`, grouped by it, in `order`."""
    grouped: dict[str, list[Any]] = {}
    for row in await model.filter(**{f"{column}__in": ids}).order_by(column, order):
        grouped.setdefault(str(getattr(row, column)), []).append(row)
    return grouped


class Loaders:
    """One request's DataLoaders, each built on first use: a request needs few of them."""

    def __init__(self) -> None:
        self._rows: dict[type[Model], DataLoader[str, Any]] = {}

    def row(self, model: type[M]) -> DataLoader[str, M | None]:
        """`model`'s rows by id (one loader per model)."""
        if model not in self._rows:
            self._rows[model] = by_key(partial(_by_ids, model))
        return self._rows[model]

    async def row_of(self, model: type[M], key: object | None) -> M | None:
        """The row of `model` whose id is `key`, through its loader; None for no key."""
        return None if key is None else await self.row(model).load(str(key))

    @cached_property
    def profile(self) -> DataLoader[str, Profile | None]:
        return by_key(profiles_by_ids)

    @cached_property
    def reward_definition(self) -> DataLoader[str, RewardDefinition | None]:
        return by_key(REWARD_DEFINITIONS.by_ids)

    @cached_property
    def balances(self) -> DataLoader[str, Balances]:
        return by_key(balances_for)

    @cached_property
    def rewards(self) -> DataLoader[StatusKey, list[Reward]]:
        return by_status(partial(lots_by_profile, Reward, REWARD_LOTS))

    @cached_property
    def points(self) -> DataLoader[StatusKey, list[PointLot]]:
        return by_status(partial(lots_by_profile, PointLot, POINT_LOTS))

    @cached_property
    def redemptions(self) -> DataLoader[str, list[Redemption]]:
        return by_key(redemptions.redemptions_for_profiles, [])

    @cached_property
    def redemption_items(self) -> DataLoader[str, list[RedemptionItem]]:
        return by_key(redemptions.items_for, [])

    @cached_property
    def reversal(self) -> DataLoader[str, Redemption | None]:
        return by_key(redemptions.reversals_for)

    @cached_property
    def transactions(self) -> DataLoader[str, list[Transaction]]:
        return by_key(transactions.transactions_for_profiles, [])

    @cached_property
    def transaction_items(self) -> DataLoader[str, list[TransactionItem]]:
        return by_key(transactions.items_for, [])

    @cached_property
    def transaction_by_redemption(self) -> DataLoader[str, Transaction | None]:
        return by_key(transactions.transactions_by_redemption)

    @cached_property
    def benefit_definition(self) -> DataLoader[str, BenefitDefinition | None]:
        return by_key(BENEFIT_DEFINITIONS.by_ids)

    @cached_property
    def benefits(self) -> DataLoader[StatusKey, list[Benefit]]:
        return by_status(partial(lots_by_profile, Benefit, BENEFIT_LOTS))

    @cached_property
    def tier(self) -> DataLoader[str, ProfileTier | None]:
        return by_key(tiers.tiers_of)

    @cached_property
    def tier_points(self) -> DataLoader[str, int]:
        return by_key(lambda ids: tiers.tier_points_of(ids, utcnow()), 0)

    @cached_property
    def tiers(self) -> DataLoader[str, list[TierDefinition]]:
        return by_key(_all_tiers, [])

    @cached_property
    def reaction_actions(self) -> DataLoader[str, list[ReactionAction]]:
        return by_key(lambda ids: _grouped(ReactionAction, "reaction_id", ids, "sort_order"), [])

    @cached_property
    def run_steps(self) -> DataLoader[str, list[ReactionStep]]:
        return by_key(lambda ids: _grouped(ReactionStep, "run_id", ids, "sort_order"), [])


class FreshLoaders(FieldExtension):
    """On each root mutation field (all of them async): new DataLoaders before it runs."""

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        info.context.loaders = Loaders()
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result
