"""Benefits: issue, claim, redeem, extend and void benefits held by profiles."""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.models import Model

from loyalty_gateway.balances.definitions import lot_dates
from loyalty_gateway.balances.locks import once_under_lock
from loyalty_gateway.balances.lots import BENEFIT_LOTS, LotStatus, void_lot
from loyalty_gateway.benefits.definitions import BENEFIT_DEFINITIONS
from loyalty_gateway.benefits.models import Benefit, BenefitDefinition, BenefitRedemption
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.rules import condition_holds
from loyalty_gateway.core.time import (
    utcnow,
    zone,
)
from loyalty_gateway.db.rows import Part, by_ids, inserting
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import Made
from loyalty_gateway.issuing import LOT_CONTEXT_KEYS, LotInput, LotKind
from loyalty_gateway.profiles.context import profile_context, write_in_context
from loyalty_gateway.profiles.models import Profile

log = logging.getLogger(__name__)


BENEFIT_CONTEXT_KEYS = LOT_CONTEXT_KEYS | {"claimed_at", "redemptions_remaining"}
EVENT_CONTEXTS = {
    "benefit.created": BENEFIT_CONTEXT_KEYS,
    "benefit.claimed": BENEFIT_CONTEXT_KEYS,
    "benefit.redeemed": BENEFIT_CONTEXT_KEYS | {"count"},
}


def _held(benefit: Benefit) -> dict[str, Any]:
    """A benefit's own fields in its events: when it was claimed and the uses left."""
    return {
        "claimed_at": benefit.claimed_at,
        "redemptions_remaining": benefit.redemptions_remaining,
    }


BENEFITS = LotKind("benefit", Benefit, BENEFIT_DEFINITIONS, _held, ErrorCode.BENEFIT_NOT_ACTIVE)


@dataclass(kw_only=True)
class IssueBenefitInput(LotInput):
    benefit_definition_id: str | None = None
    benefit_definition_handle: str | None = None


def _uses(definition: BenefitDefinition) -> dict[str, Any]:
    """A new benefit's own columns: the uses its definition gives it."""
    return {"redemptions_remaining": definition.max_redemptions}


async def issue_benefit(
    data: IssueBenefitInput, idempotency_key: str | None = None, reaction: bool = False
) -> Benefit:
    """Issue a benefit (seed 001). Reactions may only issue assignable definitions."""
    named = data.benefit_definition_id, data.benefit_definition_handle
    return await BENEFITS.issue(data, named, idempotency_key, reaction, _uses)


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
    """Claim a published, claimable benefit (a customer for itself), under the profile's lock
    with its audit entry; the definition is read by the lock's statement."""
    tz = zone(timezone)
    made = Made(Benefit, "benefit_id")

    async def claim(profile: Profile, read_ahead: Model | None) -> dict[str, Any]:
        definition = await BENEFIT_DEFINITIONS.find(
            None, definition_handle, "definitionHandle", "definitionHandle", read_ahead
        )
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
        claimed = {**_uses(definition), "claimed_at": dates[0]}
        data = LotInput(profile_id=str(profile.id), timezone=timezone)
        benefit, _ = await BENEFITS.create(
            profile, definition, data, dates, claimed, also=("claimed",)
        )
        return made.keep(benefit)

    beside = BENEFIT_DEFINITIONS.ref(None, definition_handle)
    result = await once_under_lock("claimBenefit", None, {}, profile_id, claim, beside)
    return await made.row(result)


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
    await outbox.emit_all(
        [
            BENEFITS.announced(
                "redeemed", benefit, definitions[str(benefit.definition_id)], profile, count=count
            )
            for benefit, count in uses
        ]
    )


async def _redeem(
    profile: Profile, benefit_id: str, count: int, made: Made[Benefit]
) -> dict[str, Any]:
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
    return {"benefit_redemption_id": str(use.id), **made.keep(benefit)}


async def redeem_benefit(
    profile_id: str, benefit_id: str, count: int = 1, idempotency_key: str | None = None
) -> Benefit:
    """Use a benefit `count` times, under the profile lock."""
    if count < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "count must be at least 1", "count")
    profile_id = require_uuid(profile_id, "profileId")
    made = Made(Benefit, "benefit_id")
    result = await once_under_lock(
        "redeemBenefit",
        idempotency_key,
        {"profile_id": profile_id, "benefit_id": benefit_id, "count": count},
        profile_id,
        lambda profile, _: _redeem(profile, benefit_id, count, made),
    )
    # As this call left it, or (a repeat) as it is now; a record kept before results named
    # the benefit names the one the same input does.
    return await made.row({"benefit_id": benefit_id, **result})


async def extend_benefits(
    profile_id: str, ids: list[str], extend_days: int | None, extend_date: datetime | None
) -> list[Benefit]:
    """Extend each benefit once: by days from its expiry, or to a date."""
    return await BENEFITS.extend(profile_id, ids, extend_days, extend_date)


async def void_benefit(benefit_id: str, reason: str) -> Benefit:
    return await void_lot(Benefit, benefit_id, reason, "benefitId", ErrorCode.BENEFIT_NOT_ACTIVE)


async def get_benefit(benefit_id: str) -> Benefit | None:
    return await Benefit.get_or_none(id=benefit_id)
