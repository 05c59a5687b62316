"""Reactions through GraphQL and the running dispatcher: seed 000 end to end, validation,
custom events, dry runs, chain depth and retries."""

import asyncio

import pytest

from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.events.models import Event
from loyalty_gateway.reactions import dispatcher
from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    unique,
    wait_for_runs,
)

CREATE = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) {
    reaction {
      id name trigger isActive actions { name sortOrder arguments { name value isDynamic } }
    }
    errors { code message field }
  }
}"""
SET_ACTIVE = """mutation($id: ID!, $on: Boolean!) {
  setReactionActive(input: {id: $id, isActive: $on}) { reaction { isActive } errors { code } }
}"""
RUN_BY_ID = """query($id: ID!) { reactionRun(id: $id) {
  status steps { action status error } } }"""
EMIT = """mutation($input: EmitEventInput!) {
  emitEvent(input: $input) { event { id name context depth } errors { code field } }
}"""


def seed_000() -> dict:
    """Seed 000's reaction body, camelCased, exactly as the guide posts it."""
    return {
        "name": "Tier 2 Achieved — Issue Benefit",
        "trigger": "tier.achieved",
        "description": "Issues a welcome benefit when a profile achieves tier 2",
        "isActive": True,
        "actions": [
            {
                "name": "filter",
                "sortOrder": 1,
                "arguments": [
                    {
                        "name": "condition",
                        "value": {"===": [{"var": "definition.handle"}, "tier-2"]},
                        "isDynamic": None,
                    }
                ],
            },
            {
                "name": "benefit.create",
                "sortOrder": 2,
                "arguments": [
                    {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                    {"name": "definition", "value": "tier-2-welcome-benefit", "isDynamic": None},
                ],
            },
        ],
    }


async def create_reaction(gql, body: dict) -> dict:
    data = (await gql(CREATE, {"input": body}))["createReaction"]
    assert data["errors"] == [], data["errors"]
    return data["reaction"]


@pytest.fixture
async def reactions(gql):
    """Create reactions for one test and switch them off afterwards (the run shares a DB)."""
    made: list[dict] = []

    async def make(body: dict) -> dict:
        reaction = await create_reaction(gql, body)
        made.append(reaction)
        return reaction

    yield make
    for reaction in made:
        await gql(SET_ACTIVE, {"id": reaction["id"], "on": False})


async def test_seed_000_issues_the_welcome_benefit_on_tier_2_only(gql, tier_ladder, reactions):
    await create_benefit_definition(
        gql, handle="tier-2-welcome-benefit", name="Welcome", isAssignable=True
    )
    reaction = await reactions(seed_000())
    assert reaction["trigger"] == "tier.achieved" and reaction["isActive"]
    assert [a["name"] for a in reaction["actions"]] == ["filter", "benefit.create"]
    climber = await create_profile(gql)
    other = await create_profile(gql)
    award = """mutation($id: ID!, $points: Points!) { awardTierPoints(input: {profileId: $id,
      points: $points, timezone: "UTC"}) { errors { code } } }"""
    await gql(award, {"id": climber["id"], "points": 2500})
    await gql(award, {"id": other["id"], "points": 1200})

    [run] = await wait_for_runs(gql, 1, profile=climber["id"], reaction=reaction["id"])
    assert run["status"] == "COMPLETED"
    assert [(s["action"], s["status"]) for s in run["steps"]] == [
        ("filter", "PASSED"),
        ("benefit.create", "PASSED"),
    ]
    assert run["steps"][1]["arguments"] == {
        "profile_id": climber["id"],
        "definition": "tier-2-welcome-benefit",
    }
    benefits = await gql(
        "query($id: ID!) { profile(id: $id) { benefits { nodes { definition { handle } } } } }",
        {"id": climber["id"]},
    )
    assert benefits["profile"]["benefits"]["nodes"] == [
        {"definition": {"handle": "tier-2-welcome-benefit"}}
    ]
    [stopped] = await wait_for_runs(gql, 1, profile=other["id"], reaction=reaction["id"])
    assert stopped["status"] == "STOPPED"
    assert [(s["action"], s["status"]) for s in stopped["steps"]] == [("filter", "STOPPED")]
    assert await Benefit.filter(profile_id=other["id"]).count() == 0


async def test_guide_trigger_aliases_match_the_crud_events(gql, reactions):
    definition = await create_benefit_definition(gql, isAssignable=True)
    reaction = await reactions(
        {
            "name": "points bonus",
            "trigger": "points.awarded",
            "actions": [
                {
                    "name": "benefit.create",
                    "sortOrder": 1,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "definition", "value": definition["handle"]},
                    ],
                }
            ],
        }
    )
    profile = await create_profile(gql)
    await gql(
        """mutation($id: ID!) { awardPoints(input: {profileId: $id, points: 5,
      timezone: "UTC"}) { errors { code } } }""",
        {"id": profile["id"]},
    )
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert run["status"] == "COMPLETED" and run["trigger"] == "points.awarded"


async def test_custom_events_put_their_data_under_data(gql, reactions):
    definition = await create_benefit_definition(gql, isAssignable=True)
    reaction = await reactions(
        {
            "name": "survey",
            "trigger": "custom.survey_completed",
            "actions": [
                {
                    "name": "filter",
                    "sortOrder": 1,
                    "arguments": [
                        {"name": "condition", "value": {">=": [{"var": "data.score"}, 8]}}
                    ],
                },
                {
                    "name": "benefit.create",
                    "sortOrder": 2,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "definition", "value": definition["handle"]},
                    ],
                },
            ],
        }
    )
    happy, unhappy = await create_profile(gql), await create_profile(gql)
    for profile, score in ((happy, 9), (unhappy, 3)):
        data = await gql(
            EMIT,
            {
                "input": {
                    "event": "custom.survey_completed",
                    "profileId": profile["id"],
                    "data": {"score": score},
                }
            },
        )
        assert data["emitEvent"]["event"]["context"]["data"] == {"score": score}
    [good] = await wait_for_runs(gql, 1, profile=happy["id"], reaction=reaction["id"])
    [bad] = await wait_for_runs(gql, 1, profile=unhappy["id"], reaction=reaction["id"])
    assert (good["status"], bad["status"]) == ("COMPLETED", "STOPPED")


async def test_reserved_and_malformed_custom_events_are_refused(gql):
    profile = await create_profile(gql)
    for name in ("profile.created", "NotAnEvent", "custom"):
        data = await gql(EMIT, {"input": {"event": name, "profileId": profile["id"]}})
        assert data["emitEvent"]["errors"] == [{"code": "INVALID_INPUT", "field": "event"}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"trigger": "Tier Achieved"}, "trigger"),
        ({"trigger": "tier"}, "trigger"),
        ({"actions": [{"name": "rocket.launch", "sortOrder": 1}]}, "actions.0.name"),
        (
            {
                "actions": [
                    {
                        "name": "benefit.create",
                        "sortOrder": 1,
                        "arguments": [{"name": "profile_id", "value": 1}],
                    }
                ]
            },
            "actions.0.arguments",
        ),
        (
            {
                "actions": [
                    {
                        "name": "filter",
                        "sortOrder": 1,
                        "arguments": [{"name": "condition", "value": {"bogus": [1]}}],
                    }
                ]
            },
            "actions.0.arguments.0.value",
        ),
        (
            {
                "actions": [
                    {
                        "name": "filter",
                        "sortOrder": 1,
                        "arguments": [{"name": "condition", "value": {}}],
                    },
                    {
                        "name": "filter",
                        "sortOrder": 1,
                        "arguments": [{"name": "condition", "value": {}}],
                    },
                ]
            },
            "actions",
        ),
    ],
)
async def test_reaction_validation(gql, change, field):
    body = {**seed_000(), "name": unique("bad"), "isActive": False, **change}
    data = (await gql(CREATE, {"input": body}))["createReaction"]
    assert data["reaction"] is None
    code = "INVALID_CONDITION" if field.endswith(".value") else "INVALID_INPUT"
    assert [(e["code"], e["field"]) for e in data["errors"]] == [(code, field)]


async def test_update_delete_and_list(gql):
    issue_only = seed_000()["actions"][1:]
    reaction = await create_reaction(
        gql,
        {**seed_000(), "isActive": False, "trigger": "custom.listing_test", "actions": issue_only},
    )
    update = """mutation($input: UpdateReactionInput!) { updateReaction(input: $input) {
      reaction { name actions { name } } errors { code } } }"""
    spent = {"name": "condition", "value": {">": [{"var": "data.spend"}, 100]}}
    only_filter = [{"name": "filter", "sortOrder": 1, "arguments": [spent]}]
    data = await gql(
        update, {"input": {"id": reaction["id"], "name": "renamed", "actions": only_filter}}
    )
    assert data["updateReaction"]["reaction"] == {
        "name": "renamed",
        "actions": [{"name": "filter"}],
    }
    listed = await gql('{ reactions(trigger: "custom.listing_test") { totalCount nodes { id } } }')
    assert listed["reactions"]["nodes"] == [{"id": reaction["id"]}]
    deleted = await gql(
        "mutation($id: ID!) { deleteReaction(input: {id: $id}) { deletedId } }",
        {"id": reaction["id"]},
    )
    assert deleted["deleteReaction"]["deletedId"] == reaction["id"]
    assert (await gql("query($id: ID!) { reaction(id: $id) { id } }", {"id": reaction["id"]}))[
        "reaction"
    ] is None


async def test_test_reaction_is_a_dry_run(gql, tier_ladder):
    await create_benefit_definition(gql, handle=unique("dry"), isAssignable=True)
    profile = await create_profile(gql)
    query = """mutation($input: TestReactionInput!) { testReaction(input: $input) {
      steps { sortOrder action status arguments result error } errors { code field } } }"""
    context = {"profile_id": profile["id"], "definition": {"handle": "tier-2"}}
    before = (await Benefit.all().count(), await Event.all().count())
    data = await gql(query, {"input": {"reaction": seed_000(), "context": context}})
    steps = data["testReaction"]["steps"]
    assert (steps[0]["action"], steps[0]["status"]) == ("filter", "PASSED")
    assert steps[1]["arguments"]["profile_id"] == profile["id"]
    stopped = await gql(
        query,
        {
            "input": {
                "reaction": seed_000(),
                "context": {**context, "definition": {"handle": "gold"}},
            }
        },
    )
    assert [s["status"] for s in stopped["testReaction"]["steps"]] == ["STOPPED"]
    assert (await Benefit.all().count(), await Event.all().count()) == before


async def test_a_loop_of_reactions_stops_at_depth_five(gql, reactions):
    reaction = await reactions(
        {
            "name": "points beget points",
            "trigger": "point.created",
            "actions": [
                {
                    "name": "filter",
                    "sortOrder": 1,
                    "arguments": [
                        {"name": "condition", "value": {"===": [{"var": "reason"}, "loop"]}}
                    ],
                },
                {
                    "name": "points.create",
                    "sortOrder": 2,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "points", "value": 1},
                        {"name": "reason", "value": "loop"},
                    ],
                },
            ],
        }
    )
    profile = await create_profile(gql)
    await gql(
        """mutation($id: ID!) { awardPoints(input: {profileId: $id, points: 1,
      timezone: "UTC", reason: "loop"}) { errors { code } } }""",
        {"id": profile["id"]},
    )
    runs = await wait_for_runs(gql, 7, profile=profile["id"], reaction=reaction["id"])
    statuses = [run["status"] for run in reversed(runs)]
    assert statuses == ["COMPLETED"] * 6 + ["FAILED"]
    failed = await Event.filter(profile_id=profile["id"], name="point.created").order_by("-id")
    assert failed[0].depth == 6


async def test_retry_event_resumes_a_failed_run_at_the_failed_step(gql, reactions):
    handle = unique("later")
    reaction = await reactions(
        {
            "name": "needs config",
            "trigger": "custom.retry_me",
            "actions": [
                {
                    "name": "filter",
                    "sortOrder": 1,
                    "arguments": [{"name": "condition", "value": {"==": [1, 1]}}],
                },
                {
                    "name": "benefit.create",
                    "sortOrder": 2,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "definition", "value": handle},
                    ],
                },
            ],
        }
    )
    profile = await create_profile(gql)
    emitted = await gql(EMIT, {"input": {"event": "custom.retry_me", "profileId": profile["id"]}})
    event_id = emitted["emitEvent"]["event"]["id"]
    [failed] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert failed["status"] == "FAILED"
    assert failed["steps"][1]["error"].startswith("NOT_FOUND")
    await create_benefit_definition(gql, handle=handle, isAssignable=True)
    retried = await gql(
        "mutation($id: ID!) { retryEvent(input: {id: $id}) { event { status } } }", {"id": event_id}
    )
    assert retried["retryEvent"]["event"]["status"] == "PENDING"
    for _ in range(300):
        run = (await gql(RUN_BY_ID, {"id": failed["id"]}))["reactionRun"]
        if run["status"] != "RUNNING" and run["status"] != "FAILED":
            break
        await asyncio.sleep(0.05)
    assert run["status"] == "COMPLETED"
    assert [(s["action"], s["status"]) for s in run["steps"]] == [
        ("filter", "PASSED"),
        ("benefit.create", "PASSED"),
    ]
    assert await Benefit.filter(profile_id=profile["id"]).count() == 1


async def test_an_event_that_keeps_failing_is_parked_then_retried(gql, server, monkeypatch):
    real = dispatcher.process_event

    async def database_outage(event, settings):
        if event.name == "custom.outage":
            raise ConnectionError("database went away")
        return await real(event, settings)

    monkeypatch.setattr(dispatcher, "process_event", database_outage)
    monkeypatch.setattr(server.settings, "event_max_attempts", 2)
    profile = await create_profile(gql)
    emitted = await gql(EMIT, {"input": {"event": "custom.outage", "profileId": profile["id"]}})
    event_id = emitted["emitEvent"]["event"]["id"]
    query = "query($id: ID!) { event(id: $id) { status attempts lastError } }"
    for _ in range(200):
        event = (await gql(query, {"id": event_id}))["event"]
        if event["status"] == "FAILED":
            break
        await asyncio.sleep(0.05)
    assert event == {
        "status": "FAILED",
        "attempts": 2,
        "lastError": "ConnectionError: database went away",
    }
    monkeypatch.setattr(dispatcher, "process_event", real)
    await gql(
        "mutation($id: ID!) { retryEvent(input: {id: $id}) { event { id } } }", {"id": event_id}
    )
    for _ in range(200):
        event = (await gql(query, {"id": event_id}))["event"]
        if event["status"] == "DONE":
            break
        await asyncio.sleep(0.05)
    assert event["status"] == "DONE"


async def test_reward_points_and_tier_actions(gql, tier_ladder, reactions):
    reward = await create_definition(gql, isAssignable=True, value="5")
    locked = await create_definition(gql, isAssignable=False)
    reaction = await reactions(
        {
            "name": "welcome pack",
            "trigger": "custom.welcome_pack",
            "actions": [
                {
                    "name": "reward.create",
                    "sortOrder": 1,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "definition", "value": reward["handle"]},
                        {"name": "value", "value": {"var": "data.amount"}, "isDynamic": True},
                    ],
                },
                {
                    "name": "point.create",
                    "sortOrder": 2,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "points", "value": 250},
                    ],
                },
                {
                    "name": "tier.assign",
                    "sortOrder": 3,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "tier", "value": "gold"},
                    ],
                },
                {
                    "name": "reward.create",
                    "sortOrder": 4,
                    "arguments": [
                        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                        {"name": "definition", "value": locked["handle"]},
                    ],
                },
            ],
        }
    )
    profile = await create_profile(gql)
    await gql(
        EMIT,
        {
            "input": {
                "event": "custom.welcome_pack",
                "profileId": profile["id"],
                "data": {"amount": "12.50"},
            }
        },
    )
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    assert [(s["action"], s["status"]) for s in run["steps"]] == [
        ("reward.create", "PASSED"),
        ("point.create", "PASSED"),
        ("tier.assign", "PASSED"),
        ("reward.create", "FAILED"),
    ]
    assert run["status"] == "FAILED"
    assert run["steps"][3]["error"].startswith("NOT_ASSIGNABLE")
    data = await gql(
        """query($id: ID!) { profile(id: $id) { tier { handle }
      balances { rewardBalance pointBalance } } }""",
        {"id": profile["id"]},
    )
    assert data["profile"] == {
        "tier": {"handle": "gold"},
        "balances": {"rewardBalance": "12.50", "pointBalance": 250},
    }
