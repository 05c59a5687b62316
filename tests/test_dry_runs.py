"""`testReaction` answers what a run would: for each reaction below, a real run (through
emitEvent and the dispatcher) and a dry run on the same context end each step the same way,
with the same error, and the dry run writes nothing. A writing action is run for real in a
transaction that is rolled back, so the two cannot drift apart."""

import pytest

from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.events.models import Event
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.rewards.models import Reward
from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    unique,
    wait_for_runs,
)

PROFILE = {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True}
CREATE = """mutation($input: CreateReactionInput!) { createReaction(input: $input) {
  reaction { id } errors { code message } } }"""
EMIT = """mutation($input: EmitEventInput!) { emitEvent(input: $input) {
  event { id context } errors { code } } }"""
TEST = """mutation($input: TestReactionInput!) { testReaction(input: $input) {
  steps { action status error } errors { code } } }"""


def action(name: str, *arguments: dict) -> dict:
    return {"name": name, "sortOrder": 1, "arguments": [PROFILE, *arguments]}


@pytest.fixture(scope="module")
async def handles(gql) -> dict[str, str]:
    return {
        "reward": (await create_definition(gql, isAssignable=True))["handle"],
        "benefit": (await create_benefit_definition(gql, isAssignable=True))["handle"],
        "locked": (await create_benefit_definition(gql, isAssignable=False))["handle"],
    }


CASES = {
    "a reward with a value that is no amount": lambda h: action(
        "reward.create",
        {"name": "definition", "value": h["reward"]},
        {"name": "value", "value": "abc"},
    ),
    "points in a zone that does not exist": lambda h: action(
        "points.create", {"name": "points", "value": 5}, {"name": "timezone", "value": "Nowhere/X"}
    ),
    "a benefit reactions may not issue": lambda h: action(
        "benefit.create", {"name": "definition", "value": h["locked"]}
    ),
    "a tier that does not exist": lambda h: action(
        "tier.assign", {"name": "tier", "value": "nope"}
    ),
    "a benefit that issues": lambda h: action(
        "benefit.create", {"name": "definition", "value": h["benefit"]}
    ),
    "points from the event's data": lambda h: action(
        "points.create", {"name": "points", "value": {"var": "data.points"}, "isDynamic": True}
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
async def test_a_dry_run_ends_each_step_as_the_run_does(gql, handles, case):
    trigger = f"custom.{unique('dry').replace('-', '_')}"
    body = {"name": case, "trigger": trigger, "actions": [CASES[case](handles)]}
    created = (await gql(CREATE, {"input": body}))["createReaction"]
    assert created["errors"] == []
    profile = await create_profile(gql)
    emitted = await gql(
        EMIT, {"input": {"event": trigger, "profileId": profile["id"], "data": {"points": 7}}}
    )
    event = emitted["emitEvent"]["event"]
    [run] = await wait_for_runs(gql, 1, reaction=created["reaction"]["id"])

    before = [await model.all().count() for model in (Reward, Benefit, PointLot, Event)]
    dry = await gql(
        TEST, {"input": {"reactionId": created["reaction"]["id"], "context": event["context"]}}
    )
    assert dry["testReaction"]["errors"] == []
    ran = [(s["action"], s["status"], s["error"]) for s in run["steps"]]
    assert [(s["action"], s["status"], s["error"]) for s in dry["testReaction"]["steps"]] == ran
    assert [await model.all().count() for model in (Reward, Benefit, PointLot, Event)] == before
