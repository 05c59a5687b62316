"""Benefit definitions: non-monetary entitlements, issued or claimed."""

from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty_gateway.benefits.models import BenefitDefinition
from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.handles import (
    check_handle,
    check_not_null,
    ensure_handle_free,
    find_by_id_or_handle,
    update_with_handle,
)
from loyalty_gateway.core.rules import check_rule
from loyalty_gateway.core.time import PeriodType
from loyalty_gateway.core.validation import check_text
from loyalty_gateway.profiles.context import CONTEXT_KEYS

# Omneo's benefit categories (reference §5.1).
BENEFIT_TYPES = ("discount", "value", "competition", "event", "gift", "voucher", "bonus", "other")
NOT_NULL = (
    "name",
    "handle",
    "type",
    "period_type",
    "is_assignable",
    "is_claimable",
    "is_reclaimable",
    "is_extendable",
    "is_reassignable",
    "is_published",
    "tags",
)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    check_text(BenefitDefinition, cleaned)
    check_not_null(cleaned, NOT_NULL)
    if "handle" in cleaned:
        check_handle(cleaned["handle"])
    if "name" in cleaned and not cleaned["name"].strip():
        raise UserError(ErrorCode.INVALID_INPUT, "name must not be empty", "name")
    if "type" in cleaned and cleaned["type"] not in BENEFIT_TYPES:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"type must be one of {', '.join(BENEFIT_TYPES)}", "type"
        )
    for key, field in (("period", "period"), ("extend_days", "extendDays")):
        if cleaned.get(key) is not None and cleaned[key] < 0:
            raise UserError(ErrorCode.INVALID_INPUT, f"{field} must not be negative", field)
    if cleaned.get("max_redemptions") is not None and cleaned["max_redemptions"] < 1:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            "maxRedemptions must be at least 1 (null: unlimited)",
            "maxRedemptions",
        )
    if cleaned.get("claim_condition") is not None:
        check_rule(cleaned["claim_condition"], "claimCondition", CONTEXT_KEYS)
    if isinstance(cleaned.get("period_type"), PeriodType):
        cleaned["period_type"] = cleaned["period_type"].value
    return cleaned


def _check_consistency(definition: BenefitDefinition) -> None:
    start, end = definition.claim_period_start_at, definition.claim_period_end_at
    if start is not None and end is not None and end <= start:
        raise UserError(
            ErrorCode.INVALID_DATE,
            "claimPeriodEndAt is not after claimPeriodStartAt",
            "claimPeriodEndAt",
        )
    absolute = definition.period_type == PeriodType.absolute_date.value
    if absolute and definition.absolute_expiry is None:
        raise UserError(
            ErrorCode.INVALID_INPUT, "absolute_date needs absoluteExpiry", "absoluteExpiry"
        )


async def create_definition(fields: dict[str, Any]) -> BenefitDefinition:
    cleaned = _clean(fields)
    definition = BenefitDefinition(**cleaned)
    _check_consistency(definition)
    async with in_transaction():
        await ensure_handle_free(BenefitDefinition, cleaned["handle"])
        await definition.save()
    return definition


async def update_definition(definition_id: str, fields: dict[str, Any]) -> BenefitDefinition:
    return await update_with_handle(
        BenefitDefinition, "benefit definition", definition_id, _clean(fields), _check_consistency
    )


async def find_definition(
    definition_id: str | None, handle: str | None, id_field: str, handle_field: str
) -> BenefitDefinition:
    return await find_by_id_or_handle(
        BenefitDefinition, "benefit definition", definition_id, handle, id_field, handle_field
    )


async def list_definitions(
    search: str | None,
    is_published: bool | None,
    is_claimable: bool | None,
    offset: int,
    limit: int,
) -> tuple[list[BenefitDefinition], int]:
    query = BenefitDefinition.all()
    if is_published is not None:
        query = query.filter(is_published=is_published)
    if is_claimable is not None:
        query = query.filter(is_claimable=is_claimable)
    if search and search.strip():
        term = search.strip()
        query = query.filter(Q(name__icontains=term) | Q(handle__icontains=term))
    total = await query.count()
    return await query.order_by("created_at", "id").offset(offset).limit(limit), total


async def definitions_by_ids(ids: list[str]) -> dict[str, BenefitDefinition]:
    return {str(d.id): d for d in await BenefitDefinition.filter(id__in=ids)}
