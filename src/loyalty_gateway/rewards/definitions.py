"""Reward definitions: the templates rewards are issued from."""

from decimal import Decimal
from typing import Any

from loyalty_gateway.balances.definitions import DefinitionKind, clean_definition
from loyalty_gateway.core.money import to_cents
from loyalty_gateway.db.keyset import by_creation
from loyalty_gateway.rewards.models import RewardDefinition

# Omneo's reward categories (reference §4.1) plus the seed guide's `fixed` and `percentage`.
REWARD_TYPES = (
    "activation",
    "anniversary",
    "birthday",
    "bonus",
    "campaign",
    "customer-service",
    "reactivation",
    "spend",
    "staff",
    "system-adjustment",
    "tier",
    "achievement",
    "status",
    "points",
    "referral",
    "other",
    "fixed",
    "percentage",
)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_definition(RewardDefinition, fields, REWARD_TYPES, ("value",))
    if "value" in cleaned:
        value: Decimal = cleaned.pop("value")
        cleaned["value_cents"] = to_cents(value, "value")
    return cleaned


REWARD_DEFINITIONS = DefinitionKind(
    RewardDefinition, "reward definition", by_creation("rewardDefinitions"), _clean
)
