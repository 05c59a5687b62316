"""Reward definitions: the templates rewards are issued from."""

from decimal import Decimal
from typing import Any

from tortoise.models import Model

from loyalty_gateway.balances import definitions
from loyalty_gateway.balances.definitions import check_period, clean_definition
from loyalty_gateway.core.money import to_cents
from loyalty_gateway.db.handles import find_by_id_or_handle, update_with_handle
from loyalty_gateway.db.keyset import Slice, Window, by_creation
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


async def create_definition(fields: dict[str, Any]) -> RewardDefinition:
    return await definitions.create_definition(RewardDefinition, _clean(fields), check_period)


async def update_definition(definition_id: str, fields: dict[str, Any]) -> RewardDefinition:
    return await update_with_handle(
        RewardDefinition, "reward definition", definition_id, _clean(fields), check_period
    )


async def find_definition(
    definition_id: str | None,
    handle: str | None,
    id_field: str,
    handle_field: str,
    read_ahead: Model | None = None,
) -> RewardDefinition:
    """A definition by id or by handle (exactly one), or NOT_FOUND naming the field used."""
    return await find_by_id_or_handle(
        RewardDefinition,
        "reward definition",
        definition_id,
        handle,
        id_field,
        handle_field,
        read_ahead,
    )


DEFINITION_ORDER = by_creation("rewardDefinitions")


async def list_definitions(
    search: str | None, is_published: bool | None, window: Window
) -> Slice[RewardDefinition]:
    flags = {"is_published": is_published}
    return await definitions.list_definitions(
        RewardDefinition, DEFINITION_ORDER, search, flags, window
    )


async def definitions_by_ids(ids: list[str]) -> dict[str, RewardDefinition]:
    return {str(d.id): d for d in await RewardDefinition.filter(id__in=ids)}
