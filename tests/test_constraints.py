"""The database itself refuses a lot outside 0 ≤ remaining ≤ initial."""

import pytest
from tortoise.exceptions import IntegrityError

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.rewards.models import Reward
from tests.support import create_definition, create_profile


@pytest.mark.parametrize("remaining", [-1, 1001])
async def test_reward_lot_bounds_are_checked_by_the_database(gql, remaining):
    profile = await create_profile(gql)
    definition = await create_definition(gql)
    reward = await Reward.create(
        definition_id=definition["id"],
        profile_id=profile["id"],
        value_initial_cents=1000,
        value_remaining_cents=1000,
        value_at_issue_cents=1000,
        timezone="UTC",
        issued_at=utcnow(),
    )
    with pytest.raises(IntegrityError):
        await Reward.filter(id=reward.id).update(value_remaining_cents=remaining)
    await reward.refresh_from_db()
    assert reward.value_remaining_cents == 1000


@pytest.mark.parametrize("remaining", [-5, 11])
async def test_point_lot_bounds_are_checked_by_the_database(gql, remaining):
    profile = await create_profile(gql)
    with pytest.raises(IntegrityError):
        await PointLot.create(
            profile_id=profile["id"],
            points_initial=10,
            points_remaining=remaining,
            timezone="UTC",
            issued_at=utcnow(),
        )
