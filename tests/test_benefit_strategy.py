"""Benefits through the redemption strategies (reference §6.1): `redeem(strategies:
[BENEFITS], benefits: [{id | handle, quantity}])` uses benefits in the same redemption as
rewards and points; a reversal gives every use back, a return the uses it names."""

import pytest

from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    ledger,
    unique,
)

ITEMS = "items { type value points uses benefit { id redemptionsRemaining } }"
REDEEM = f"""mutation($input: RedeemInput!) {{ redeem(input: $input) {{
  redemption {{ id total {ITEMS} }} balances {{ rewardBalance benefitBalance }}
  errors {{ code field message }}
}} }}"""
RETURN = f"""mutation($input: ReturnRedemptionInput!) {{ returnRedemption(input: $input) {{
  redemption {{ id type total {ITEMS} }} errors {{ code field message }}
}} }}"""
REVERSE = f"""mutation($id: ID!) {{ reverseRedemption(input: {{redemptionId: $id}}) {{
  redemption {{ id type {ITEMS} }} errors {{ code field message }}
}} }}"""
BENEFIT = "query($id: ID!) { benefit(id: $id) { redemptionsRemaining status } }"


@pytest.fixture
async def held(gql) -> dict:
    """A profile with a $10 reward, a 3-use benefit and two 1-use benefits of one handle."""
    profile = await create_profile(gql)
    reward = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], reward["id"])
    three = await create_benefit_definition(gql, maxRedemptions=3, period=30)
    single = await create_benefit_definition(gql, maxRedemptions=1, period=30)
    return {
        "profile": profile,
        "three": await issue_benefit(gql, profile["id"], three["id"]),
        "singles_handle": single["handle"],
        "singles": [await issue_benefit(gql, profile["id"], single["id"]) for _ in range(2)],
    }


async def redeem(gql, profile_id: str, amount: str, benefits: list[dict], **fields) -> dict:
    body = {"profileId": profile_id, "amount": amount, "benefits": benefits,
            "strategies": ["REWARDS", "BENEFITS"], **fields}  # fmt: skip
    return (await gql(REDEEM, {"input": body}))["redeem"]


async def remaining(gql, benefit_id: str) -> int | None:
    return (await gql(BENEFIT, {"id": benefit_id}))["benefit"]["redemptionsRemaining"]


async def test_rewards_and_benefits_in_one_redemption(gql, held):
    profile, three = held["profile"], held["three"]
    wanted = [{"id": three["id"], "quantity": 2}, {"handle": held["singles_handle"], "quantity": 2}]
    data = await redeem(gql, profile["id"], "4.00", wanted)
    assert data["errors"] == []
    items = data["redemption"]["items"]
    assert [(i["type"], i["value"], i["uses"]) for i in items] == [
        ("REWARD", "4.00", 0), ("BENEFIT", "0.00", 2), ("BENEFIT", "0.00", 1),
        ("BENEFIT", "0.00", 1),
    ]  # fmt: skip
    assert data["redemption"]["total"] == "4.00"
    assert data["balances"] == {"rewardBalance": "6.00", "benefitBalance": 1}
    assert await remaining(gql, three["id"]) == 1
    assert [await remaining(gql, b["id"]) for b in held["singles"]] == [0, 0]
    book = await ledger(gql, profile["id"])
    assert book["rewards"]["redeemed"] == "4.00" and book["rewards"]["balanced"] is True


async def test_benefits_alone_need_no_amount(gql, held):
    data = await redeem(gql, held["profile"]["id"], "0", [{"id": held["three"]["id"]}],
                        strategies=["BENEFITS"])  # fmt: skip
    assert data["errors"] == [] and data["redemption"]["total"] == "0.00"
    assert await remaining(gql, held["three"]["id"]) == 2


@pytest.mark.parametrize(
    ("benefits", "strategies", "code", "field"),
    [
        ([{"quantity": 1}], ["BENEFITS"], "INVALID_INPUT", "benefits.0"),
        ([{"handle": "x", "id": "00000000-0000-4000-8000-000000000000"}], ["BENEFITS"],
         "INVALID_INPUT", "benefits.0"),
        ([{"handle": "no-such-benefit"}], ["BENEFITS"], "NOT_FOUND", "benefits.0.handle"),
        ([{"id": "00000000-0000-4000-8000-000000000000"}], ["BENEFITS"], "NOT_FOUND",
         "benefits.0.id"),
        (None, ["BENEFITS"], "INVALID_INPUT", "benefits"),
        ([{"handle": "any"}], ["REWARDS"], "INVALID_INPUT", "strategies"),
        ([{"handle": "any", "quantity": 0}], ["BENEFITS"], "INVALID_INPUT", "benefits.0.quantity"),
    ],
)  # fmt: skip
async def test_a_bad_benefit_request_is_refused(gql, held, benefits, strategies, code, field):
    data = await redeem(gql, held["profile"]["id"], "0", benefits, strategies=strategies)
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]


async def test_too_few_uses_refuse_the_whole_redemption(gql, held):
    profile, three = held["profile"], held["three"]
    wanted = [{"id": three["id"], "quantity": 1}, {"handle": held["singles_handle"], "quantity": 3}]
    data = await redeem(gql, profile["id"], "1.00", wanted)
    assert [(e["code"], e["field"]) for e in data["errors"]] == [
        ("BENEFIT_EXHAUSTED", "benefits.1.quantity")
    ]
    assert await remaining(gql, three["id"]) == 3  # nothing half-written
    book = await ledger(gql, profile["id"])
    assert book["rewards"]["redeemed"] == "0.00"


async def test_another_profiles_benefit_is_refused(gql, held):
    other = await create_profile(gql)
    data = await redeem(gql, other["id"], "0", [{"id": held["three"]["id"]}],
                        strategies=["BENEFITS"])  # fmt: skip
    assert [e["code"] for e in data["errors"]] == ["NOT_OWNER"]


async def test_a_reversal_gives_every_use_back_and_a_return_those_it_names(gql, held):
    profile, three, singles = held["profile"], held["three"], held["singles"]
    wanted = [{"id": three["id"], "quantity": 3}, {"handle": held["singles_handle"], "quantity": 2}]
    taken = (await redeem(gql, profile["id"], "2.00", wanted))["redemption"]

    body = {"redemptionId": taken["id"], "amount": "1.00",
            "benefits": [{"id": three["id"], "quantity": 2}]}  # fmt: skip
    returned = (await gql(RETURN, {"input": body}))["returnRedemption"]
    assert returned["errors"] == []
    assert sorted((i["type"], i["uses"]) for i in returned["redemption"]["items"]) == [
        ("BENEFIT", 2), ("REWARD", 0)
    ]  # fmt: skip
    assert await remaining(gql, three["id"]) == 2
    too_many = {"redemptionId": taken["id"], "amount": "0",
                "benefits": [{"id": three["id"], "quantity": 2}]}  # fmt: skip
    refused = (await gql(RETURN, {"input": too_many}))["returnRedemption"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("RETURN_EXCEEDS_REDEEMED", "benefits.0.quantity")
    ]

    reversed_ = (await gql(REVERSE, {"id": taken["id"]}))["reverseRedemption"]
    assert reversed_["errors"] == []
    assert await remaining(gql, three["id"]) == 3
    assert [await remaining(gql, b["id"]) for b in singles] == [1, 1]
    book = await ledger(gql, profile["id"])
    assert (book["rewards"]["balance"], book["rewards"]["balanced"]) == ("10.00", True)


async def test_a_return_naming_one_item_twice_gives_back_each_use_once(gql, held):
    """By id and by handle, two requests of one return take from the same item: both are
    recorded on it, so the reversal after gives back only what is left."""
    profile, three = held["profile"], held["three"]
    taken = (await redeem(gql, profile["id"], "0", [{"id": three["id"], "quantity": 2}],
                          strategies=["BENEFITS"]))["redemption"]  # fmt: skip
    handle = (await gql("query($id: ID!) { benefit(id: $id) { definition { handle } } }",
                        {"id": three["id"]}))["benefit"]["definition"]["handle"]  # fmt: skip
    body = {"redemptionId": taken["id"], "amount": "0",
            "benefits": [{"id": three["id"]}, {"handle": handle}]}  # fmt: skip
    assert (await gql(RETURN, {"input": body}))["returnRedemption"]["errors"] == []
    assert await remaining(gql, three["id"]) == 3
    reversed_ = (await gql(REVERSE, {"id": taken["id"]}))["reverseRedemption"]
    assert reversed_["errors"] == []
    assert await remaining(gql, three["id"]) == 3  # nothing more to give back


async def test_an_unlimited_benefit_stays_unlimited(gql):
    profile = await create_profile(gql)
    definition = await create_benefit_definition(gql, handle=unique("unlimited"), period=30)
    benefit = await issue_benefit(gql, profile["id"], definition["id"])
    data = await redeem(gql, profile["id"], "0", [{"handle": definition["handle"], "quantity": 5}],
                        strategies=["BENEFITS"])  # fmt: skip
    assert data["errors"] == [] and data["redemption"]["items"][0]["uses"] == 5
    assert await remaining(gql, benefit["id"]) is None
