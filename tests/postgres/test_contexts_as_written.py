"""On PostgreSQL a value change reads its profile's context in its own statement, taking the
lots it writes as it writes them (`profiles/context.write_in_context`): the balances in its
event's context must be the ones a read after it finds, for points and benefits as for
rewards (the Hypothesis ledger model checks rewards, `test_stateful.py`)."""

from loyalty_gateway.events.models import Event
from tests.support import (
    award_points,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    redeem,
    redeem_benefit,
)

BALANCES = """query($id: ID!) { profile(id: $id) { balances { rewardBalance pointBalance
  pointBalanceDollars combinedBalanceDollars benefitBalance pendingPointBalance } } }"""
REVERSE = """mutation($id: ID!) { reverseRedemption(input: {redemptionId: $id})
  { redemption { id } errors { code } } }"""


async def assert_last_event_holds_the_balances(gql, profile_id: str, name: str) -> dict:
    event = await Event.filter(profile_id=profile_id, name=name).order_by("-id").first()
    assert event is not None, name
    held = event.context["profile"]
    now = (await gql(BALANCES, {"id": profile_id}))["profile"]["balances"]
    assert {
        "reward_balance": held["reward_balance"],
        "point_balance": held["point_balance"],
        "point_balance_dollars": held["point_balance_dollars"],
        "combined_balance_dollars": held["combined_balance_dollars"],
        "benefit_balance": held["benefit_balance"],
        "pending_point_balance": held["pending_point_balance"],
    } == {
        "reward_balance": now["rewardBalance"],
        "point_balance": now["pointBalance"],
        "point_balance_dollars": now["pointBalanceDollars"],
        "combined_balance_dollars": now["combinedBalanceDollars"],
        "benefit_balance": now["benefitBalance"],
        "pending_point_balance": now["pendingPointBalance"],
    }, name
    return held


async def test_each_write_carries_the_balances_it_leaves(gql):
    profile = await create_profile(gql)
    pid = profile["id"]
    await award_points(gql, pid, 500)
    assert (await assert_last_event_holds_the_balances(gql, pid, "point.created"))[
        "point_balance"
    ] == 500
    money = await create_definition(gql, value="3", period=None)
    await issue_reward(gql, pid, money["id"])
    assert (await assert_last_event_holds_the_balances(gql, pid, "reward.created"))[
        "reward_balance"
    ] == "3.00"
    single = await create_benefit_definition(gql, maxRedemptions=1)
    once = await issue_benefit(gql, pid, single["id"])
    assert (await assert_last_event_holds_the_balances(gql, pid, "benefit.created"))[
        "benefit_balance"
    ] == 1

    taken = await redeem(
        gql,
        pid,
        "3.50",
        strategies=["REWARDS", "POINTS", "BENEFITS"],
        benefits=[{"id": once["id"]}],
    )
    assert taken["errors"] == []
    held = await assert_last_event_holds_the_balances(gql, pid, "redemption.created")
    assert held["reward_balance"] == "0.00" and held["benefit_balance"] == 0
    assert held["point_balance"] < 500
    used = await assert_last_event_holds_the_balances(gql, pid, "benefit.redeemed")
    assert used["benefit_balance"] == 0

    back = await gql(REVERSE, {"id": taken["redemption"]["id"]})
    assert back["reverseRedemption"]["errors"] == []
    held = await assert_last_event_holds_the_balances(gql, pid, "redemption.reversed")
    assert (held["reward_balance"], held["point_balance"], held["benefit_balance"]) == (
        "3.00",
        500,
        1,
    )

    twice = await create_benefit_definition(gql, maxRedemptions=2)
    await issue_benefit(gql, pid, twice["id"])
    spent = await redeem_benefit(gql, pid, once["id"])
    assert spent["errors"] == [] and spent["benefit"]["redemptionsRemaining"] == 0
    held = await assert_last_event_holds_the_balances(gql, pid, "benefit.redeemed")
    assert held["benefit_balance"] == 1  # the two-use benefit is left
