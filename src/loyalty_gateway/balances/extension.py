"""Extending a lot's expiry once: by days from its expiry, or to a date."""

from datetime import date, datetime, timedelta
from typing import Any

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import DateOnly, as_aware, check_calendar, end_of_local_day, zone


def check_extension(ids: list[str], extend_days: int | None, extend_date: datetime | None) -> None:
    if (extend_days is None) == (extend_date is None):
        raise UserError(
            ErrorCode.INVALID_INPUT, "Give exactly one of extendDays and extendDate", "extendDays"
        )
    if extend_days is not None and extend_days < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "extendDays must be at least 1", "extendDays")
    if not ids:
        raise UserError(ErrorCode.INVALID_INPUT, "ids must not be empty", "ids")


def _add_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
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
    tz = zone(lot.timezone)
    if isinstance(extend_date, DateOnly):  # a day: its end, local time
        check_calendar(extend_date, "extendDate")
        new_expiry = end_of_local_day(extend_date.date(), tz)
    elif extend_date is not None:
        new_expiry = as_aware(extend_date, tz, "extendDate")
    elif lot.expires_at is None:
        raise UserError(ErrorCode.NOT_EXTENDABLE, f"{label} never expires", "ids")
    else:  # on local dates: 23:59:59 local however many clock changes lie between
        new_expiry = end_of_local_day(
            _add_days(lot.expires_at.astimezone(tz).date(), extend_days or 0), tz
        )
    if new_expiry <= lot.issued_at:
        raise UserError(ErrorCode.INVALID_DATE, "extendDate is not after issuedAt", "extendDate")
    if lot.expires_at is not None and new_expiry < lot.expires_at:
        raise UserError(
            ErrorCode.INVALID_EXTENSION,
            f"{label} already expires at {lot.expires_at.isoformat()}: an extension cannot "
            "bring that earlier",
            "extendDate",
        )
    lot.expires_at = new_expiry
    lot.extended_at = now
