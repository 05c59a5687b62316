"""Extending a lot's expiry once: by days from its expiry, or to a date."""

from datetime import datetime, timedelta
from typing import Any

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import as_aware, zone


def check_extension(ids: list[str], extend_days: int | None, extend_date: datetime | None) -> None:
    if (extend_days is None) == (extend_date is None):
        raise UserError(
            ErrorCode.INVALID_INPUT, "Give exactly one of extendDays and extendDate", "extendDays"
        )
    if extend_days is not None and extend_days < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "extendDays must be at least 1", "extendDays")
    if not ids:
        raise UserError(ErrorCode.INVALID_INPUT, "ids must not be empty", "ids")


def _add_days(moment: datetime, days: int) -> datetime:
    try:
        return moment + timedelta(days=days)
    except OverflowError:
        raise UserError(
            ErrorCode.INVALID_DATE, "The extension ends beyond year 9999", "extendDays"
        ) from None


def extend_lot(
    lot: Any,
    *,
    extendable: bool,
    inactive_code: ErrorCode,
    extend_days: int | None,
    extend_date: datetime | None,
    now: datetime,
) -> None:
    """Set a new expiry on a reward or benefit (not saved); it can be extended once."""
    label = f"{type(lot).__name__} {lot.id}"
    if not extendable:
        raise UserError(ErrorCode.NOT_EXTENDABLE, f"{label} is not extendable", "ids")
    if lot.extended_at is not None:
        raise UserError(ErrorCode.ALREADY_EXTENDED, f"{label} was already extended", "ids")
    if lot.voided_at is not None:
        raise UserError(inactive_code, f"{label} is void", "ids")
    if extend_date is not None:
        new_expiry = as_aware(extend_date, zone(lot.timezone))
    elif lot.expires_at is None:
        raise UserError(ErrorCode.NOT_EXTENDABLE, f"{label} never expires", "ids")
    else:
        new_expiry = _add_days(lot.expires_at, extend_days or 0)
    if new_expiry <= lot.issued_at:
        raise UserError(ErrorCode.INVALID_DATE, "extendDate is not after issuedAt", "extendDate")
    lot.expires_at = new_expiry
    lot.extended_at = now
