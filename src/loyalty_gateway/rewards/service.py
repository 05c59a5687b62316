"""Rewards: issue, extend, reassign, void and list reward lots."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from tortoise.transactions import in_transaction

from loyalty_gateway.balances.locks import lock_profile, lock_profiles
from loyalty_gateway.balances.lots import REWARD_LOTS, LotStatus, void_lot
from loyalty_gateway.balances.service import NON_MONETARY_REWARD_TYPES
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.money import from_cents, to_cents
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import find_row
from loyalty_gateway.issuing import LOT_CONTEXT_KEYS, LotInput, LotKind
from loyalty_gateway.profiles.context import profile_context
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.rewards.definitions import REWARD_DEFINITIONS
from loyalty_gateway.rewards.models import Reward, RewardDefinition
from loyalty_gateway.transactions.models import Transaction


@dataclass(kw_only=True)
class IssueRewardInput(LotInput):
    reward_definition_id: str | None = None
    reward_definition_handle: str | None = None
    value_initial: Decimal | None = None
    value_remaining: Decimal | None = None


REWARD_CONTEXT_KEYS = LOT_CONTEXT_KEYS | {"value_initial", "value_remaining"}
EVENT_CONTEXTS = {
    "reward.created": REWARD_CONTEXT_KEYS,
    "reward.redeemed": REWARD_CONTEXT_KEYS | {"transaction_id"},
}


def _value(reward: Reward) -> dict[str, Any]:
    """A reward's own fields in its events: dollars."""
    return {
        "value_initial": from_cents(reward.value_initial_cents),
        "value_remaining": from_cents(reward.value_remaining_cents),
    }


REWARDS = LotKind("reward", Reward, REWARD_DEFINITIONS, _value, ErrorCode.REWARD_NOT_ACTIVE)


async def issue_reward(
    data: IssueRewardInput, idempotency_key: str | None = None, reaction: bool = False
) -> Reward:
    """Issue a reward lot, worth the definition's value unless the input gives one; a repeated
    idempotency key with the same input returns the first. Reactions may only issue
    assignable definitions."""

    def value(definition: RewardDefinition) -> dict[str, Any]:
        initial = (
            to_cents(data.value_initial, "valueInitial")
            if data.value_initial is not None
            else definition.value_cents
        )
        remaining = (
            to_cents(data.value_remaining, "valueRemaining")
            if data.value_remaining is not None
            else initial
        )
        if remaining > initial:
            raise UserError(
                ErrorCode.INVALID_AMOUNT, "valueRemaining is above valueInitial", "valueRemaining"
            )
        return {
            "value_initial_cents": initial,
            "value_remaining_cents": remaining,
            "value_at_issue_cents": remaining,
            "type": definition.type,
        }

    named = data.reward_definition_id, data.reward_definition_handle
    return await REWARDS.issue(data, named, idempotency_key, reaction, value)


async def extend_rewards(
    profile_id: str, ids: list[str], extend_days: int | None, extend_date: datetime | None
) -> list[Reward]:
    """Extend each reward once: by days from its expiry, or to a date."""
    return await REWARDS.extend(profile_id, ids, extend_days, extend_date)


async def _find_reward(reward_id: str) -> Reward:
    return await find_row(Reward, reward_id, "reward", "rewardId")


async def reassign_reward(reward_id: str, profile_id: str) -> Reward:
    reward_id = require_uuid(reward_id, "rewardId")
    async with in_transaction():
        target = await get_profile(profile_id)
        reward = await _find_reward(reward_id)
        await lock_profiles([str(reward.profile_id), str(target.id)])
        reward = await Reward.get(id=reward_id).prefetch_related("definition")
        if not reward.definition.is_reassignable:
            raise UserError(
                ErrorCode.NOT_REASSIGNABLE,
                "This reward's definition is not reassignable",
                "rewardId",
            )
        unused = reward.value_remaining_cents == reward.value_initial_cents
        if REWARD_LOTS.status(reward, utcnow()) is not LotStatus.ACTIVE or not unused:
            raise UserError(
                ErrorCode.REWARD_NOT_ACTIVE,
                "Only an unused, unexpired, active reward can be reassigned",
                "rewardId",
            )
        reward.profile = target
        await reward.save(update_fields=["profile_id"])
    return reward


async def redeem_reward(reward_id: str, transaction_id: str | None) -> Reward:
    """Use a non-monetary (percentage) reward, whole, on one transaction of its profile: it is
    used up (`valueRemaining` 0) and names the transaction. Dollar rewards are spent by amount
    with `redeem`. Emits `reward.redeemed`."""
    reward_id = require_uuid(reward_id, "rewardId")
    async with in_transaction():
        found = await _find_reward(reward_id)
        await lock_profile(str(found.profile_id))
        reward = await Reward.get(id=reward_id)
        if reward.type not in NON_MONETARY_REWARD_TYPES:
            raise UserError(
                ErrorCode.INVALID_INPUT,
                "A dollar reward is spent by amount with redeem; redeemReward uses a "
                "percentage reward",
                "rewardId",
            )
        if REWARD_LOTS.status(reward, utcnow()) is not LotStatus.ACTIVE:
            raise UserError(ErrorCode.REWARD_NOT_ACTIVE, "The reward is not active", "rewardId")
        if transaction_id is not None:
            transaction_id = require_uuid(transaction_id, "transactionId")
            owner = await Transaction.filter(id=transaction_id).values_list("profile_id", flat=True)
            if not owner:
                raise UserError(
                    ErrorCode.NOT_FOUND, f"No transaction {transaction_id}", "transactionId"
                )
            if str(owner[0]) != str(reward.profile_id):
                raise UserError(
                    ErrorCode.PROFILE_MISMATCH,
                    "The transaction belongs to another profile than the reward",
                    "transactionId",
                )
        reward.value_remaining_cents = 0
        reward.applied_transaction_id = UUID(transaction_id) if transaction_id else None
        await reward.save(update_fields=["value_remaining_cents", "applied_transaction_id"])
        definition = await RewardDefinition.get(id=reward.definition_id)
        profile = await profile_context(await Profile.get(id=reward.profile_id))
        await REWARDS.emit("redeemed", reward, definition, profile, transaction_id=transaction_id)
    return reward


async def void_reward(reward_id: str, reason: str) -> Reward:
    return await void_lot(Reward, reward_id, reason, "rewardId", ErrorCode.REWARD_NOT_ACTIVE)


async def get_reward(reward_id: str) -> Reward | None:
    return await Reward.get_or_none(id=reward_id)
