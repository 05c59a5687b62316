"""A lot's status has one definition per kind (`balances/lots.py`) with three forms: the
Python check on a loaded lot, the ORM filter and the SQL fragment. On a table of lots (void,
used, expired at the second, no expiry, uses left 0 or unlimited, point lots pending until a
second before, at or after now) the three agree with each other and with the rule as the
README states it."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from tortoise.connection import get_connection
from tortoise.models import Model

from loyalty_gateway.balances.lots import (
    BENEFIT_LOTS,
    POINT_LOTS,
    REWARD_LOTS,
    LotKind,
    LotStatus,
)
from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.db.rows import placeholder
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.rewards.models import Reward
from tests.support import create_benefit_definition, create_definition, create_profile

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
EXPIRIES = [None, NOW - timedelta(seconds=1), NOW, NOW + timedelta(seconds=1)]
VOIDED = [None, NOW - timedelta(hours=1)]


def expected(
    voided_at: datetime | None,
    remaining: int | None,
    expires_at: datetime | None,
    available_at: datetime | None = None,
):
    """The rule as the README states it, written out independently."""
    if voided_at is not None:
        return LotStatus.VOID
    if remaining == 0:
        return LotStatus.USED
    if expires_at is not None and expires_at <= NOW:
        return LotStatus.EXPIRED
    if available_at is not None and available_at > NOW:
        return LotStatus.PENDING
    return LotStatus.ACTIVE


async def rewards(gql, profile_id: str, remaining: int | None, **lot) -> Reward:
    definition = (await create_definition(gql))["id"]
    return await Reward.create(
        definition_id=definition, profile_id=profile_id, value_initial_cents=500,
        value_remaining_cents=remaining, value_at_issue_cents=500, timezone="UTC",
        issued_at=NOW, **lot,
    )  # fmt: skip


async def points(gql, profile_id: str, remaining: int | None, **lot) -> PointLot:
    return await PointLot.create(
        profile_id=profile_id, points_initial=500, points_remaining=remaining,
        timezone="UTC", issued_at=NOW, **lot,
    )  # fmt: skip


async def benefits(gql, profile_id: str, remaining: int | None, **lot) -> Benefit:
    definition = (await create_benefit_definition(gql))["id"]
    return await Benefit.create(
        definition_id=definition, profile_id=profile_id, redemptions_remaining=remaining,
        timezone="UTC", issued_at=NOW, **lot,
    )  # fmt: skip


KINDS = [
    (REWARD_LOTS, Reward, rewards, [0, 5], [None]),
    (POINT_LOTS, PointLot, points, [0, 5], EXPIRIES),
    (BENEFIT_LOTS, Benefit, benefits, [0, 5, None], [None]),
]


@pytest.mark.parametrize(("kind", "model", "make", "remainders", "availability"), KINDS)
async def test_python_orm_and_sql_forms_agree_on_every_status(
    gql, kind: LotKind, model: type[Model], make, remainders, availability
):
    profile_id = (await create_profile(gql))["id"]
    want: dict[str, LotStatus] = {}
    grid = itertools.product(VOIDED, remainders, EXPIRIES, availability)
    for voided_at, remaining, expires_at, available_at in grid:
        lot = await make(
            gql, profile_id, remaining, voided_at=voided_at, expires_at=expires_at,
            **({"available_at": available_at} if kind.pending else {}),
        )  # fmt: skip
        want[str(lot.id)] = expected(voided_at, remaining, expires_at, available_at)
    assert set(want.values()) == set(kind.statuses)

    loaded = await model.filter(profile_id=profile_id)
    assert {str(lot.pk): kind.status(lot, NOW) for lot in loaded} == want

    connection = get_connection("default")
    dialect = connection.capabilities.dialect
    table = model._meta.db_table
    for status in kind.statuses:
        orm = {str(pk) for pk in await model.filter(
            kind.q([status], NOW), profile_id=profile_id).values_list("id", flat=True)}  # fmt: skip
        fragment = kind.sql(status, "t", placeholder(dialect, 2))
        sql = f"SELECT t.id FROM {table} t WHERE t.profile_id = {placeholder(dialect, 1)} "
        uses_now = placeholder(dialect, 2) in fragment  # VOID and USED do not depend on it
        rows = await connection.execute_query_dict(
            f"{sql} AND {fragment}", [profile_id, NOW] if uses_now else [profile_id]
        )
        by_sql = {str(row["id"]) for row in rows}
        assert orm == by_sql == {i for i, s in want.items() if s is status}, status

    either = kind.q([LotStatus.USED, LotStatus.VOID, LotStatus.USED], NOW)
    found = await model.filter(either, profile_id=profile_id).values_list("id", flat=True)
    assert {str(pk) for pk in found} == {
        i for i, s in want.items() if s in (LotStatus.USED, LotStatus.VOID)
    }
    assert kind.q([], NOW) is None  # no status asked for: every lot
