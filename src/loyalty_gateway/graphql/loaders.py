"""Per-request DataLoaders, so nested fields cost one query per level, not one per object."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from strawberry.dataloader import DataLoader

from loyalty_gateway.balances.service import Balances, balances_for
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import profiles_by_ids
from loyalty_gateway.rewards.definitions import definitions_by_ids
from loyalty_gateway.rewards.models import Reward, RewardDefinition
from loyalty_gateway.rewards.service import RewardStatus, rewards_for_profiles

RewardsKey = tuple[str, tuple[RewardStatus, ...]]


@dataclass
class Loaders:
    profile: DataLoader[str, Profile | None]
    reward_definition: DataLoader[str, RewardDefinition | None]
    balances: DataLoader[str, Balances]
    rewards: DataLoader[RewardsKey, list[Reward]]


def make_loaders(rate: Decimal) -> Loaders:
    async def load_profiles(ids: Sequence[str]) -> list[Profile | None]:
        found = await profiles_by_ids(list(ids))
        return [found.get(i) for i in ids]

    async def load_definitions(ids: Sequence[str]) -> list[RewardDefinition | None]:
        found = await definitions_by_ids(list(ids))
        return [found.get(i) for i in ids]

    async def load_balances(ids: Sequence[str]) -> list[Balances]:
        found = await balances_for(ids, rate)
        return [found[i] for i in ids]

    async def load_rewards(keys: Sequence[RewardsKey]) -> list[list[Reward]]:
        """One query per distinct status filter, for all the profiles asking with it."""
        by_statuses: dict[tuple[RewardStatus, ...], list[str]] = {}
        for profile_id, statuses in keys:
            by_statuses.setdefault(statuses, []).append(profile_id)
        results: dict[RewardsKey, list[Reward]] = {}
        for statuses, profile_ids in by_statuses.items():
            grouped = await rewards_for_profiles(profile_ids, statuses)
            for profile_id in profile_ids:
                results[(profile_id, statuses)] = grouped[profile_id]
        return [results[key] for key in keys]

    return Loaders(
        profile=DataLoader(load_fn=load_profiles),
        reward_definition=DataLoader(load_fn=load_definitions),
        balances=DataLoader(load_fn=load_balances),
        rewards=DataLoader(load_fn=load_rewards),
    )
