"""Reward definitions: the templates rewards are issued from."""

from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.handles import (
    check_handle,
    check_not_null,
    ensure_handle_free,
    find_by_id_or_handle,
    update_with_handle,
)
from loyalty_gateway.core.money import to_cents
from loyalty_gateway.core.time import PeriodType
from loyalty_gateway.core.validation import check_text
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


NOT_NULL = (
    "name",
    "handle",
    "value",
    "type",
    "period_type",
    "is_assignable",
    "is_extendable",
    "is_reassignable",
    "is_published",
    "tags",
)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    check_text(RewardDefinition, cleaned)
    check_not_null(cleaned, NOT_NULL)
    if "handle" in cleaned:
        check_handle(cleaned["handle"])
    if "name" in cleaned and not (cleaned["name"] or "").strip():
        raise UserError(ErrorCode.INVALID_INPUT, "name must not be empty", "name")
    if "value" in cleaned:
        value: Decimal = cleaned.pop("value")
        cleaned["value_cents"] = to_cents(value, "value")
    if "type" in cleaned and cleaned["type"] not in REWARD_TYPES:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"type must be one of {', '.join(REWARD_TYPES)}", "type"
        )
    if cleaned.get("period") is not None and cleaned["period"] < 0:
        raise UserError(ErrorCode.INVALID_INPUT, "period must not be negative", "period")
    if cleaned.get("extend_days") is not None and cleaned["extend_days"] < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "extendDays must be at least 1", "extendDays")
    if isinstance(cleaned.get("period_type"), PeriodType):
        cleaned["period_type"] = cleaned["period_type"].value
    return cleaned


def _check_expiry_rule(definition: RewardDefinition) -> None:
    absolute = definition.period_type == PeriodType.absolute_date.value
    if absolute and definition.absolute_expiry is None:
        raise UserError(
            ErrorCode.INVALID_INPUT, "absolute_date needs absoluteExpiry", "absoluteExpiry"
        )


async def create_definition(fields: dict[str, Any]) -> RewardDefinition:
    cleaned = _clean(fields)
    definition = RewardDefinition(**cleaned)
    _check_expiry_rule(definition)
    try:
        async with in_transaction():
            await ensure_handle_free(RewardDefinition, cleaned["handle"])
            await definition.save()
    except IntegrityError:
        await ensure_handle_free(RewardDefinition, cleaned["handle"])
        raise
    return definition


async def update_definition(definition_id: str, fields: dict[str, Any]) -> RewardDefinition:
    return await update_with_handle(
        RewardDefinition, "reward definition", definition_id, _clean(fields), _check_expiry_rule
    )


async def find_definition(
    definition_id: str | None, handle: str | None, id_field: str, handle_field: str
) -> RewardDefinition:
    """A definition by id or by handle (exactly one), or NOT_FOUND naming the field used."""
    return await find_by_id_or_handle(
        RewardDefinition, "reward definition", definition_id, handle, id_field, handle_field
    )


async def list_definitions(
    search: str | None, is_published: bool | None, offset: int, limit: int
) -> tuple[list[RewardDefinition], int]:
    query = RewardDefinition.all()
    if is_published is not None:
        query = query.filter(is_published=is_published)
    if search and search.strip():
        term = search.strip()
        query = query.filter(Q(name__icontains=term) | Q(handle__icontains=term))
    total = await query.count()
    items = await query.order_by("created_at", "id").offset(offset).limit(limit)
    return items, total


async def definitions_by_ids(ids: list[str]) -> dict[str, RewardDefinition]:
    return {str(d.id): d for d in await RewardDefinition.filter(id__in=ids)}
