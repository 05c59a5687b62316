"""Balances are sums over live lots: active (not void), unexpired, with value left."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from tortoise.connection import get_connection

from loyalty_gateway.balances.lots import BENEFIT_LOTS, POINT_LOTS, REWARD_LOTS, LotStatus
from loyalty_gateway.core.money import from_cents, points_to_cents
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import placeholder
from loyalty_gateway.program.service import SETTINGS_ID, points_to_dollars_rate

NON_MONETARY_REWARD_TYPES = ("percentage",)
LOT_TABLES = ("reward", "point_lot", "benefit")
"""The tables the balances sum."""


@dataclass(frozen=True)
class Balances:
    reward_cents: int
    points: int
    point_cents: int
    benefits: int
    pending_points: int

    @property
    def combined_cents(self) -> int:
        return self.reward_cents + self.point_cents

    def as_context(self) -> dict[str, object]:
        """Omneo's snake_case balance keys, as event contexts carry them."""
        return {
            "reward_balance": from_cents(self.reward_cents),
            "point_balance": self.points,
            "point_balance_dollars": from_cents(self.point_cents),
            "combined_balance_dollars": from_cents(self.combined_cents),
            "benefit_balance": self.benefits,
            "pending_point_balance": self.pending_points,
        }


def spendable_rewards_sql(alias: str, profile: str, now: str) -> str:
    """The rewards (table alias `alias`) of the profile `profile` that count as money at
    `now`: live, and of a type that is money. What the balance sums and redeem takes."""
    excluded = ", ".join(f"'{kind}'" for kind in NON_MONETARY_REWARD_TYPES)
    return (
        f"{alias}.profile_id = {profile} AND {alias}.type NOT IN ({excluded}) "
        f"AND {REWARD_LOTS.sql(LotStatus.ACTIVE, alias, now)}"
    )


def spendable_points_sql(alias: str, profile: str, now: str) -> str:
    """The point lots (alias `alias`) of the profile `profile` live at `now`."""
    return f"{alias}.profile_id = {profile} AND {POINT_LOTS.sql(LotStatus.ACTIVE, alias, now)}"


def balance_sql(profile: str, now: str, tables: Mapping[str, str] | None = None) -> dict[str, str]:
    """A profile's balances as SQL expressions over its id `profile` at the time `now`:
    reward cents, points and benefits live, and the program's rate. `tables` may stand a
    relation in for a lot table (`db/rows.written_tables`: the table as the statement's own
    writes leave it)."""
    active = LotStatus.ACTIVE
    tables = tables or {}
    rewards, points, benefits = (tables.get(name, name) for name in LOT_TABLES)
    return {
        "reward_cents": f"""(SELECT COALESCE(SUM(r.value_remaining_cents), 0) FROM {rewards} r
    WHERE {spendable_rewards_sql("r", profile, now)})""",
        "points": f"""(SELECT COALESCE(SUM(l.points_remaining), 0) FROM {points} l
    WHERE {spendable_points_sql("l", profile, now)})""",
        "pending_points": f"""(SELECT COALESCE(SUM(l.points_remaining), 0) FROM {points} l
    WHERE l.profile_id = {profile} AND {POINT_LOTS.sql(LotStatus.PENDING, "l", now)})""",
        "benefits": f"""(SELECT COUNT(*) FROM {benefits} b
    WHERE b.profile_id = {profile} AND {BENEFIT_LOTS.sql(active, "b", now)})""",
        "rate": f"""(SELECT s.points_to_dollars_rate FROM program_settings s
    WHERE s.id = {SETTINGS_ID})""",
    }


@lru_cache(maxsize=256)
def _balances_sql(dialect: str, count: int) -> str:
    """Per profile: the rate and the three sums in one statement, so a balance is one round
    trip. Parameter 1 is `now`, the rest are the profile ids."""
    now = placeholder(dialect, 1)
    ids = ", ".join(placeholder(dialect, index + 2) for index in range(count))
    columns = ",\n  ".join(f"{sql} AS {name}" for name, sql in balance_sql("p.id", now).items())
    return f"SELECT p.id AS profile_id,\n  {columns}\nFROM profile p WHERE p.id IN ({ids})"


async def balances_for(profile_ids: Iterable[str]) -> dict[str, Balances]:
    """Balances of many profiles, one statement whatever their number. Profiles that do not
    exist get zeros."""
    ids = list({str(profile_id) for profile_id in profile_ids})
    if not ids:
        return {}
    connection = get_connection("default")
    sql = _balances_sql(connection.capabilities.dialect, len(ids))
    rows = await connection.execute_query_dict(sql, [utcnow(), *ids])
    found = {str(row["profile_id"]): row for row in rows}
    rate = await rate_of(rows[0] if rows else None)
    return {profile_id: balances_from(found.get(profile_id), rate) for profile_id in ids}


async def rate_of(row: Mapping[str, Any] | None) -> Decimal:
    """The program's rate from a row holding `balance_sql`'s columns, or read (and seeded)
    when the program has no settings row yet."""
    if row is None or row["rate"] is None:
        return await points_to_dollars_rate()
    return Decimal(str(row["rate"]))


def balances_from(row: Mapping[str, Any] | None, rate: Decimal) -> Balances:
    """Balances from a row holding `balance_sql`'s columns (zeros for no row)."""
    if row is None:
        return Balances(reward_cents=0, points=0, point_cents=0, benefits=0, pending_points=0)
    points = int(row["points"])
    return Balances(
        reward_cents=int(row["reward_cents"]),
        points=points,
        point_cents=points_to_cents(points, rate),
        benefits=int(row["benefits"]),
        pending_points=int(row["pending_points"]),
    )


async def balances_of(profile_id: str) -> Balances:
    return (await balances_for([profile_id]))[str(profile_id)]
