"""Points earned from a transaction by a reaction: rule-computed amounts are rounded."""

import pytest

from loyalty_gateway.core.money import whole_points
from tests.support import create_profile, unique, wait_for_runs
from tests.test_transactions import create, seed_004_transaction


@pytest.mark.parametrize(
    ("value", "rounding", "points"),
    [("125.50", "floor", 125), ("125.50", "round", 126), ("125.49", "round", 125),
     (125.01, "ceil", 126), (1255.0, "floor", 1255), (7, "floor", 7)],
)  # fmt: skip
def test_whole_points(value, rounding, points):
    assert whole_points(value, rounding) == points


@pytest.mark.parametrize(
    ("points", "rounding", "earned"),
    [({"var": "total"}, None, 125), ({"*": [{"var": "total"}, 10]}, None, 1255),
     ({"var": "total"}, "round", 126)],
)  # fmt: skip
async def test_a_transaction_earns_points_by_a_rule(gql, points, rounding, earned):
    profile = await create_profile(gql)
    only_this_profile = {"==": [{"var": "profile_id"}, profile["id"]]}
    arguments = [
        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
        {"name": "points", "value": points, "isDynamic": True},
    ]
    if rounding:
        arguments.append({"name": "rounding", "value": rounding})
    reaction = {
        "name": unique("earn"),
        "trigger": "transaction.created",
        "actions": [
            {"name": "filter", "sortOrder": 1,
             "arguments": [{"name": "condition", "value": only_this_profile}]},
            {"name": "points.create", "sortOrder": 2, "arguments": arguments},
        ],
    }  # fmt: skip
    created = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { reaction { id } errors { code message } } }""",
        {"input": reaction},
    )
    assert created["createReaction"]["errors"] == []
    reaction_id = created["createReaction"]["reaction"]["id"]
    body = {**seed_004_transaction(profile["id"], None, unique("earn")), "total": "125.50"}
    assert (await create(gql, body))["errors"] == []
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction_id)
    assert run["status"] == "COMPLETED", [s["error"] for s in run["steps"]]
    balance = await gql(
        "query($id: ID!) { profile(id: $id) { balances { pointBalance } } }", {"id": profile["id"]}
    )
    assert balance["profile"]["balances"]["pointBalance"] == earned
    await gql(
        """mutation($id: ID!) { setReactionActive(input: {id: $id, isActive: false})
        { errors { code } } }""",
        {"id": reaction_id},
    )
