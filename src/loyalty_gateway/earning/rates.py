"""Rates: how many points a unit of spend earns, for one point definition, when, where and
for whom. Saved only with valid conditions; archived, never deleted (lots keep the rate they
were earned at).

Which rate applies (Omneo's resolution, reference §8.3): among the published, unarchived
rates of the definition that are live (`startsAt` ≤ now ≤ `endsAt`, an open end for none),
keep those whose `locationId` and `code` match (a rate without one matches any), whose
`profileConditions` hold on the profile and whose `productConditions` hold on the sale (or,
earning per item, on the item). The most specific wins: one point each for a matched
location and a matched code; ties go to a rate with product conditions, then to one with
profile conditions, then to the latest start, then to the newest rate. None: rate 1.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import check_rule, condition_holds
from loyalty_gateway.core.time import as_aware
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.handles import check_not_null
from loyalty_gateway.db.keyset import by_creation
from loyalty_gateway.db.rows import find_row
from loyalty_gateway.earning.definitions import POINT_DEFINITIONS, clean_issue_period
from loyalty_gateway.earning.models import Rate

MAX_RATE = Decimal(1_000_000)
RATE_PLACES = Decimal("0.000001")
NOT_NULL = ("name", "rate", "is_published")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_issue_period(fields)
    check_text(Rate, {k: v for k, v in cleaned.items() if k in ("name", "location_id", "code")})
    check_not_null(cleaned, NOT_NULL)
    if "name" in cleaned and not cleaned["name"].strip():
        raise UserError(ErrorCode.INVALID_INPUT, "name must not be empty", "name")
    if "rate" in cleaned:
        cleaned["rate"] = _multiplier(cleaned["rate"])
    for key, field in (
        ("profile_conditions", "profileConditions"),
        ("product_conditions", "productConditions"),
    ):
        if cleaned.get(key) is not None:
            check_rule(cleaned[key], field)
    for key, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if cleaned.get(key) is not None:  # without an offset: UTC (a rate has no zone)
            cleaned[key] = as_aware(cleaned[key], ZoneInfo("UTC"), field)
    return cleaned


def _multiplier(value: Any) -> Decimal:
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise UserError(ErrorCode.INVALID_INPUT, "rate must be a number", "rate") from None
    if not rate.is_finite() or not 0 < rate <= MAX_RATE or rate != rate.quantize(RATE_PLACES):
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"rate must be above 0, at most {MAX_RATE:,}, with at most 6 decimals",
            "rate",
        )
    return rate


def _check_window(rate: Rate) -> None:
    if rate.starts_at and rate.ends_at and rate.ends_at <= rate.starts_at:
        raise UserError(ErrorCode.INVALID_DATE, "endsAt is not after startsAt", "endsAt")


async def create_rate(handle: str, fields: dict[str, Any]) -> Rate:
    """A rate for the point definition `handle`."""
    definition = await POINT_DEFINITIONS.find(None, handle, "handle", "handle")
    rate = Rate(definition_id=definition.id, **_clean(fields))
    _check_window(rate)
    await rate.save()
    return rate


async def find_rate(rate_id: str) -> Rate:
    return await find_row(Rate, rate_id, "rate")


async def update_rate(rate_id: str, fields: dict[str, Any]) -> Rate:
    """Change what is given; an archived rate stays archived."""
    cleaned = _clean(fields)
    async with in_transaction():
        rate = await find_rate(rate_id)
        if rate.is_archived:
            raise UserError(ErrorCode.INVALID_INPUT, "An archived rate cannot change", "id")
        rate.update_from_dict(cleaned)
        _check_window(rate)
        await rate.save()
    return rate


async def archive_rate(rate_id: str) -> Rate:
    """Archive a rate: it never applies again, and lots earned at it keep it."""
    async with in_transaction():
        rate = await find_rate(rate_id)
        rate.is_archived = True
        await rate.save(update_fields=["is_archived", "updated_at"])
    return rate


RATE_ORDER = by_creation("rates")


async def list_rates(handle: str | None, include_archived: bool) -> list[Rate]:
    query = Rate.all().prefetch_related("definition")
    if handle is not None:
        query = query.filter(definition__handle=handle)
    if not include_archived:
        query = query.filter(is_archived=False)
    return await query.order_by(*RATE_ORDER.ordering())


async def candidate_rates(definition_ids: list[str]) -> dict[str, list[Rate]]:
    """The rates of each definition that may apply (published and not archived), in one
    query."""
    found: dict[str, list[Rate]] = {definition_id: [] for definition_id in definition_ids}
    for rate in await Rate.filter(
        definition_id__in=definition_ids, is_published=True, is_archived=False
    ):
        found[str(rate.definition_id)].append(rate)
    return found


@dataclass(frozen=True)
class Facts:
    """What a rate is matched against."""

    now: datetime
    location_id: str | None = None
    code: str | None = None
    profile: dict[str, Any] | None = None  # the profile's context
    product: dict[str, Any] | None = None  # the sale's context, or an item's


def applies(rate: Rate, facts: Facts) -> bool:
    """Whether the rate may apply to these facts (published and unarchived is assumed)."""
    if rate.starts_at is not None and facts.now < rate.starts_at:
        return False
    if rate.ends_at is not None and facts.now > rate.ends_at:
        return False
    if rate.location_id is not None and rate.location_id != facts.location_id:
        return False
    if rate.code is not None and rate.code != facts.code:
        return False
    for condition, context in (
        (rate.profile_conditions, facts.profile),
        (rate.product_conditions, facts.product),
    ):
        if condition is not None and (context is None or not condition_holds(condition, context)):
            return False
    return True


EARLIEST = datetime.min.replace(tzinfo=UTC)


def _rank(rate: Rate) -> tuple[int, bool, bool, datetime, datetime, str]:
    """Higher wins: specificity, product conditions, profile conditions, the latest start
    (none: earliest), the newest rate, and the id so that the choice never depends on
    order."""
    return (
        (rate.location_id is not None) + (rate.code is not None),
        rate.product_conditions is not None,
        rate.profile_conditions is not None,
        rate.starts_at or EARLIEST,
        rate.created_at or EARLIEST,
        str(rate.id),
    )


def resolve(rates: list[Rate], facts: Facts) -> Rate | None:
    """The rate that applies, or None (then the rate is 1)."""
    applicable = [rate for rate in rates if applies(rate, facts)]
    return max(applicable, key=_rank, default=None)
