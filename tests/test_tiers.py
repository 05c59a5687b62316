"""Tiers over GraphQL: tier points, upgrades, manual assignment, progress, and maintenance."""

from datetime import timedelta

import httpx
import pytest

from loyalty_gateway.core.time import months_later, utcnow
from loyalty_gateway.events.models import Event
from loyalty_gateway.tiers.service import evaluate_tiers
from tests.conftest import own_server
from tests.support import TIER_LADDER, GraphQLClient, create_profile, unique

AWARD = """mutation($input: AwardTierPointsInput!) {
  awardTierPoints(input: $input) {
    tierPoint { id points } tierProgress { current { handle } next { handle } pointsToNext }
    errors { code field }
  }
}"""
ASSIGN = """mutation($input: AssignTierInput!) {
  assignTier(input: $input) { tierProgress { current { handle } } errors { code field } }
}"""
PROFILE_TIER = """query($id: ID!) { profile(id: $id) {
  tier { handle } tierPoints
  tierProgress { current { handle } next { handle } pointsToNext achievedAt anniversaryAt }
} }"""


async def award(gql, profile_id: str, points: int, **fields) -> dict:
    body = {"profileId": profile_id, "points": points, "timezone": "UTC", **fields}
    return (await gql(AWARD, {"input": body}))["awardTierPoints"]


async def achieved(profile_id: str) -> list[str]:
    events = await Event.filter(name="tier.achieved", profile_id=profile_id).order_by("id")
    return [event.context["definition"]["handle"] for event in events]


@pytest.fixture
async def profile(tier_ladder, profile) -> dict:
    """The shared `profile`, on the tier ladder."""
    return profile


async def test_tier_definitions_are_listed_by_value_min(tmp_path):
    """Created out of order on a program of their own (the session's ladder is created in
    value order, which would pass by accident), listed lowest first."""
    create = """mutation($input: CreateTierDefinitionInput!) {
      createTierDefinition(input: $input) { errors { code } } }"""
    async with own_server(tmp_path) as server, httpx.AsyncClient(timeout=30) as http:
        gql = GraphQLClient(http, server.graphql_url)
        for tier in (TIER_LADDER[2], TIER_LADDER[0], TIER_LADDER[3], TIER_LADDER[1]):
            assert (await gql(create, {"input": tier}))["createTierDefinition"]["errors"] == []
        data = await gql("{ tierDefinitions { handle valueMin } }")
    assert [t["handle"] for t in data["tierDefinitions"]] == ["bronze", "silver", "gold", "tier-2"]


async def test_crossing_several_thresholds_at_once_emits_one_event_for_the_tier_reached(
    gql, profile
):
    result = await award(gql, profile["id"], 1500, reason="big spender")
    assert result["errors"] == []
    assert result["tierProgress"] == {
        "current": {"handle": "gold"},
        "next": {"handle": "tier-2"},
        "pointsToNext": 500,
    }
    assert await achieved(profile["id"]) == ["gold"]
    event = await Event.get(name="tier.achieved", profile_id=profile["id"])
    assert event.context["profile_id"] == profile["id"]
    assert event.context["email"] == profile["email"]
    assert event.context["tier_handle"] == "gold"


async def test_each_new_tier_is_announced_once(gql, profile):
    await award(gql, profile["id"], 100)
    await award(gql, profile["id"], 100)
    await award(gql, profile["id"], 400)
    await award(gql, profile["id"], 10)
    assert await achieved(profile["id"]) == ["silver"]  # bronze, the base tier, from creation
    data = await gql(PROFILE_TIER, {"id": profile["id"]})
    progress = data["profile"]["tierProgress"]
    assert data["profile"]["tier"] == {"handle": "silver"}
    assert data["profile"]["tierPoints"] == 610
    assert (progress["next"], progress["pointsToNext"]) == ({"handle": "gold"}, 390)
    assert progress["anniversaryAt"] > progress["achievedAt"]


async def test_points_older_than_twelve_months_do_not_count(gql, profile):
    old = (utcnow() - timedelta(days=400)).isoformat()
    await award(gql, profile["id"], 5000, issuedAt=old)
    data = await gql(PROFILE_TIER, {"id": profile["id"]})
    assert data["profile"]["tierPoints"] == 0
    assert data["profile"]["tier"] == {"handle": "bronze"}  # valueMin 0


async def test_assign_tier_by_hand_announces_upgrades_only(gql, profile):
    async def assign(handle: str) -> dict:
        body = {"profileId": profile["id"], "tierHandle": handle}
        return (await gql(ASSIGN, {"input": body}))["assignTier"]

    assert (await assign("gold"))["tierProgress"]["current"] == {"handle": "gold"}
    assert (await assign("silver"))["errors"] == []
    assert (await assign("tier-2"))["errors"] == []
    assert await achieved(profile["id"]) == ["gold", "tier-2"]
    assert (await assign("platinum"))["errors"] == [{"code": "NOT_FOUND", "field": "tierHandle"}]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"points": 0}, "INVALID_AMOUNT", "points"),
        ({"timezone": "Moon/Base"}, "INVALID_TIMEZONE", "timezone"),
        ({"profileId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "profileId"),
        ({"issuedAt": "2999-01-01T00:00:00Z"}, "INVALID_DATE", "issuedAt"),
    ],
)
async def test_bad_tier_point_input(gql, profile, fields, code, field):
    body = {"profileId": profile["id"], "points": 10, "timezone": "UTC", **fields}
    result = (await gql(AWARD, {"input": body}))["awardTierPoints"]
    assert result["errors"] == [{"code": code, "field": field}]


async def test_bad_tier_definitions(gql, tier_ladder):
    query = """mutation($input: CreateTierDefinitionInput!) {
      createTierDefinition(input: $input) { tierDefinition { id } errors { code field } }
    }"""
    for body, code, field in (
        ({"name": "Dup", "handle": "gold", "valueMin": 5}, "DUPLICATE_HANDLE", "handle"),
        ({"name": "Neg", "handle": unique("neg"), "valueMin": -1}, "INVALID_AMOUNT", "valueMin"),
        ({"name": "Bad", "handle": "bad handle", "valueMin": 1}, "INVALID_HANDLE", "handle"),
    ):
        data = (await gql(query, {"input": body}))["createTierDefinition"]
        assert data["errors"] == [{"code": code, "field": field}]


async def test_maintenance_keeps_steps_down_and_stops_at_a_floor(gql, tier_ladder):
    """Reviewed a day after the anniversary: the tier year that ended then decides."""
    keeper = await create_profile(gql)
    faller = await create_profile(gql)
    floor_only = await create_profile(gql)
    await award(gql, keeper["id"], 600)  # silver, from now on
    await award(gql, keeper["id"], 100)  # 700 points in its tier year, 400 needed
    eleven_months_ago = months_later(utcnow(), -11).isoformat()
    await award(gql, faller["id"], 1200, issuedAt=eleven_months_ago)  # gold
    await award(gql, faller["id"], 600)  # still gold; 600 recent points
    await award(gql, floor_only["id"], 800, issuedAt=eleven_months_ago)  # silver
    heard: list[tuple[int, int]] = []
    reviews = await evaluate_tiers(
        months_later(utcnow(), 12) + timedelta(days=1),
        lambda done, total: heard.append((done, total)),
    )
    assert heard and heard[-1][0] == heard[-1][1] >= len(reviews) >= 3
    assert [done for done, _ in heard] == list(range(1, heard[-1][1] + 1))
    outcomes = {r.profile_id: (r.outcome, r.tier) for r in reviews}
    assert outcomes[keeper["id"]] == ("maintained", "silver")
    assert outcomes[faller["id"]] == ("lost", "silver")
    assert outcomes[floor_only["id"]] == ("floor", "silver")
    assert await Event.filter(name="tier.maintained", profile_id=keeper["id"]).count() == 1
    held = await Event.get(name="tier.maintained", profile_id=floor_only["id"])
    assert held.context["by_floor"] is True
    lost = await Event.get(name="tier.lost", profile_id=faller["id"])
    assert lost.context["definition"]["handle"] == "gold"
    assert lost.context["new_tier_handle"] == "silver"
    again = await evaluate_tiers(months_later(utcnow(), 12) + timedelta(days=1))
    assert {r.profile_id for r in again}.isdisjoint({keeper["id"], faller["id"]})


TIER = """query($id: ID!) { profile(id: $id) { tier { handle } tierProgress { current { handle }
  next { handle } } } }"""


async def test_a_new_profile_is_in_the_base_tier_from_its_creation(gql, tier_ladder):
    profile = await create_profile(gql)
    data = (await gql(TIER, {"id": profile["id"]}))["profile"]
    assert data["tier"] == {"handle": "bronze"}
    assert data["tierProgress"] == {"current": {"handle": "bronze"}, "next": {"handle": "silver"}}
    [created] = await Event.filter(name="profile.created", profile_id=profile["id"])
    assert created.context["tier_handle"] == "bronze"


async def test_jumping_over_a_tier_achieves_only_the_one_reached_and_says_what_it_passed(
    gql, tier_ladder
):
    profile = await create_profile(gql)
    body = {"profileId": profile["id"], "points": 1200, "timezone": "UTC"}
    assert (await gql(AWARD, {"input": body}))["awardTierPoints"]["errors"] == []
    events = await Event.filter(
        profile_id=profile["id"], name__in=["tier.achieved", "tier.progressed"]
    ).order_by("id")
    assert [(e.name, e.context["definition"]["handle"]) for e in events] == [
        ("tier.achieved", "gold"),
        ("tier.progressed", "gold"),
    ]
    progressed = events[1].context
    assert (progressed["from"], progressed["to"], progressed["passed"]) == (
        "bronze",
        "gold",
        ["silver"],
    )
    assert (await gql(TIER, {"id": profile["id"]}))["profile"]["tier"] == {"handle": "gold"}
