"""Benefit definitions: non-monetary entitlements, issued or claimed."""

from typing import Any

from loyalty_gateway.balances.definitions import DefinitionKind, check_period, clean_definition
from loyalty_gateway.benefits.models import BenefitDefinition
from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import check_rule
from loyalty_gateway.db.keyset import by_creation
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


BENEFIT_DEFINITIONS = DefinitionKind(
    BenefitDefinition, "benefit definition", by_creation("benefitDefinitions"), _clean, _check
)
