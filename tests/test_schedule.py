"""When automations run, the period a run belongs to, and the date facts their queries read:
pure rules, across time zones, month ends, leap days and daylight saving."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from loyalty_gateway.core.errors import UserError
from loyalty_gateway.reactions.profile_facts import days_to_birthday, facts
from loyalty_gateway.reactions.schedule import Frequency, Schedule

MELBOURNE = ZoneInfo("Australia/Melbourne")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        (Schedule(Frequency.DAILY, 9, MELBOURNE), "2026-07-15T08:59:00+10:00",
         "2026-07-15T09:00:00+10:00"),
        (Schedule(Frequency.DAILY, 9, MELBOURNE), "2026-07-15T09:00:00+10:00",
         "2026-07-16T09:00:00+10:00"),
        # the first Sunday of April: clocks go back at 3, 9 is AEST (+10)
        (Schedule(Frequency.DAILY, 9, MELBOURNE), "2026-04-04T12:00:00+11:00",
         "2026-04-05T09:00:00+10:00"),
        (Schedule(Frequency.WEEKLY, 0, UTC, weekday=1), "2026-12-03T00:00:00+00:00",
         "2026-12-07T00:00:00+00:00"),
        (Schedule(Frequency.MONTHLY, 6, UTC, day=31), "2026-02-01T00:00:00+00:00",
         "2026-02-28T06:00:00+00:00"),
        (Schedule(Frequency.MONTHLY, 6, UTC, day=31), "2026-02-28T06:00:00+00:00",
         "2026-03-31T06:00:00+00:00"),
        (Schedule(Frequency.MONTHLY, 23, UTC, day=29), "2028-02-01T00:00:00+00:00",
         "2028-02-29T23:00:00+00:00"),
    ],
)  # fmt: skip
def test_next_run(schedule, after, expected):
    assert schedule.next_after(at(after)) == at(expected)


@pytest.mark.parametrize(
    ("frequency", "moment", "period"),
    [
        (Frequency.DAILY, "2026-07-14T23:30:00+00:00", "2026-07-15"),  # 9:30 in Melbourne
        (Frequency.WEEKLY, "2026-12-31T20:00:00+00:00", "2026-W53"),
        (Frequency.WEEKLY, "2027-01-03T20:00:00+00:00", "2027-W01"),
        (Frequency.MONTHLY, "2026-11-30T14:00:00+00:00", "2026-12"),
    ],
)
def test_a_run_belongs_to_the_local_period(frequency, moment, period):
    extra = {"weekday": 1} if frequency is Frequency.WEEKLY else {}
    extra |= {"day": 1} if frequency is Frequency.MONTHLY else {}
    assert Schedule(frequency, 9, MELBOURNE, **extra).period(at(moment)) == period


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(Frequency.DAILY, 24, UTC),
        Schedule(Frequency.DAILY, 9, UTC, weekday=1),
        Schedule(Frequency.WEEKLY, 9, UTC),
        Schedule(Frequency.WEEKLY, 9, UTC, weekday=0),
        Schedule(Frequency.MONTHLY, 9, UTC),
        Schedule(Frequency.MONTHLY, 9, UTC, day=0),
    ],
)
def test_a_schedule_missing_or_out_of_range_is_refused(schedule):
    with pytest.raises(UserError):
        schedule.check()


@pytest.mark.parametrize(
    ("born", "today", "days"),
    [
        (date(1990, 7, 15), date(2026, 7, 15), 0),
        (date(1990, 7, 15), date(2026, 7, 14), 1),
        (date(1990, 7, 15), date(2026, 7, 16), 364),
        (date(2000, 2, 29), date(2027, 2, 28), 0),
        (date(2000, 2, 29), date(2028, 2, 28), 1),
        (date(2000, 2, 29), date(2028, 2, 29), 0),
        (date(1990, 1, 1), date(2026, 12, 31), 1),
    ],
)
def test_days_to_birthday(born, today, days):
    assert days_to_birthday(born, today) == days


def test_facts_of_a_profile_without_dates():
    assert facts(None, date(2026, 1, 2), None) == {
        "today": "2026-01-02",
        "birthday_today": False,
        "days_to_birthday": None,
        "next_reward_expiry_days": None,
    }
    assert facts(None, date(2026, 1, 2), date(2026, 1, 9))["next_reward_expiry_days"] == 7
