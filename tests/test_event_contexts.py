"""What a reaction on each event may read: the keys declared beside each context builder are
the keys its events carry, and a reaction that reads anything else is refused when saved."""

from datetime import timedelta

import pytest

from loyalty_gateway.core.time import months_later, utcnow
from loyalty_gateway.events.models import Event
from loyalty_gateway.reactions.catalogue import EVENT_CONTEXTS, RESERVED_EVENTS
from loyalty_gateway.tiers.service import evaluate_tiers
from tests.support import (
    award_points,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    redeem,
    unique,
)
from tests.test_transactions import seed_004_transaction


async def call(gql, mutation: str, body: dict, selection: str = "") -> dict:
    """The payload of a mutation that must succeed."""
    input_type = mutation[0].upper() + mutation[1:] + "Input"
    document = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input)
      {{ {selection} errors {{ code }} }} }}"""
    payload = (await gql(document, {"input": body}))[mutation]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def every_event(gql, profile_id: str) -> None:
    """Everything a profile can go through, each through GraphQL."""
    pid = {"profileId": profile_id}
    await call(gql, "updateProfile", {"id": profile_id, "firstName": "Ada"})
    await issue_reward(gql, profile_id, (await create_definition(gql))["id"])
    percent = await create_definition(gql, type="percentage", value="10")
    reward = await issue_reward(gql, profile_id, percent["id"])
    await call(gql, "redeemReward", {"rewardId": reward["id"]})
    claimable = await create_benefit_definition(
        gql, isClaimable=True, isPublished=True, maxRedemptions=2
    )
    claim = {**pid, "definitionHandle": claimable["handle"], "timezone": "UTC"}
    claimed = (await call(gql, "claimBenefit", claim, "benefit { id }"))["benefit"]
    await call(gql, "redeemBenefit", {**pid, "benefitId": claimed["id"]})
    await issue_benefit(gql, profile_id, (await create_benefit_definition(gql))["id"])
    await award_points(gql, profile_id, 10)
    await call(gql, "createTransaction", seed_004_transaction(profile_id, None, unique("ctx")))
    redemption = (await redeem(gql, profile_id, "1.00"))["redemption"]
    await call(gql, "reverseRedemption", {"redemptionId": redemption["id"]})
    redemption = (await redeem(gql, profile_id, "1.00"))["redemption"]
    await call(gql, "returnRedemption", {"redemptionId": redemption["id"], "amount": "1.00"})


async def test_each_event_carries_the_keys_declared_for_it(gql, tier_ladder):
    profile = await create_profile(gql)
    await every_event(gql, profile["id"])
    keeper, faller = await create_profile(gql), await create_profile(gql)
    for who, points, issued in ((keeper, 700, None), (faller, 1200, -11), (faller, 600, None)):
        body = {"profileId": who["id"], "points": points, "timezone": "UTC"}
        if issued is not None:
            body["issuedAt"] = months_later(utcnow(), issued).isoformat()
        await call(gql, "awardTierPoints", body)
    await evaluate_tiers(months_later(utcnow(), 12) + timedelta(days=1))

    ids = [profile["id"], keeper["id"], faller["id"]]
    seen: dict[str, set[str]] = {}
    for event in await Event.filter(profile_id__in=ids):
        keys = set(event.context)
        assert seen.setdefault(event.name, keys) == keys, event.name
    assert set(seen) == set(EVENT_CONTEXTS)
    for name, keys in seen.items():
        assert keys == EVENT_CONTEXTS[name], name


CREATE = """mutation($input: CreateReactionInput!) { createReaction(input: $input) {
  reaction { id trigger } errors { code message field } } }"""


def reaction(trigger: str, condition: dict | None = None, points: object = None) -> dict:
    actions = []
    if condition is not None:
        actions.append({"name": "filter", "sortOrder": 1,
                        "arguments": [{"name": "condition", "value": condition}]})  # fmt: skip
    if points is not None:
        actions.append({"name": "points.create", "sortOrder": 2, "arguments": [
            {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
            {"name": "points", "value": points, "isDynamic": True}]})  # fmt: skip
    return {"name": "vars", "trigger": trigger, "isActive": False, "actions": actions}


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        (reaction("transaction.created", {">": [{"var": "total"}, 100]}), None),
        (reaction("transaction.created", {">": [{"var": "spend"}, 100]}), "reads 'spend'"),
        (reaction("transaction.created", points={"*": [{"var": "total"}, 10]}), None),
        (reaction("transaction.created", points={"var": "totl"}), "reads 'totl'"),
        (reaction("tier.achieved", {"===": [{"var": "definition.handle"}, "tier-2"]}), None),
        (reaction("tier.progressed", {"in": ["gold", {"var": "passed"}]}), None),
        (reaction("reward.issued", {">": [{"var": "value_remaining"}, 1]}), None),
        (reaction("reward.issued", {">": [{"var": "points"}, 1]}), "reads 'points'"),
        (reaction("custom.birthday", {">": [{"var": "data.spend"}, 1]}), None),
        (reaction("custom.birthday", {"==": [{"var": "tier_handle"}, "gold"]}), None),
        (
            reaction("custom.birthday", {"==": [{"var": "definition.handle"}, "x"]}),
            "reads 'definition.handle'",
        ),
    ],
)
async def test_a_reaction_reads_only_what_its_trigger_context_has(gql, body, refused):
    errors = (await gql(CREATE, {"input": body}))["createReaction"]["errors"]
    if refused is None:
        assert errors == []
        return
    [error] = errors
    assert error["code"] == "INVALID_CONDITION"
    assert error["field"].startswith("actions.") and error["field"].endswith(".value")
    assert refused in error["message"]


async def test_a_new_trigger_must_suit_the_saved_actions(gql):
    body = reaction("tier.achieved", {"===": [{"var": "definition.handle"}, "tier-2"]})
    saved = (await gql(CREATE, {"input": body}))["createReaction"]["reaction"]
    update = """mutation($input: UpdateReactionInput!) { updateReaction(input: $input) {
      reaction { trigger } errors { code field } } }"""
    moved = await gql(update, {"input": {"id": saved["id"], "trigger": "profile.updated"}})
    assert moved["updateReaction"] == {
        "reaction": None,
        "errors": [{"code": "INVALID_CONDITION", "field": "actions.0.arguments.0.value"}],
    }
    kept = await gql("query($id: ID!) { reaction(id: $id) { trigger } }", {"id": saved["id"]})
    assert kept["reaction"] == {"trigger": "tier.achieved"}
    sibling = await gql(update, {"input": {"id": saved["id"], "trigger": "tier.maintained"}})
    assert sibling["updateReaction"] == {"reaction": {"trigger": "tier.maintained"}, "errors": []}


async def test_test_reaction_checks_the_inline_reaction_against_its_trigger(gql):
    query = """mutation($input: TestReactionInput!) { testReaction(input: $input) {
      steps { status } errors { code field } } }"""
    body = reaction("transaction.created", {">": [{"var": "spend"}, 100]})
    data = await gql(query, {"input": {"reaction": body, "context": {"spend": 500}}})
    assert data["testReaction"] == {
        "steps": [],
        "errors": [{"code": "INVALID_CONDITION", "field": "actions.0.arguments.0.value"}],
    }


@pytest.mark.parametrize("name", sorted(RESERVED_EVENTS))
async def test_emit_event_cannot_pass_for_what_the_program_reports(gql, name):
    profile = await create_profile(gql)
    before = await Event.filter(profile_id=profile["id"], name=name).count()
    emit = """mutation($input: EmitEventInput!) { emitEvent(input: $input) {
      event { id } errors { code field } } }"""
    data = await gql(emit, {"input": {"event": name, "profileId": profile["id"], "data": {}}})
    assert data["emitEvent"] == {
        "event": None,
        "errors": [{"code": "INVALID_INPUT", "field": "event"}],
    }
    assert await Event.filter(profile_id=profile["id"], name=name).count() == before
