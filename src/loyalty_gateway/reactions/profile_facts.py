"""What an automation's query reads of a profile: its context, and facts about its dates on
the day the automation runs, in the automation's time zone (profiles have none): pure."""

from datetime import date
from typing import Any

from loyalty_gateway.profiles.context import CONTEXT_KEYS

AUTOMATION_PREFIX = "automation."
"""The trigger namespace of automations' reactions: only automations fire it."""
FACT_KEYS = frozenset({"today", "birthday_today", "days_to_birthday", "next_reward_expiry_days"})
QUERY_KEYS = CONTEXT_KEYS | FACT_KEYS
"""What an automation's query may read."""
AUTOMATION_CONTEXT_KEYS = QUERY_KEYS | {"automation"}
"""What its actions see: the same, and the automation (`id`, `name`, `period`)."""


def birthday_in(year: int, birth_date: date) -> date:
    """The birthday in `year`; 29 February is 28 February in a year without it."""
    try:
        return birth_date.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def days_to_birthday(birth_date: date, today: date) -> int:
    """Days from `today` to the next birthday: 0 on the day."""
    this_year = birthday_in(today.year, birth_date)
    if this_year >= today:
        return (this_year - today).days
    return (birthday_in(today.year + 1, birth_date) - today).days


def facts(birth_date: date | None, today: date, next_expiry: date | None) -> dict[str, Any]:
    """`today` (ISO); whether it is the profile's birthday and the days to it (null without a
    birth date); the days until its first reward expires, counted in local dates (null with
    none that expires)."""
    to_birthday = days_to_birthday(birth_date, today) if birth_date is not None else None
    return {
        "today": today.isoformat(),
        "birthday_today": to_birthday == 0,
        "days_to_birthday": to_birthday,
        "next_reward_expiry_days": (next_expiry - today).days if next_expiry else None,
    }
