"""Redemptions over GraphQL: allocation order, strategies, strictness, reversal and return."""

from datetime import UTC, datetime, timedelta

import pytest

from loyalty_gateway.events.models import Event
from loyalty_gateway.redemptions.models import Redemption, RedemptionItem
from loyalty_gateway.rewards.models import Reward
from tests.support import (
    BALANCE_FIELDS,
    REDEEM,
    REDEMPTION_FIELDS,
    award_points,
    count_queries,
    create_definition,
    issue_reward,
    ledger,
    redeem,
    unique,
)

REVERSE = f"""mutation($input: ReverseRedemptionInput!) {{
  reverseRedemption(input: $input) {{
    redemption {{ {REDEMPTION_FIELDS} }} balances {{ {BALANCE_FIELDS} }} errors {{ code field }}
  }}
}}"""
RETURN = f"""mutation($input: ReturnRedemptionInput!) {{
  returnRedemption(input: $input) {{
    redemption {{ {REDEMPTION_FIELDS} }} balances {{ {BALANCE_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""


@pytest.fixture
async def definition(gql) -> dict:
    return await create_definition(gql, value="10", period=None)


async def reward_with_expiry(gql, profile, definition, value: str, expires: str | None) -> dict:
    fields = {"valueInitial": value}
    if expires:
        fields["expiresAt"] = expires
    return await issue_reward(gql, profile["id"], definition["id"], **fields)


async def state(profile_id: str) -> tuple:
    rewards = (
        await Reward.filter(profile_id=profile_id)
        .order_by("id")
        .values_list("id", "value_remaining_cents")
    )
    return rewards, await Redemption.filter(profile_id=profile_id).count()


async def test_rewards_are_taken_earliest_expiry_first_no_expiry_last(gql, profile, definition):
    never = await reward_with_expiry(gql, profile, definition, "5", None)
    late = await reward_with_expiry(gql, profile, definition, "5", "2040-06-01 12:00:00")
    soon = await reward_with_expiry(gql, profile, definition, "5", "2035-01-01 12:00:00")
    result = await redeem(gql, profile["id"], "12", strategies=["REWARDS"])
    assert result["errors"] == []
    items = result["redemption"]["items"]
    assert [(i["reward"]["id"], i["value"]) for i in items] == [
        (soon["id"], "5.00"),
        (late["id"], "5.00"),
        (never["id"], "2.00"),
    ]
    assert result["redemption"]["total"] == "12.00"
    assert result["redemption"]["type"] == "REDEEM"
    assert result["balances"]["rewardBalance"] == "3.00"


async def test_balances_are_read_only_when_asked_for(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "10", None)
    statements = {}
    for selection in ("redemption { id }", "redemption { id } balances { rewardBalance }"):
        query = f"""mutation($input: RedeemInput!) {{ redeem(input: $input) {{ {selection} }} }}"""
        with count_queries() as counter:
            data = await gql(query, {"input": {"profileId": profile["id"], "amount": "1"}})
        statements[selection] = [s for s in counter.statements if "AS REWARD_CENTS" in s]
        assert data["redeem"]["redemption"]["id"]
    assert data["redeem"]["balances"] == {"rewardBalance": "8.00"}
    without, with_balances = (len(found) for found in statements.values())
    assert with_balances == without + 1  # the event's context is read either way


async def test_ties_on_expiry_go_by_issue_time(gql, profile, definition):
    later = await reward_with_expiry(gql, profile, definition, "5", "2040-01-01 12:00:00")
    first = await issue_reward(
        gql,
        profile["id"],
        definition["id"],
        valueInitial="5",
        expiresAt="2040-01-01 12:00:00",
        issuedAt="2024-01-01 09:00:00",
    )
    result = await redeem(gql, profile["id"], "5")
    assert [i["reward"]["id"] for i in result["redemption"]["items"]] == [first["id"]]
    assert later["valueRemaining"] == "5.00"


async def test_expired_void_used_and_percentage_rewards_are_never_taken(gql, profile):
    money = await create_definition(gql, period=None)
    percent = await create_definition(gql, type="percentage", value="20", period=None)
    await issue_reward(
        gql,
        profile["id"],
        money["id"],
        valueInitial="4",
        issuedAt="2020-01-01 09:00:00",
        expiresAt="2020-02-01 09:00:00",
    )
    await issue_reward(gql, profile["id"], percent["id"])
    voided = await issue_reward(gql, profile["id"], money["id"], valueInitial="4")
    await gql(
        'mutation($id: ID!) { voidReward(input: {rewardId: $id, reason: "x"}) '
        "{ errors { code } } }",
        {"id": voided["id"]},
    )
    live = await issue_reward(gql, profile["id"], money["id"], valueInitial="3")
    result = await redeem(gql, profile["id"], "5", strict=False)
    assert result["errors"] == []
    assert [(i["reward"]["id"], i["value"]) for i in result["redemption"]["items"]] == [
        (live["id"], "3.00")
    ]
    assert (result["redemption"]["total"], result["redemption"]["requested"]) == ("3.00", "5.00")


async def test_strict_refusal_changes_nothing(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "4", None)
    before = await state(profile["id"])
    events = await Event.filter(profile_id=profile["id"]).count()
    result = await redeem(gql, profile["id"], "4.01")
    assert result["redemption"] is None and result["balances"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("INSUFFICIENT_BALANCE", "amount")
    ]
    assert await state(profile["id"]) == before
    assert await Event.filter(profile_id=profile["id"]).count() == events


async def test_non_strict_with_nothing_to_take_is_insufficient(gql, profile):
    result = await redeem(gql, profile["id"], "1", strict=False)
    assert result["errors"][0]["code"] == "INSUFFICIENT_BALANCE"


async def test_ties_on_expiry_and_issue_time_go_by_id(gql, profile, definition):
    """The last tie-break of the spending order, which PostgreSQL applies in SQL and SQLite
    in Python: the lot's id, as text."""
    same = {"valueInitial": "1", "expiresAt": "2040-01-01 12:00:00", "issuedAt": "2024-01-01"}
    rewards = [await issue_reward(gql, profile["id"], definition["id"], **same) for _ in range(8)]
    never = await reward_with_expiry(gql, profile, definition, "1", None)
    result = await redeem(gql, profile["id"], "9")
    taken = [i["reward"]["id"] for i in result["redemption"]["items"]]
    assert taken == [*sorted(r["id"] for r in rewards), never["id"]]


async def test_strategies_are_tried_in_the_order_given(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "5", None)
    await award_points(gql, profile["id"], 1000)  # $10 at the default rate
    points_first = await redeem(gql, profile["id"], "12", strategies=["POINTS", "REWARDS"])
    assert [(i["type"], i["value"], i["points"]) for i in points_first["redemption"]["items"]] == [
        ("POINT", "10.00", 1000),
        ("REWARD", "2.00", 0),
    ]
    assert points_first["balances"] == {
        "rewardBalance": "3.00",
        "pointBalance": 0,
        "pointBalanceDollars": "0.00",
        "combinedBalanceDollars": "3.00",
    }


async def test_strategies_are_an_enum(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "5", None)
    before = await state(profile["id"])
    for strategies in (["rewards"], ["CASH"]):
        body = {"profileId": profile["id"], "amount": "1", "strategies": strategies}
        refused = await gql.raw(REDEEM, {"input": body})
        assert "data" not in refused and "RedemptionStrategy" in refused["errors"][0]["message"]
    assert await state(profile["id"]) == before


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"amount": "0"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "-5"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "1.001"}, "INVALID_AMOUNT", "amount"),
        ({"amount": "five"}, "INVALID_AMOUNT", "amount"),
        ({"profileId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "profileId"),
        ({"profileId": "nope"}, "INVALID_ID", "profileId"),
    ],
)
async def test_bad_redeem_input_is_a_user_error(gql, profile, definition, fields, code, field):
    await reward_with_expiry(gql, profile, definition, "10", None)
    before = await state(profile["id"])
    body = {"profileId": profile["id"], "amount": "1", **fields}
    result = (await gql(REDEEM, {"input": body}))["redeem"]
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert await state(profile["id"]) == before


async def test_reversal_restores_exactly_the_lots_taken_once(gql, profile, definition):
    first = await reward_with_expiry(gql, profile, definition, "6", "2035-01-01 12:00:00")
    second = await reward_with_expiry(gql, profile, definition, "6", None)
    await award_points(gql, profile["id"], 250)
    taken = (await redeem(gql, profile["id"], "9", strategies=["REWARDS"]))["redemption"]
    other = (await redeem(gql, profile["id"], "2", strategies=["POINTS"]))["redemption"]
    assert [i["points"] for i in other["items"]] == [200]
    reversed_ = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"]
    assert reversed_["errors"] == []
    assert reversed_["redemption"]["type"] == "REVERSAL"
    assert reversed_["redemption"]["total"] == "9.00"
    assert sorted(
        (i["reward"]["id"], i["value"]) for i in reversed_["redemption"]["items"]
    ) == sorted([(first["id"], "6.00"), (second["id"], "3.00")])
    assert reversed_["balances"]["rewardBalance"] == "12.00"
    assert reversed_["balances"]["pointBalance"] == 50
    again = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"]
    assert again["errors"] == [{"code": "ALREADY_REVERSED", "field": "redemptionId"}]
    read = await gql(
        "query($id: ID!) { redemption(id: $id) { reversedBy { id type } } }", {"id": taken["id"]}
    )
    assert read["redemption"]["reversedBy"] == {
        "id": reversed_["redemption"]["id"],
        "type": "REVERSAL",
    }
    assert await Event.filter(name="redemption.reversed", profile_id=profile["id"]).count() == 1


async def test_reversal_into_an_expired_lot_does_not_revive_the_balance(gql, profile, definition):
    reward = await reward_with_expiry(gql, profile, definition, "10", None)
    taken = (await redeem(gql, profile["id"], "4"))["redemption"]
    await Reward.filter(id=reward["id"]).update(expires_at=datetime(2001, 1, 1, tzinfo=UTC))
    result = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"]
    assert result["errors"] == []
    assert result["balances"]["rewardBalance"] == "0.00"
    stored = await Reward.get(id=reward["id"])
    assert stored.value_remaining_cents == 1000
    totals = (await ledger(gql, profile["id"]))["rewards"]
    assert totals == {
        "issued": "10.00",
        "redeemed": "4.00",
        "restored": "4.00",
        "voided": "0.00",
        "expired": "10.00",
        "balance": "0.00",
        "balanced": True,
    }


async def test_return_puts_back_latest_expiry_first_and_never_more_than_taken(
    gql, profile, definition
):
    soon = await reward_with_expiry(gql, profile, definition, "5", "2035-01-01 12:00:00")
    late = await reward_with_expiry(gql, profile, definition, "5", "2040-01-01 12:00:00")
    taken = (await redeem(gql, profile["id"], "8"))["redemption"]

    async def give_back(amount: str) -> dict:
        body = {"redemptionId": taken["id"], "amount": amount}
        return (await gql(RETURN, {"input": body}))["returnRedemption"]

    first = await give_back("4")
    assert first["errors"] == []
    assert [(i["reward"]["id"], i["value"]) for i in first["redemption"]["items"]] == [
        (late["id"], "3.00"),
        (soon["id"], "1.00"),
    ]
    assert first["redemption"]["type"] == "RETURN"
    too_much = await give_back("4.01")
    assert [(e["code"], e["field"]) for e in too_much["errors"]] == [
        ("RETURN_EXCEEDS_REDEEMED", "amount")
    ]
    rest = await give_back("4")
    assert rest["balances"]["rewardBalance"] == "10.00"
    assert (await give_back("0.01"))["errors"][0]["code"] == "RETURN_EXCEEDS_REDEEMED"
    reverse = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"]
    assert reverse["redemption"]["total"] == "0.00"
    assert (await ledger(gql, profile["id"]))["rewards"]["balanced"]


async def test_reversal_after_a_partial_return_restores_only_the_rest(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "10", None)
    taken = (await redeem(gql, profile["id"], "10"))["redemption"]
    await gql(RETURN, {"input": {"redemptionId": taken["id"], "amount": "3"}})
    reverse = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"]
    assert reverse["redemption"]["total"] == "7.00"
    assert reverse["balances"]["rewardBalance"] == "10.00"
    returned = await gql(RETURN, {"input": {"redemptionId": taken["id"], "amount": "1"}})
    assert returned["returnRedemption"]["errors"][0]["code"] == "ALREADY_REVERSED"


async def test_undo_errors(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "10", None)
    taken = (await redeem(gql, profile["id"], "5"))["redemption"]
    reversal = (await gql(REVERSE, {"input": {"redemptionId": taken["id"]}}))["reverseRedemption"][
        "redemption"
    ]
    cases = [
        (REVERSE, {"redemptionId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND"),
        (REVERSE, {"redemptionId": "x"}, "INVALID_ID"),
        (REVERSE, {"redemptionId": reversal["id"]}, "NOT_REVERSIBLE"),
        (RETURN, {"redemptionId": taken["id"], "amount": "-1"}, "INVALID_AMOUNT"),
    ]
    for query, body, code in cases:
        data = await gql(query, {"input": body})
        payload = next(iter(data.values()))
        assert payload["errors"][0]["code"] == code, (body, payload)
        assert payload["redemption"] is None


async def test_idempotent_redeem_replays_the_first_result(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "10", None)
    key = unique("till")
    first = await redeem(gql, profile["id"], "4", idempotencyKey=key)
    again = await redeem(gql, profile["id"], "4", idempotencyKey=key)
    assert again["redemption"] == first["redemption"]
    assert again["balances"]["rewardBalance"] == "6.00"
    other = await redeem(gql, profile["id"], "5", idempotencyKey=key)
    assert other["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await Redemption.filter(profile_id=profile["id"]).count() == 1


async def test_redemption_rows_match_their_items_and_events(gql, profile, definition):
    await reward_with_expiry(gql, profile, definition, "3", None)
    await reward_with_expiry(gql, profile, definition, "3", None)
    taken = (await redeem(gql, profile["id"], "5", transactionExternalId="pos-1"))["redemption"]
    stored = await Redemption.get(id=taken["id"])
    items = await RedemptionItem.filter(redemption_id=stored.id)
    assert stored.total_cents == sum(i.value_cents for i in items) == 500
    event = await Event.get(name="redemption.created", profile_id=profile["id"])
    assert event.context["total"] == "5.00"
    assert event.context["transaction_external_id"] == "pos-1"
    assert len(event.context["items"]) == 2
    assert event.context["profile"]["reward_balance"] == "1.00"
    listed = await gql(
        "query($id: ID!) { profile(id: $id) { redemptions { totalCount nodes { id } } } }",
        {"id": profile["id"]},
    )
    assert listed["profile"]["redemptions"]["nodes"] == [{"id": taken["id"]}]


async def test_reversal_window_when_configured(gql, server, profile, definition, monkeypatch):
    await reward_with_expiry(gql, profile, definition, "10", None)
    old = (await redeem(gql, profile["id"], "2"))["redemption"]
    fresh = (await redeem(gql, profile["id"], "2"))["redemption"]
    await Redemption.filter(id=old["id"]).update(
        created_at=datetime.now(UTC) - timedelta(minutes=11)
    )
    monkeypatch.setattr(server.settings, "reversal_window_minutes", 10)
    late = (await gql(REVERSE, {"input": {"redemptionId": old["id"]}}))["reverseRedemption"]
    assert late["errors"] == [{"code": "REVERSAL_WINDOW_EXPIRED", "field": "redemptionId"}]
    in_time = (await gql(REVERSE, {"input": {"redemptionId": fresh["id"]}}))["reverseRedemption"]
    assert in_time["errors"] == []
