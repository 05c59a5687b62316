"""Points over GraphQL: awards, the program rate, rounding, and point lots on a profile."""

import httpx
import pytest

from loyalty_gateway.events.models import Event
from loyalty_gateway.points.models import PointLot
from tests.conftest import own_server
from tests.support import (
    AWARD_POINTS,
    GraphQLClient,
    award_points,
    count_queries,
    create_profile,
    ledger,
    redeem,
)

PROGRAM = "{ program { pointsToDollarsRate } }"
UPDATE_PROGRAM = """mutation($rate: Decimal!) {
  updateProgramSettings(input: {pointsToDollarsRate: $rate}) {
    program { pointsToDollarsRate } errors { code field }
  }
}"""


@pytest.fixture
async def rate(gql):
    """Set the program rate for one test, then put the default back."""

    async def set_rate(value: str) -> None:
        data = await gql(UPDATE_PROGRAM, {"rate": value})
        assert data["updateProgramSettings"]["errors"] == []

    yield set_rate
    await set_rate("0.01")


async def test_the_award_payload_reads_balances_only_when_asked_for(gql, profile):
    balance_reads = []
    for selection in ("pointLot { id }", "pointLot { id } balances { pointBalance }"):
        query = f"mutation($in: AwardPointsInput!) {{ awardPoints(input: $in) {{ {selection} }} }}"
        body = {"profileId": profile["id"], "points": 50, "timezone": "UTC"}
        with count_queries() as counter:
            data = await gql(query, {"in": body})
        balance_reads.append(sum("AS REWARD_CENTS" in s for s in counter.statements))
        assert data["awardPoints"]["pointLot"]["id"]
    assert data["awardPoints"]["balances"] == {"pointBalance": 100}
    assert balance_reads[1] == balance_reads[0] + 1


async def test_points_count_in_balances_at_the_program_rate(gql, profile):
    lot = await award_points(gql, profile["id"], 1234, reason="welcome")
    assert (lot["pointsInitial"], lot["pointsRemaining"], lot["status"]) == (1234, 1234, "ACTIVE")
    assert lot["expiresAt"] is None
    data = await gql(
        "query($id: ID!) { balances(profileId: $id) { pointBalance pointBalanceDollars "
        "combinedBalanceDollars } }",
        {"id": profile["id"]},
    )
    assert data["balances"] == {
        "pointBalance": 1234,
        "pointBalanceDollars": "12.34",
        "combinedBalanceDollars": "12.34",
    }
    assert (await gql(PROGRAM))["program"] == {"pointsToDollarsRate": "0.01"}


async def test_the_program_rate_is_a_decimal_with_every_digit_it_has(gql, rate):
    for given, shown in (("0.003", "0.003"), ("0.1", "0.10"), ("2", "2.00"), ("0.0125", "0.0125")):
        await rate(given)
        assert (await gql(PROGRAM))["program"] == {"pointsToDollarsRate": shown}


async def test_point_dollars_round_down_and_points_needed_round_up(gql, profile, rate):
    await rate("0.003")
    await award_points(gql, profile["id"], 1001)  # worth $3.003 -> $3.00
    balances = await gql(
        "query($id: ID!) { balances(profileId: $id) { pointBalanceDollars } }",
        {"id": profile["id"]},
    )
    assert balances["balances"]["pointBalanceDollars"] == "3.00"
    result = await redeem(gql, profile["id"], "0.10", strategies=["POINTS"])
    [item] = result["redemption"]["items"]
    assert (item["value"], item["points"]) == ("0.10", 34)  # 33.33 points round up to 34
    assert result["balances"]["pointBalance"] == 967
    assert (await ledger(gql, profile["id"]))["points"]["balanced"]


async def test_points_cover_at_most_what_they_are_worth(gql, profile, rate):
    await rate("0.003")
    await award_points(gql, profile["id"], 1001)
    strict = await redeem(gql, profile["id"], "3.01", strategies=["POINTS"])
    assert strict["errors"][0]["code"] == "INSUFFICIENT_BALANCE"
    partial = await redeem(gql, profile["id"], "5", strategies=["POINTS"], strict=False)
    assert partial["redemption"]["total"] == "3.00"
    assert partial["redemption"]["items"][0]["points"] == 1000
    assert partial["balances"]["pointBalance"] == 1


async def test_points_are_spent_earliest_expiry_first(gql, profile):
    never = await award_points(gql, profile["id"], 300)
    soon = await award_points(gql, profile["id"], 200, expiresAt="2039-01-01T00:00:00Z")
    result = await redeem(gql, profile["id"], "3", strategies=["POINTS"])
    assert [(i["pointLot"]["id"], i["points"]) for i in result["redemption"]["items"]] == [
        (soon["id"], 200),
        (never["id"], 100),
    ]


async def test_expired_points_do_not_count(gql, profile):
    await award_points(
        gql, profile["id"], 500, issuedAt="2020-01-01T00:00:00Z", expiresAt="2020-06-01T00:00:00Z"
    )
    live = await award_points(gql, profile["id"], 100)
    data = await gql(
        "query($id: ID!) { profile(id: $id) { balances { pointBalance } "
        "active: points(status: [ACTIVE]) { nodes { id } } "
        "expired: points(status: [EXPIRED]) { totalCount } all: points { totalCount } } }",
        {"id": profile["id"]},
    )
    assert data["profile"]["balances"]["pointBalance"] == 100
    assert data["profile"]["active"]["nodes"] == [{"id": live["id"]}]
    assert data["profile"]["expired"]["totalCount"] == 1
    assert data["profile"]["all"]["totalCount"] == 2


async def test_point_created_event(gql, profile):
    lot = await award_points(gql, profile["id"], 42, reason="survey")
    event = await Event.get(name="point.created", profile_id=profile["id"])
    assert event.context["id"] == lot["id"]
    assert event.context["points"] == 42
    assert event.context["profile"]["point_balance"] == 42


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"points": 0}, "INVALID_AMOUNT", "points"),
        ({"points": -3}, "INVALID_AMOUNT", "points"),
        ({"timezone": "Nowhere/City"}, "INVALID_TIMEZONE", "timezone"),
        ({"profileId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "profileId"),
        (
            {"issuedAt": "2020-01-02T00:00:00Z", "expiresAt": "2020-01-01T00:00:00Z"},
            "INVALID_DATE",
            "expiresAt",
        ),
    ],
)
async def test_bad_award_is_a_user_error(gql, profile, fields, code, field):
    before = await PointLot.all().count()
    body = {"profileId": profile["id"], "points": 10, "timezone": "UTC", **fields}
    data = (await gql(AWARD_POINTS, {"input": body}))["awardPoints"]
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]
    assert await PointLot.all().count() == before


@pytest.mark.parametrize("value", ["0", "-0.01", "0.0000001", "1001"])
async def test_bad_program_rate_is_refused(gql, value):
    data = await gql(UPDATE_PROGRAM, {"rate": value})
    assert data["updateProgramSettings"]["errors"] == [
        {"code": "INVALID_INPUT", "field": "pointsToDollarsRate"}
    ]
    assert (await gql(PROGRAM))["program"]["pointsToDollarsRate"] == "0.01"


async def test_idempotent_award(gql, profile):
    first = await award_points(gql, profile["id"], 10, idempotencyKey="award-1-" + profile["id"])
    again = await award_points(gql, profile["id"], 10, idempotencyKey="award-1-" + profile["id"])
    assert again == first
    assert await PointLot.filter(profile_id=profile["id"]).count() == 1


async def test_points_beyond_32_bits_stay_readable(gql):
    profile = await create_profile(gql)
    await award_points(gql, profile["id"], 2_147_483_647)
    await award_points(gql, profile["id"], 5)
    data = await gql(
        """query($id: ID!) { profile(id: $id) { balances { pointBalance } tierPoints
             points(first: 5) { nodes { pointsInitial } } } }""",
        {"id": profile["id"]},
    )
    assert data["profile"]["balances"]["pointBalance"] == 2_147_483_652
    assert (await ledger(gql, profile["id"]))["points"]["issued"] == 2_147_483_652
    big = await gql.raw(
        AWARD_POINTS, {"input": {"profileId": profile["id"], "points": 10**12, "timezone": "UTC"}}
    )
    assert big["data"]["awardPoints"]["errors"] == []
    for points in (2**53, 1.5, "7"):
        refused = await gql.raw(
            AWARD_POINTS,
            {"input": {"profileId": profile["id"], "points": points, "timezone": "UTC"}},
        )
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", refused


async def test_tier_points_beyond_32_bits_stay_readable(gql):
    profile = await create_profile(gql)
    award = """mutation($id: ID!, $points: Points!) { awardTierPoints(input: {profileId: $id,
      points: $points, timezone: "UTC"}) { errors { code } } }"""
    for points in (2_147_483_647, 5):
        assert (await gql(award, {"id": profile["id"], "points": points}))["awardTierPoints"][
            "errors"
        ] == []
    data = await gql("query($id: ID!) { profile(id: $id) { tierPoints } }", {"id": profile["id"]})
    assert data["profile"]["tierPoints"] == 2_147_483_652


async def test_the_rate_in_the_environment_seeds_the_program_when_it_starts(tmp_path):
    rate = {"POINTS_TO_DOLLARS_RATE": "0.05"}
    async with own_server(tmp_path, **rate) as server, httpx.AsyncClient(timeout=30) as http:
        program = await GraphQLClient(http, server.graphql_url)(
            "{ program { pointsToDollarsRate } }"
        )
    assert program == {"program": {"pointsToDollarsRate": "0.05"}}
