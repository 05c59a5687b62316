"""Benefits: issue, claim, redeem, extend and void benefits held by profiles."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.models import Model
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.definitions import (
    check_assignable,
    issue_once,
    lot_context,
    lot_dates,
)
from loyalty_gateway.balances.extension import check_extension, extend_lot
from loyalty_gateway.balances.locks import lock_profile, once_under_lock
from loyalty_gateway.balances.lots import BENEFIT_LOTS, LotStatus, void_lot
from loyalty_gateway.benefits.definitions import BENEFIT_DEFINITIONS
from loyalty_gateway.benefits.models import Benefit, BenefitDefinition, BenefitRedemption
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.rules import condition_holds
from loyalty_gateway.core.time import (
    utcnow,
    zone,
)
from loyalty_gateway.db.columns import check_text, json_for_storage
from loyalty_gateway.db.rows import Part, by_ids, inserting
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import Made
from loyalty_gateway.profiles.context import insert_in_context, profile_context, write_in_context
from loyalty_gateway.profiles.models import Profile

log = logging.getLogger(__name__)


BENEFIT_CONTEXT_KEYS = frozenset(
    {
        "id", "profile_id", "definition", "timezone", "issued_at", "issued_local_at",
        "expires_at", "expires_local_at", "claimed_at", "redemptions_remaining", "external_id",
        "meta", "profile",
    }
)  # fmt: skip
EVENT_CONTEXTS = {
    "benefit.created": BENEFIT_CONTEXT_KEYS,
    "benefit.claimed": BENEFIT_CONTEXT_KEYS,
    "benefit.redeemed": BENEFIT_CONTEXT_KEYS | {"count"},
}


def benefit_context(
    benefit: Benefit, definition: BenefitDefinition, profile: dict[str, Any]
) -> dict[str, Any]:
    return lot_context(
        benefit,
        definition,
        profile,
        claimed_at=benefit.claimed_at,
        redemptions_remaining=benefit.redemptions_remaining,
    )


async def _emit(
    name: str,
    benefit: Benefit,
    definition: BenefitDefinition,
    profile: dict[str, Any],
    **extra: Any,
) -> None:
    """The event, with the benefit's profile's context (read under the caller's lock)."""
    context = benefit_context(benefit, definition, profile)
    await outbox.emit(name, {**context, **extra}, profile["id"])


@dataclass
class IssueBenefitInput:
    profile_id: str
    timezone: str
    benefit_definition_id: str | None = None
    benefit_definition_handle: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    external_id: str | None = None
    meta: Any = None


async def _create(
    profile: Profile,
    definition: BenefitDefinition,
    tz_name: str,
    dates: tuple[datetime, datetime | None],
    claimed: bool = False,
    external_id: str | None = None,
    meta: Any = None,
) -> tuple[Benefit, dict[str, Any]]:
    """A new benefit, announced; with the profile's context, which counts it."""
    issued_at, expires_at = dates
    values = {
        "definition_id": definition.id,
        "profile_id": profile.id,
        "timezone": tz_name,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "claimed_at": issued_at if claimed else None,
        "redemptions_remaining": definition.max_redemptions,
        "external_id": external_id,
        "meta": json_for_storage(meta),
    }
    benefit, context = await insert_in_context(Benefit, values, profile)
    await _emit("benefit.created", benefit, definition, context)
    return benefit, context


async def _issue(
    data: IssueBenefitInput,
    reaction: bool,
    profile: Profile,
    read_ahead: Model | None,
    made: Made[Benefit],
) -> dict[str, Any]:
    """Issue the lot; `read_ahead` is the definition the lock's statement read, if any."""
    tz = zone(data.timezone)
    check_text(Benefit, {"external_id": data.external_id})
    definition = await BENEFIT_DEFINITIONS.find(
        data.benefit_definition_id,
        data.benefit_definition_handle,
        "benefitDefinitionId",
        "benefitDefinitionHandle",
        read_ahead,
    )
    check_assignable(definition, reaction)
    benefit, _ = await _create(
        profile,
        definition,
        data.timezone,
        lot_dates(tz, data.issued_at, data.expires_at, definition),
        external_id=data.external_id,
        meta=data.meta,
    )
    return made.keep(benefit)


async def issue_benefit(
    data: IssueBenefitInput, idempotency_key: str | None = None, reaction: bool = False
) -> Benefit:
    """Issue a benefit (seed 001). Reactions may only issue assignable definitions."""
    made = Made(Benefit, "benefit_id")
    result = await issue_once(
        "issueBenefit",
        data,
        idempotency_key,
        lambda profile, found: _issue(data, reaction, profile, found, made),
        BENEFIT_DEFINITIONS.ref(data.benefit_definition_id, data.benefit_definition_handle),
    )
    return await made.row(result)


def _claim_refusal(
    definition: BenefitDefinition, context: dict[str, Any], held: list[Benefit], now: datetime
) -> str | None:
    """Why this profile cannot claim the definition now, or None when it can."""
    if not definition.is_published or not definition.is_claimable:
        return "it is not a published, claimable benefit"
    if definition.claim_period_start_at and now < definition.claim_period_start_at:
        return "its claim period has not started"
    if definition.claim_period_end_at and now > definition.claim_period_end_at:
        return "its claim period has ended"
    if definition.is_reclaimable:
        if any(BENEFIT_LOTS.status(b, now) is LotStatus.ACTIVE for b in held):
            return "the profile already holds an active one"
    elif any(b.voided_at is None for b in held):
        return "the profile already has it and it is not reclaimable"
    if definition.claim_condition is not None:
        try:
            allowed = condition_holds(definition.claim_condition, context)
        except Exception:
            log.warning("claimCondition of %s failed to evaluate", definition.handle, exc_info=True)
            allowed = False
        if not allowed:
            return "the profile does not meet its claim condition"
    return None


async def claimable_for(profile: Profile) -> list[BenefitDefinition]:
    """Published, claimable definitions whose window is open and whose condition holds."""
    now = utcnow()
    definitions = await BenefitDefinition.filter(is_published=True, is_claimable=True).order_by(
        "name", "id"
    )
    if not definitions:
        return []
    context = await profile_context(profile)
    benefits = await Benefit.filter(
        profile_id=profile.id, definition_id__in=[d.id for d in definitions]
    )
    held: dict[str, list[Benefit]] = {}
    for benefit in benefits:
        held.setdefault(str(benefit.definition_id), []).append(benefit)
    return [
        d for d in definitions if _claim_refusal(d, context, held.get(str(d.id), []), now) is None
    ]


async def claim_benefit(profile_id: str, definition_handle: str, timezone: str) -> Benefit:
    tz = zone(timezone)
    async with in_transaction():
        profile = await lock_profile(profile_id)
        found = await by_ids(BenefitDefinition, [definition_handle], field="handle")
        if not found:
            raise UserError(
                ErrorCode.NOT_FOUND,
                f"No benefit definition '{definition_handle}'",
                "definitionHandle",
            )
        definition = found[0]
        now = utcnow()
        held = await Benefit.filter(profile_id=profile.id, definition_id=definition.id)
        reason = _claim_refusal(definition, await profile_context(profile), held, now)
        if reason is not None:
            raise UserError(
                ErrorCode.NOT_CLAIMABLE,
                f"Cannot claim '{definition.handle}': {reason}",
                "definitionHandle",
            )
        dates = lot_dates(tz, now, None, definition)
        benefit, context = await _create(profile, definition, timezone, dates, claimed=True)
        await _emit("benefit.claimed", benefit, definition, context)
    return benefit


async def owned_benefit(profile_id: str, benefit_id: str, field: str = "benefitId") -> Benefit:
    """The profile's benefit by id: NOT_FOUND, or NOT_OWNER for another profile's."""
    found = await by_ids(Benefit, [require_uuid(benefit_id, field)])
    if not found:
        raise UserError(ErrorCode.NOT_FOUND, f"No benefit {benefit_id}", field)
    benefit = found[0]
    if str(benefit.profile_id) != str(profile_id):
        raise UserError(ErrorCode.NOT_OWNER, "The benefit belongs to another profile", field)
    return benefit


def check_usable(benefit: Benefit, count: int, field: str, count_field: str) -> None:
    """A benefit may be used `count` times: not void, not expired, with the uses left."""
    status = BENEFIT_LOTS.status(benefit, utcnow())
    if status is LotStatus.VOID:
        raise UserError(ErrorCode.BENEFIT_NOT_ACTIVE, "The benefit is void", field)
    if status is LotStatus.EXPIRED:
        raise UserError(ErrorCode.BENEFIT_EXPIRED, "The benefit has expired", field)
    remaining = benefit.redemptions_remaining
    if remaining is not None and remaining < count:
        raise UserError(
            ErrorCode.BENEFIT_EXHAUSTED,
            f"{remaining} redemption(s) left, {count} asked",
            count_field,
        )


async def benefits_redeemed(uses: list[tuple[Benefit, int]], profile: dict[str, Any]) -> None:
    """`benefit.redeemed` for each benefit used (and how many times), however it was used
    (`redeemBenefit`, `redeem`); `profile` is the context the use's write left."""
    ids = list(dict.fromkeys(str(benefit.definition_id) for benefit, _ in uses))
    definitions = await BENEFIT_DEFINITIONS.by_ids(ids)
    for benefit, count in uses:
        definition = definitions[str(benefit.definition_id)]
        await _emit("benefit.redeemed", benefit, definition, profile, count=count)


async def _redeem(profile: Profile, benefit_id: str, count: int) -> dict[str, Any]:
    benefit = await owned_benefit(str(profile.id), benefit_id)
    check_usable(benefit, count, "benefitId", "count")
    remaining = benefit.redemptions_remaining
    # The use and what it leaves, together (one statement on PostgreSQL).
    insert_use, [use] = inserting(BenefitRedemption, [{"benefit_id": benefit.id, "count": count}])
    parts = [insert_use]
    if remaining is not None:
        benefit.redemptions_remaining = remaining - count
        table = Benefit._meta.db_table
        sql = f"UPDATE {table} SET redemptions_remaining = %s WHERE id = %s"
        parts.append(Part(sql, (benefit.redemptions_remaining, str(benefit.id)), writes=table))
    _, context = await write_in_context(BenefitRedemption, parts, profile)
    await benefits_redeemed([(benefit, count)], context)
    return {"benefit_redemption_id": str(use.id)}


async def redeem_benefit(
    profile_id: str, benefit_id: str, count: int = 1, idempotency_key: str | None = None
) -> Benefit:
    """Use a benefit `count` times, under the profile lock."""
    if count < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "count must be at least 1", "count")
    profile_id = require_uuid(profile_id, "profileId")
    await once_under_lock(
        "redeemBenefit",
        idempotency_key,
        {"profile_id": profile_id, "benefit_id": benefit_id, "count": count},
        profile_id,
        lambda profile, _: _redeem(profile, benefit_id, count),
    )
    [benefit] = await by_ids(Benefit, [benefit_id])
    return benefit


async def extend_benefits(
    profile_id: str, ids: list[str], extend_days: int | None, extend_date: datetime | None
) -> list[Benefit]:
    check_extension(ids, extend_days, extend_date)
    now = utcnow()
    async with in_transaction():
        profile = await lock_profile(profile_id)
        benefits = [
            await owned_benefit(str(profile.id), benefit_id) for benefit_id in dict.fromkeys(ids)
        ]
        for benefit in benefits:
            definition = await BenefitDefinition.get(id=benefit.definition_id)
            extend_lot(
                benefit,
                extendable=definition.is_extendable,
                inactive_code=ErrorCode.BENEFIT_NOT_ACTIVE,
                extend_days=extend_days,
                extend_date=extend_date,
                now=now,
            )
            await benefit.save(update_fields=["expires_at", "extended_at"])
    return benefits


async def void_benefit(benefit_id: str, reason: str) -> Benefit:
    return await void_lot(Benefit, benefit_id, reason, "benefitId", ErrorCode.BENEFIT_NOT_ACTIVE)


async def get_benefit(benefit_id: str) -> Benefit | None:
    return await Benefit.get_or_none(id=benefit_id)
