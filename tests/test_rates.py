"""Earning by rates through GraphQL: point definitions, rates (checked when saved), the
`points.create`/`tierPoints.create` actions with `check_rate`, per-item earning, pending
points, `calculateEarning`, and `refundTransaction` taking back what a sale earned."""

from datetime import UTC, datetime, timedelta

import pytest

from loyalty_gateway.points.models import PointLot
from tests.support import count_queries, create_profile, ledger, redeem, unique, wait_for_runs
from tests.test_transactions import create as create_transaction

DEFINITION = "pointDefinition { id handle type issuePeriod issuePeriodType period periodType }"
CREATE_DEFINITION = f"""mutation($input: CreatePointDefinitionInput!) {{
  createPointDefinition(input: $input) {{ {DEFINITION} errors {{ code field message }} }}
}}"""
UPDATE_DEFINITION = f"""mutation($input: UpdatePointDefinitionInput!) {{
  updatePointDefinition(input: $input) {{ {DEFINITION} errors {{ code field message }} }}
}}"""
RATE = """rate { id handle name rate startsAt endsAt locationId code profileConditions
  productConditions issuePeriod issuePeriodType isPublished isArchived }"""
CREATE_RATE = f"""mutation($input: CreateRateInput!) {{
  createRate(input: $input) {{ {RATE} errors {{ code field message }} }}
}}"""
UPDATE_RATE = f"""mutation($input: UpdateRateInput!) {{
  updateRate(input: $input) {{ {RATE} errors {{ code field message }} }}
}}"""
ARCHIVE_RATE = f"""mutation($id: ID!) {{
  archiveRate(input: {{id: $id}}) {{ {RATE} errors {{ code field }} }}
}}"""
CREATE_REACTION = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) { reaction { id } errors { code field message } }
}"""
POINTS = """query($id: ID!) { profile(id: $id) {
  balances { pointBalance pendingPointBalance }
  points { nodes { pointsInitial pointsRemaining status availableAt rate transactionId
    definition { handle } } }
} }"""
CALCULATE = """mutation($input: CalculateEarningInput!) { calculateEarning(input: $input) {
  earnings { definition { handle type } base rate points itemPositions availableAt
    matchedRate { name } }
  errors { code field message }
} }"""
REFUND = """mutation($id: ID!) { refundTransaction(input: {id: $id, reason: "returned"}) {
  transaction { id refundedAt } pointsTakenBack tierPointsTakenBack errors { code field }
} }"""


async def point_definition(gql, type_: str = "POINTS", **fields) -> dict:
    body = {"name": "Points", "handle": unique("pts"), "type": type_, **fields}
    data = (await gql(CREATE_DEFINITION, {"input": body}))["createPointDefinition"]
    assert data["errors"] == [], data["errors"]
    return data["pointDefinition"]


async def create_rate(gql, handle: str, rate: str, **fields) -> dict:
    body = {"handle": handle, "name": unique("rate"), "rate": rate, **fields}
    data = (await gql(CREATE_RATE, {"input": body}))["createRate"]
    assert data["errors"] == [], data["errors"]
    return data["rate"]


async def earning_reaction(
    gql, profile_id: str, action: str, handle: str, flag: str = "checkRate", **extra
) -> str:
    """A `transaction.created` reaction, for this profile only, that earns by `handle` at its
    rates (`flag`: the argument's name, or Omneo's `check_rate`)."""
    arguments = [
        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
        {"name": "definition", "value": handle},
        {"name": flag, "value": True},
        *({"name": k, "value": v} for k, v in extra.items()),
    ]
    only_this_profile = {"==": [{"var": "profile_id"}, profile_id]}
    body = {
        "name": unique("earn"),
        "trigger": "transaction.created",
        "actions": [
            {"name": "filter", "sortOrder": 1,
             "arguments": [{"name": "condition", "value": only_this_profile}]},
            {"name": action, "sortOrder": 2, "arguments": arguments},
        ],
    }  # fmt: skip
    data = (await gql(CREATE_REACTION, {"input": body}))["createReaction"]
    assert data["errors"] == [], data["errors"]
    return data["reaction"]["id"]


def sale(profile_id: str | None, total: str, items: list[dict] | None = None, **fields) -> dict:
    return {
        "total": total,
        "profileId": profile_id,
        "transactedAt": "2026-01-10 10:00:00",
        "timezone": "Australia/Melbourne",
        "externalId": unique("sale"),
        "items": items or [],
        **fields,
    }


def item(name: str, price: str, tags: list[str], **fields) -> dict:
    return {"name": name, "quantity": "1", "priceCurrent": price, "priceSell": price,
            "tags": tags, **fields}  # fmt: skip


async def earned_on(gql, profile_id: str, reaction_id: str, body: dict) -> dict:
    created = await create_transaction(gql, body)
    assert created["errors"] == [], created["errors"]
    [run] = await wait_for_runs(gql, 1, profile=profile_id, reaction=reaction_id)
    assert run["status"] == "COMPLETED", [s["error"] for s in run["steps"]]
    return {"transaction": created["transaction"], "result": run["steps"][1]["result"]}


async def test_point_definitions_are_checked_and_keep_their_type(gql):
    made = await point_definition(gql, issuePeriod=2, issuePeriodType="HOURS", period=12,
                                  periodType="MONTHS")  # fmt: skip
    assert (made["type"], made["issuePeriod"], made["issuePeriodType"]) == ("POINTS", 2, "HOURS")
    for change, code, field in (
        ({"issuePeriod": -1}, "INVALID_INPUT", "issuePeriod"),
        ({"handle": "bad handle"}, "INVALID_HANDLE", "handle"),
        ({"name": None}, "INVALID_INPUT", "name"),
    ):
        data = await gql(UPDATE_DEFINITION, {"input": {"id": made["id"], **change}})
        errors = data["updatePointDefinition"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    same = {"name": "x", "handle": made["handle"], "type": "TIER_POINTS"}
    data = (await gql(CREATE_DEFINITION, {"input": same}))["createPointDefinition"]
    assert [e["code"] for e in data["errors"]] == ["DUPLICATE_HANDLE"]
    listed = await gql("{ pointDefinitions(type: POINTS) { handle type } }")
    assert {"handle": made["handle"], "type": "POINTS"} in listed["pointDefinitions"]


async def test_rates_are_checked_when_saved(gql):
    handle = (await point_definition(gql))["handle"]
    start = "2026-01-01T00:00:00Z"
    for change, code, field in (
        ({"rate": "0"}, "INVALID_INPUT", "rate"),
        ({"rate": "1.0000001"}, "INVALID_INPUT", "rate"),
        ({"productConditions": {"nope": [1]}}, "INVALID_CONDITION", "productConditions"),
        ({"profileConditions": "vip"}, "INVALID_CONDITION", "profileConditions"),
        ({"startsAt": start, "endsAt": start}, "INVALID_DATE", "endsAt"),
        ({"handle": "no-such-definition"}, "NOT_FOUND", "handle"),
    ):
        body = {"handle": handle, "name": "r", "rate": "2", **change}
        errors = (await gql(CREATE_RATE, {"input": body}))["createRate"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], change
    local = await create_rate(gql, handle, "1", startsAt="2026-01-01T00:00:00",
                              endsAt="2026-02-01T00:00:00+11:00")  # fmt: skip
    assert local["startsAt"] == "2026-01-01T00:00:00+00:00"  # no offset: UTC
    made = await create_rate(gql, handle, "1.500000", code="DOUBLE")
    assert (made["rate"], made["handle"], made["isPublished"]) == ("1.50", handle, True)
    updated = await gql(UPDATE_RATE, {"input": {"id": made["id"], "rate": "2", "code": None}})
    assert updated["updateRate"]["rate"]["rate"] == "2.00"
    assert updated["updateRate"]["rate"]["code"] is None
    archived = (await gql(ARCHIVE_RATE, {"id": made["id"]}))["archiveRate"]["rate"]
    assert archived["isArchived"] is True
    refused = await gql(UPDATE_RATE, {"input": {"id": made["id"], "rate": "3"}})
    assert [e["code"] for e in refused["updateRate"]["errors"]] == ["INVALID_INPUT"]
    listed = await gql("query($h: String) { rates(handle: $h) { id } }", {"h": handle})
    assert listed["rates"] == [{"id": local["id"]}]
    everything = await gql(
        "query($h: String) { rates(handle: $h, includeArchived: true) { id } }", {"h": handle}
    )
    assert everything["rates"] == [{"id": local["id"]}, {"id": made["id"]}]


async def test_a_sale_earns_at_the_most_specific_rate(gql):
    profile = await create_profile(gql)
    handle = (await point_definition(gql))["handle"]
    await create_rate(gql, handle, "1.5")
    store = await create_rate(gql, handle, "2", locationId="store-1")
    await create_rate(gql, handle, "9", isPublished=False)
    reaction = await earning_reaction(gql, profile["id"], "points.create", handle)

    earned = await earned_on(gql, profile["id"], reaction, sale(profile["id"], "100.50",
                             locationId="store-1"))  # fmt: skip
    assert earned["result"]["points"] == 201
    [lot] = earned["result"]["awarded"]
    assert (lot["rate"], lot["rate_id"]) == ("2", store["id"])
    data = (await gql(POINTS, {"id": profile["id"]}))["profile"]
    assert data["balances"] == {"pointBalance": 201, "pendingPointBalance": 0}
    [point] = data["points"]["nodes"]
    assert (point["rate"], point["definition"], point["status"]) == (
        "2.00", {"handle": handle}, "ACTIVE"
    )  # fmt: skip
    assert point["transactionId"] == earned["transaction"]["id"]


async def test_items_earn_at_their_own_rates_when_a_rate_names_products(gql):
    profile = await create_profile(gql)
    handle = (await point_definition(gql))["handle"]
    await create_rate(gql, handle, "1")
    shoes = await create_rate(
        gql, handle, "3", productConditions={"in": ["shoes", {"var": "tags"}]}
    )
    reaction = await earning_reaction(gql, profile["id"], "points.create", handle)
    items = [
        item("Runner", "100.00", ["shoes"]),
        item("Socks", "10.00", ["socks"]),
        item("Old runner", "40.00", ["shoes"], isReturn=True),
        item("Voided socks", "5.00", ["socks"], isVoid=True),
    ]
    earned = await earned_on(gql, profile["id"], reaction, sale(profile["id"], "70", items))
    by_rate = {lot["rate_id"]: lot for lot in earned["result"]["awarded"]}
    assert by_rate[shoes["id"]]["points"] == 180 and by_rate[shoes["id"]]["items"] == [0, 2]
    assert earned["result"]["points"] == 190


async def test_pending_points_show_apart_and_become_spendable_by_time_alone(gql):
    profile = await create_profile(gql)
    handle = (await point_definition(gql, issuePeriod=1, issuePeriodType="DAYS"))["handle"]
    await create_rate(gql, handle, "1", issuePeriod=2, issuePeriodType="HOURS")
    reaction = await earning_reaction(gql, profile["id"], "points.create", handle)
    await earned_on(gql, profile["id"], reaction, sale(profile["id"], "50"))

    data = (await gql(POINTS, {"id": profile["id"]}))["profile"]
    assert data["balances"] == {"pointBalance": 0, "pendingPointBalance": 50}
    [point] = data["points"]["nodes"]
    assert point["status"] == "PENDING"
    available = datetime.fromisoformat(point["availableAt"])
    assert timedelta(hours=1, minutes=59) < available - datetime.now(UTC) <= timedelta(hours=2)
    refused = await redeem(gql, profile["id"], "0.10", strategies=["POINTS"])
    assert [e["code"] for e in refused["errors"]] == ["INSUFFICIENT_BALANCE"]
    book = await ledger(gql, profile["id"])
    assert (book["points"]["pending"], book["points"]["balance"], book["points"]["balanced"]) == (
        50, 0, True
    )  # fmt: skip

    # Two hours pass: nothing is sent to the server, yet the points are spendable.
    past = datetime.now(UTC) - timedelta(seconds=1)
    await PointLot.filter(profile_id=profile["id"]).update(available_at=past)
    data = (await gql(POINTS, {"id": profile["id"]}))["profile"]
    assert data["balances"] == {"pointBalance": 50, "pendingPointBalance": 0}
    assert data["points"]["nodes"][0]["status"] == "ACTIVE"
    assert (await redeem(gql, profile["id"], "0.10", strategies=["POINTS"]))["errors"] == []


async def test_calculate_earning_previews_without_writing(gql):
    profile = await create_profile(gql, tags=["vip"])
    points = await point_definition(gql)
    tiers = await point_definition(gql, "TIER_POINTS")
    await create_rate(
        gql, points["handle"], "2", profileConditions={"in": ["vip", {"var": "tags"}]}
    )
    await create_rate(gql, points["handle"], "5", code="FIVE")
    body = sale(profile["id"], "20.00", [item("Cap", "20.00", ["hats"])])
    handles = [points["handle"], tiers["handle"]]
    with count_queries() as counter:
        data = await gql(CALCULATE, {"input": {"transaction": body, "handles": handles}})
    assert len([s for s in counter.statements if 'FROM "RATE"' in s]) == 1  # not one each
    assert len([s for s in counter.statements if 'FROM "POINT_DEFINITION"' in s]) == 1
    result = data["calculateEarning"]
    assert result["errors"] == []
    assert [
        (e["definition"]["type"], e["rate"], e["points"], e["matchedRate"] is None)
        for e in result["earnings"]
    ] == [("POINTS", "2.00", 40, False), ("TIER_POINTS", "1.00", 20, True)]
    coded = await gql(CALCULATE, {"input": {"transaction": body, "handles": handles[:1],
                                            "code": "FIVE"}})  # fmt: skip
    assert coded["calculateEarning"]["earnings"][0]["points"] == 100
    found = await gql(
        "query($e: String) { transaction(externalId: $e) { id } }", {"e": body["externalId"]}
    )
    assert found["transaction"] is None
    unknown = {"transaction": body, "handles": [points["handle"], "no-such-points"]}
    missing = (await gql(CALCULATE, {"input": unknown}))["calculateEarning"]
    assert [(e["code"], e["field"]) for e in missing["errors"]] == [("NOT_FOUND", "handles")]
    assert "no-such-points" in missing["errors"][0]["message"]
    bad = {**body, "timezone": "Nowhere/X"}
    refused = (await gql(CALCULATE, {"input": {"transaction": bad}}))["calculateEarning"]
    assert ([e["code"] for e in refused["errors"]], refused["earnings"]) == (
        ["INVALID_TIMEZONE"], None
    )  # fmt: skip


async def test_a_refund_takes_back_what_a_sale_earned_never_below_zero(gql, tier_ladder):
    profile = await create_profile(gql)
    points = (await point_definition(gql))["handle"]
    tiers = (await point_definition(gql, "TIER_POINTS"))["handle"]
    reactions = [
        await earning_reaction(gql, profile["id"], "points.create", points, flag="check_rate"),
        await earning_reaction(gql, profile["id"], "tierPoints.create", tiers),
    ]
    created = await create_transaction(gql, sale(profile["id"], "600"))
    for reaction in reactions:  # (other tests' reactions may run for the sale too)
        await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction)
    transaction_id = created["transaction"]["id"]
    progress = "query($id: ID!) { profile(id: $id) { tierProgress { pointsToNext } } }"
    before = (await gql(progress, {"id": profile["id"]}))["profile"]
    assert before["tierProgress"]["pointsToNext"] == 1000 - 600
    assert (await redeem(gql, profile["id"], "1.00", strategies=["POINTS"]))["errors"] == []

    refund = (await gql(REFUND, {"id": transaction_id}))["refundTransaction"]
    assert refund["errors"] == []
    assert (refund["pointsTakenBack"], refund["tierPointsTakenBack"]) == (500, 600)
    assert refund["transaction"]["refundedAt"] is not None
    data = (await gql(POINTS, {"id": profile["id"]}))["profile"]
    assert data["balances"]["pointBalance"] == 0
    after = (await gql(progress, {"id": profile["id"]}))["profile"]
    assert after["tierProgress"]["pointsToNext"] == 1000  # the 600 no longer count
    book = await ledger(gql, profile["id"])
    assert book["points"]["voided"] == 500 and book["points"]["balanced"] is True
    again = (await gql(REFUND, {"id": transaction_id}))["refundTransaction"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_REFUNDED"]


@pytest.mark.parametrize(
    ("action", "definition_type", "error"),
    [
        ("points.create", "TIER_POINTS", "INVALID_INPUT"),
        ("tierPoints.create", "POINTS", "INVALID_INPUT"),
    ],
)
async def test_an_action_refuses_a_definition_of_the_other_kind(
    gql, action, definition_type, error
):
    profile = await create_profile(gql)
    handle = (await point_definition(gql, definition_type))["handle"]
    reaction = await earning_reaction(gql, profile["id"], action, handle)
    await create_transaction(gql, sale(profile["id"], "10"))
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction)
    assert run["status"] == "FAILED"
    assert run["steps"][1]["error"].startswith(error)
