"""Status of a lot (a reward or a point award) and the matching database filter."""

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.profiles.locks import lock_profile


class LotStatus(Enum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    USED = "USED"
    VOID = "VOID"


def lot_status(
    voided_at: datetime | None, remaining: int, expires_at: datetime | None, now: datetime
) -> LotStatus:
    if voided_at is not None:
        return LotStatus.VOID
    if remaining == 0:
        return LotStatus.USED
    if expires_at is not None and expires_at <= now:
        return LotStatus.EXPIRED
    return LotStatus.ACTIVE


def _status_q(status: LotStatus, remaining: str, now: datetime) -> Q:
    not_void = Q(voided_at=None)
    if status is LotStatus.VOID:
        return Q(voided_at__isnull=False)
    if status is LotStatus.USED:
        return not_void & Q(**{remaining: 0})
    has_value = not_void & Q(**{f"{remaining}__gt": 0})
    if status is LotStatus.EXPIRED:
        return has_value & Q(expires_at__lte=now)
    return has_value & (Q(expires_at=None) | Q(expires_at__gt=now))


def status_filter(statuses: Iterable[Enum], remaining: str, now: datetime) -> Q | None:
    """Lots in any of `statuses` (matched by name); None when no status is asked for."""
    chosen = [LotStatus(status.value) for status in dict.fromkeys(statuses)]
    if not chosen:
        return None
    combined = _status_q(chosen[0], remaining, now)
    for status in chosen[1:]:
        combined |= _status_q(status, remaining, now)
    return combined


def has_uses_left() -> Q:
    """A benefit with uses left: no limit (null), or more than zero remaining."""
    return Q(redemptions_remaining=None) | Q(redemptions_remaining__gt=0)


USES_LEFT_SQL = "({t}.redemptions_remaining IS NULL OR {t}.redemptions_remaining > 0)"
"""`has_uses_left()` in SQL, for the balances statement, on table alias `t`."""


async def void_lot(
    model: type[Model], lot_id: str, reason: str, field: str, inactive_code: ErrorCode
) -> Any:
    """Void a reward or benefit once, under its profile's lock; its value stays for the ledger."""
    lot_id = require_uuid(lot_id, field)
    label = model.__name__.lower()
    async with in_transaction():
        found = await model.get_or_none(id=lot_id)
        if found is None:
            raise UserError(ErrorCode.NOT_FOUND, f"No {label} {lot_id}", field)
        await lock_profile(str(found.profile_id))
        lot = await model.get(id=lot_id)
        if lot.voided_at is not None:
            raise UserError(inactive_code, f"The {label} is already void", field)
        lot.voided_at = utcnow()
        lot.void_reason = reason
        await lot.save(update_fields=["voided_at", "void_reason"])
    return lot


def expiry_order_key(expires_at: datetime | None, issued_at: datetime, lot_id: object) -> tuple:
    """Earliest expiry first, no expiry last; ties by issue time, then id."""
    return (expires_at is None, expires_at or issued_at, issued_at, str(lot_id))
