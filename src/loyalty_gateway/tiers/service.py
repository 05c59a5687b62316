"""Tiers: reached with tier points of the last 12 months, reviewed on each anniversary."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.functions import Sum
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.held_tier import Progress, current_tier, progress
from loyalty_gateway.balances.locks import lock_profile
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import happened_at, months_later, utcnow, zone
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.handles import (
    check_handle,
    check_not_null,
    create_with_handle,
    find_by_handle,
    update_with_handle,
)
from loyalty_gateway.earning.models import Earning
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import run_once
from loyalty_gateway.profiles.context import CONTEXT_KEYS, profile_context
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.tiers.models import ProfileTier, TierDefinition, TierPoint

WINDOW_MONTHS = 12
MAX_TIER_POINTS = 10**12
NOT_NULL = ("name", "handle", "value_min", "is_floor", "tags")


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(fields)
    check_text(TierDefinition, cleaned)
    check_not_null(cleaned, NOT_NULL)
    if "handle" in cleaned:
        check_handle(cleaned["handle"])
    for key, field in (("value_min", "valueMin"), ("value_maintain", "valueMaintain")):
        value = cleaned.get(key)
        if value is not None and not 0 <= value <= MAX_TIER_POINTS:
            raise UserError(ErrorCode.INVALID_AMOUNT, f"{field} must be 0 or more", field)
    return cleaned


async def create_tier(fields: dict[str, Any]) -> TierDefinition:
    return await create_with_handle(TierDefinition, _clean(fields))


async def update_tier(tier_id: str, fields: dict[str, Any]) -> TierDefinition:
    return await update_with_handle(TierDefinition, "tier definition", tier_id, _clean(fields))


async def list_tiers() -> list[TierDefinition]:
    return await TierDefinition.all().order_by("value_min", "handle")


async def tier_points_of(profile_ids: list[str], end: datetime) -> dict[str, int]:
    """Tier points earned in the 12 months up to `end` (both ends included), per profile."""
    rows = (
        await TierPoint.filter(
            profile_id__in=profile_ids,
            issued_at__gte=months_later(end, -WINDOW_MONTHS),
            issued_at__lte=end,
        )
        .annotate(total=Sum("points"))
        .group_by("profile_id")
        .values("profile_id", "total")
    )
    found = {str(row["profile_id"]): int(row["total"] or 0) for row in rows}
    return {pid: found.get(pid, 0) for pid in profile_ids}


def _highest_reached(tiers: list[TierDefinition], points: int) -> TierDefinition | None:
    reached = [tier for tier in tiers if tier.value_min <= points]
    return reached[-1] if reached else None


TIER_CONTEXT_KEYS = CONTEXT_KEYS | {"definition"}
EVENT_CONTEXTS = {
    "tier.achieved": TIER_CONTEXT_KEYS,
    "tier.progressed": TIER_CONTEXT_KEYS | {"from", "to", "passed"},
    "tier.maintained": TIER_CONTEXT_KEYS | {"tier_points", "by_floor"},
    "tier.lost": TIER_CONTEXT_KEYS | {"tier_points", "new_tier_handle"},
}


async def _tier_context(profile: Profile, tier: TierDefinition) -> dict[str, Any]:
    """Tier events carry the profile at the root and the tier as `definition`."""
    context = await profile_context(profile)
    context["definition"] = {
        "id": str(tier.id),
        "handle": tier.handle,
        "name": tier.name,
        "value_min": tier.value_min,
        "value_maintain": tier.value_maintain,
        "is_floor": tier.is_floor,
    }
    return context


async def _emit(name: str, profile: Profile, tier: TierDefinition, **extra: Any) -> None:
    context = await _tier_context(profile, tier)
    await outbox.emit(name, {**context, **extra}, str(profile.id))


async def _set_tier(
    profile: Profile, tier: TierDefinition, now: datetime, manual: bool
) -> ProfileTier:
    held = await ProfileTier.get_or_none(profile_id=profile.id)
    if held is None:
        held = ProfileTier(profile=profile)
    held.tier = tier
    held.achieved_at = now
    held.anniversary_at = months_later(now, WINDOW_MONTHS)
    held.maintained_at = None
    if manual:
        held.assigned_at = now
    await held.save()
    return held


async def _emit_upgrade(
    profile: Profile,
    before: TierDefinition | None,
    after: TierDefinition,
    tiers: list[TierDefinition],
) -> None:
    """`tier.achieved` for the tier reached, then `tier.progressed` with where the profile came
    `from`, went `to`, and the tiers it `passed` on the way: a reaction filtered on a tier that
    was jumped over sees it there, not in a `tier.achieved` of its own. One context for both."""
    floor = before.value_min if before is not None else -1
    passed = [t.handle for t in tiers if floor < t.value_min < after.value_min]
    context = await _tier_context(profile, after)
    await outbox.emit("tier.achieved", context, str(profile.id))
    progressed = {"from": before.handle if before else None, "to": after.handle, "passed": passed}
    await outbox.emit("tier.progressed", {**context, **progressed}, str(profile.id))


@dataclass
class AwardTierPointsInput:
    profile_id: str
    points: int
    timezone: str
    reason: str | None = None
    issued_at: datetime | None = None
    earned: Earning | None = None  # set when earned on a sale by a definition


async def _award(data: AwardTierPointsInput) -> dict[str, Any]:
    tz = zone(data.timezone)
    if not 0 < data.points <= MAX_TIER_POINTS:
        raise UserError(ErrorCode.INVALID_AMOUNT, "points must be 1 or more", "points")
    check_text(TierPoint, {"reason": data.reason})
    profile = await Profile.get(id=data.profile_id)
    now = utcnow()
    issued_at = happened_at(data.issued_at, tz, "issuedAt", now)
    entry = await TierPoint.create(
        profile=profile,
        points=data.points,
        reason=data.reason,
        timezone=data.timezone,
        issued_at=issued_at,
        **(data.earned.columns() if data.earned is not None else {}),
    )
    total = (await tier_points_of([str(profile.id)], now))[str(profile.id)]
    tiers = await list_tiers()
    reached = _highest_reached(tiers, total)
    current = await current_tier(str(profile.id))
    if reached is not None and (current is None or reached.value_min > current.value_min):
        await _set_tier(profile, reached, now, manual=False)
        await _emit_upgrade(profile, current, reached, tiers)
    return {"tier_point_id": str(entry.id)}


async def award_tier_points(
    data: AwardTierPointsInput, idempotency_key: str | None = None
) -> TierPoint:
    """Record tier points; reaching a higher tier assigns it and emits one `tier.achieved`."""
    data.profile_id = require_uuid(data.profile_id, "profileId")
    result = await run_once(
        "awardTierPoints",
        idempotency_key,
        dict(vars(data)),
        lambda: _award(data),
        lock=lambda: lock_profile(data.profile_id),
    )
    return await TierPoint.get(id=result["tier_point_id"])


async def assign_tier(profile_id: str, tier_handle: str) -> ProfileTier:
    """Set a profile's tier by hand; an upgrade emits `tier.achieved`."""
    async with in_transaction():
        profile = await lock_profile(profile_id)
        tier = await find_by_handle(TierDefinition, "tier", tier_handle, "tierHandle")
        current = await current_tier(str(profile.id))
        held = await _set_tier(profile, tier, utcnow(), manual=True)
        if current is None or tier.value_min > current.value_min:
            await _emit_upgrade(profile, current, tier, await list_tiers())
    return held


@dataclass(frozen=True)
class Review:
    profile_id: str
    outcome: str
    tier: str | None


async def _review(held_id: str, tiers: list[TierDefinition], now: datetime) -> Review | None:
    async with in_transaction():
        first = await ProfileTier.get(id=held_id)
        profile = await lock_profile(str(first.profile_id))
        held = await ProfileTier.get(id=held_id).prefetch_related("tier")
        if held.anniversary_at > now:
            return None
        current = held.tier
        # The tier year that ended at the anniversary decides, however late the review runs.
        points = (await tier_points_of([str(profile.id)], held.anniversary_at))[str(profile.id)]
        keep = current.value_maintain if current.value_maintain is not None else current.value_min
        floors = [t for t in tiers if t.is_floor and t.value_min <= current.value_min]
        reached = _highest_reached(tiers, points)
        candidates = [t for t in (reached, floors[-1] if floors else None) if t is not None]
        new = max(candidates, key=lambda t: t.value_min) if candidates else None
        if points >= keep or (new is not None and new.id == current.id):
            outcome = "maintained" if points >= keep else "floor"
            while held.anniversary_at <= now:
                held.anniversary_at = months_later(held.anniversary_at, WINDOW_MONTHS)
            held.maintained_at = now
            await held.save()
            await _emit(
                "tier.maintained",
                profile,
                current,
                tier_points=points,
                by_floor=outcome == "floor",
            )
            return Review(str(profile.id), outcome, current.handle)
        if new is None:
            await held.delete()
        else:
            await _set_tier(profile, new, now, manual=False)
        await _emit(
            "tier.lost",
            profile,
            current,
            tier_points=points,
            new_tier_handle=new.handle if new else None,
        )
        return Review(str(profile.id), "lost", new.handle if new else None)


async def evaluate_tiers(
    now: datetime | None = None, progress: Callable[[int, int], object] | None = None
) -> list[Review]:
    """Review every profile whose anniversary has passed: keep, step down, or stop at a floor.
    `progress(done, total)` hears of each profile reviewed."""
    now = now or utcnow()
    tiers = await list_tiers()
    due = await ProfileTier.filter(anniversary_at__lte=now).order_by("anniversary_at")
    reviews = []
    for done, held in enumerate(due, start=1):
        review = await _review(str(held.id), tiers, now)
        if review is not None:
            reviews.append(review)
        if progress is not None:
            progress(done, len(due))
    return reviews


async def tiers_of(profile_ids: list[str]) -> dict[str, ProfileTier]:
    held = await ProfileTier.filter(profile_id__in=profile_ids).prefetch_related("tier")
    return {str(h.profile_id): h for h in held}


async def progress_of(profile_id: str) -> Progress:
    points = (await tier_points_of([profile_id], utcnow()))[profile_id]
    held = (await tiers_of([profile_id])).get(profile_id)
    return progress(held, points, await list_tiers())
