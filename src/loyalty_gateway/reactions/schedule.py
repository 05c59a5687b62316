"""When an automation runs and which period a run belongs to, in its time zone: pure.

A daily automation runs each day at `hour` local time, a weekly one on its `weekday`
(1 = Monday), a monthly one on its `day` (a month without that day: its last day). A run
belongs to the period of the local date it runs on: the day (`2026-12-03`), the ISO week
(`2026-W49`) or the month (`2026-12`); an automation fires at most once per profile and
period, however often it is run.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from loyalty_gateway.core.errors import ErrorCode, UserError


class Frequency(Enum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Schedule:
    frequency: Frequency
    hour: int
    timezone: ZoneInfo
    weekday: int | None = None
    day: int | None = None

    def check(self) -> None:
        """The fields a frequency needs, in range, and none it does not take."""
        if not 0 <= self.hour <= 23:
            raise UserError(ErrorCode.INVALID_INPUT, "hour must be between 0 and 23", "hour")
        weekly, monthly = self.frequency is Frequency.WEEKLY, self.frequency is Frequency.MONTHLY
        if weekly != (self.weekday is not None):
            raise UserError(
                ErrorCode.INVALID_INPUT, "weekday is given for a weekly schedule only", "weekday"
            )
        if monthly != (self.day is not None):
            raise UserError(
                ErrorCode.INVALID_INPUT, "day is given for a monthly schedule only", "day"
            )
        if self.weekday is not None and not 1 <= self.weekday <= 7:
            raise UserError(ErrorCode.INVALID_INPUT, "weekday must be 1 (Monday) to 7", "weekday")
        if self.day is not None and not 1 <= self.day <= 31:
            raise UserError(ErrorCode.INVALID_INPUT, "day must be between 1 and 31", "day")

    def runs_on(self, day: date) -> bool:
        if self.frequency is Frequency.WEEKLY:
            return day.isoweekday() == self.weekday
        if self.frequency is Frequency.MONTHLY:
            last = calendar.monthrange(day.year, day.month)[1]
            return day.day == min(self.day or 1, last)
        return True

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.timezone).date()

    def period(self, moment: datetime) -> str:
        """The period a run at `moment` belongs to."""
        day = self.local_date(moment)
        if self.frequency is Frequency.WEEKLY:
            year, week, _ = day.isocalendar()
            return f"{year}-W{week:02d}"
        if self.frequency is Frequency.MONTHLY:
            return f"{day.year}-{day.month:02d}"
        return day.isoformat()

    def next_after(self, moment: datetime) -> datetime:
        """The first time it runs after `moment`, in UTC."""
        start = self.local_date(moment) - timedelta(days=1)
        for offset in range(400):
            day = start + timedelta(days=offset)
            if not self.runs_on(day):
                continue
            at = datetime.combine(day, time(self.hour), self.timezone).astimezone(UTC)
            if at > moment:
                return at
        raise AssertionError("every schedule runs within a year")  # monthly is the longest
