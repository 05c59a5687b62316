"""Time rules: UTC storage, IANA timezones on writes, expiry at 23:59:59 local."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loyalty_gateway.core.errors import ErrorCode, UserError

END_OF_DAY = time(23, 59, 59)


class PeriodType(Enum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"
    ABSOLUTE_DATE = "absolute_date"


def utcnow() -> datetime:
    return datetime.now(UTC)


MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone with that name, or INVALID_TIMEZONE."""
    try:
        if not name or name != name.strip() or len(name) > MAX_ZONE_NAME:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name no file can have
        shown = name if len(name) <= MAX_ZONE_NAME else name[:MAX_ZONE_NAME] + "…"
        raise UserError(
            ErrorCode.INVALID_TIMEZONE, f"'{shown}' is not an IANA timezone", field
        ) from None


class DateOnly(datetime):
    """A `DateTime` input given as a date alone (`2027-04-07`): midnight, as a datetime, but
    a rule that means "that day" (an extension to a date) can tell it was a day."""


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """23:59:59 local on `day`, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=tz).astimezone(UTC)


CALENDAR = range(1900, 2200)
"""The years a date given to the program may fall in: nothing a loyalty program keeps lies
outside, and near the calendar's ends moving to UTC or adding a period would leave it."""


def check_calendar(value: date, field: str) -> None:
    """INVALID_DATE for a date or date-time outside CALENDAR (`0001-01-01`, `9999-12-31`)."""
    if value.year not in CALENDAR:
        raise UserError(
            ErrorCode.INVALID_DATE,
            f"{field} must fall in the years {CALENDAR.start} to {CALENDAR.stop - 1}",
            field,
        )


def as_aware(value: datetime, tz: ZoneInfo, field: str) -> datetime:
    """A naive datetime is local time in `tz`; an aware one keeps its offset. Result in UTC.
    `field` names it in the INVALID_DATE of a date outside CALENDAR."""
    check_calendar(value, field)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


CLOCK_SKEW = timedelta(minutes=5)
"""How far ahead of the server's clock a till's clock may run: a time that far ahead is taken
as now; one further ahead is refused."""


def happened_at(
    value: datetime | None, tz: ZoneInfo, field: str, now: datetime | None = None
) -> datetime:
    """When something happened (`issuedAt`, `transactedAt`), in UTC: `now` when not given.
    Nothing is recorded as happening later than now, so a lot never waits to count:
    INVALID_DATE for a time more than CLOCK_SKEW ahead, now for one less far ahead."""
    now = now or utcnow()
    if value is None:
        return now
    instant = as_aware(value, tz, field)
    if instant > now + CLOCK_SKEW:
        raise UserError(ErrorCode.INVALID_DATE, f"{field} is in the future", field)
    return min(instant, now)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_later(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` later (negative: earlier), clamped to the month end."""
    day = add_months(moment.date(), months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def expiry_from_period(
    issued_at: datetime, tz: ZoneInfo, period: int, period_type: PeriodType
) -> datetime:
    """23:59:59 local on (local issue date + period), in UTC."""
    local_day = issued_at.astimezone(tz).date()
    try:
        if period_type is PeriodType.DAYS:
            end_day = local_day + timedelta(days=period)
        elif period_type is PeriodType.WEEKS:
            end_day = local_day + timedelta(weeks=period)
        elif period_type is PeriodType.MONTHS:
            end_day = add_months(local_day, period)
        elif period_type is PeriodType.YEARS:
            end_day = add_months(local_day, 12 * period)
        else:
            raise ValueError(f"{period_type} has no period arithmetic")
    except (OverflowError, ValueError):
        raise UserError(
            ErrorCode.INVALID_DATE, "The period ends beyond year 9999", "period"
        ) from None
    return end_of_local_day(end_day, tz)
