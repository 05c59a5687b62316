"""Benefit definitions: non-monetary entitlements, issued or claimed."""

from typing import Any

from tortoise.models import Model

from loyalty_gateway.balances import definitions
from loyalty_gateway.balances.definitions import check_period, clean_definition
from loyalty_gateway.benefits.models import BenefitDefinition
from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import check_rule
from loyalty_gateway.db.handles import find_by_id_or_handle, update_with_handle
from loyalty_gateway.db.keyset import Slice, Window, by_creation
from loyalty_gateway.profiles.context import CONTEXT_KEYS

# Omneo's benefit categories (reference §5.1).
BENEFIT_TYPES = ("discount", "value", "competition", "event", "gift", "voucher", "bonus", "other")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_definition(
        BenefitDefinition, fields, BENEFIT_TYPES, ("is_claimable", "is_reclaimable")
    )
    if cleaned.get("max_redemptions") is not None and cleaned["max_redemptions"] < 1:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            "maxRedemptions must be at least 1 (null: unlimited)",
            "maxRedemptions",
        )
    if cleaned.get("claim_condition") is not None:
        check_rule(cleaned["claim_condition"], "claimCondition", CONTEXT_KEYS)
    return cleaned


def _check(definition: BenefitDefinition) -> None:
    check_period(definition)
    start, end = definition.claim_period_start_at, definition.claim_period_end_at
    if start is not None and end is not None and end <= start:
        raise UserError(
            ErrorCode.INVALID_DATE,
            "claimPeriodEndAt is not after claimPeriodStartAt",
            "claimPeriodEndAt",
        )


async def create_definition(fields: dict[str, Any]) -> BenefitDefinition:
    return await definitions.create_definition(BenefitDefinition, _clean(fields), _check)


async def update_definition(definition_id: str, fields: dict[str, Any]) -> BenefitDefinition:
    return await update_with_handle(
        BenefitDefinition, "benefit definition", definition_id, _clean(fields), _check
    )


async def find_definition(
    definition_id: str | None,
    handle: str | None,
    id_field: str,
    handle_field: str,
    read_ahead: Model | None = None,
) -> BenefitDefinition:
    return await find_by_id_or_handle(
        BenefitDefinition,
        "benefit definition",
        definition_id,
        handle,
        id_field,
        handle_field,
        read_ahead,
    )


DEFINITION_ORDER = by_creation("benefitDefinitions")


async def list_definitions(
    search: str | None, is_published: bool | None, is_claimable: bool | None, window: Window
) -> Slice[BenefitDefinition]:
    flags = {"is_published": is_published, "is_claimable": is_claimable}
    return await definitions.list_definitions(
        BenefitDefinition, DEFINITION_ORDER, search, flags, window
    )


async def definitions_by_ids(ids: list[str]) -> dict[str, BenefitDefinition]:
    return {str(d.id): d for d in await BenefitDefinition.filter(id__in=ids)}
