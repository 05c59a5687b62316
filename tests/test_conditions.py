"""Conditions are checked when saved and never pass by accident when evaluated."""

import pytest

from loyalty_gateway.benefits.models import BenefitDefinition
from loyalty_gateway.profiles.context import CONTEXT_KEYS, profile_context
from loyalty_gateway.profiles.models import Profile
from tests.support import create_benefit_definition, create_profile, unique

MALFORMED = [
    ({"rule": "spend", "value": "1000"}, "must be one operator"),
    ({"rule": "spend", "value": 1000}, "must be one operator"),
    ({"and": [{"==": [1, 1]}, {"spend_over": 10}]}, "unknown operator 'spend_over'"),
    ({"==": [{"var": "total"}]}, "'==' takes 2 argument(s), not 1"),
]
TEST_REACTION = """mutation($input: TestReactionInput!) { testReaction(input: $input) {
  steps { status } errors { code message field } } }"""
CLAIMABLE = "query($id: ID!) { profile(id: $id) { claimableBenefits { handle } } }"


def filtered(condition: dict) -> dict:
    return {
        "name": "filtered",
        "trigger": "custom.filtered",
        "actions": [
            {"name": "filter", "sortOrder": 1,
             "arguments": [{"name": "condition", "value": condition}]}
        ],
    }  # fmt: skip


@pytest.mark.parametrize(("condition", "says"), MALFORMED)
async def test_a_malformed_filter_is_refused_with_the_path_of_the_bad_node(gql, condition, says):
    data = await gql(TEST_REACTION, {"input": {"reaction": filtered(condition), "context": {}}})
    [error] = data["testReaction"]["errors"]
    assert error["code"] == "INVALID_CONDITION"
    assert error["field"] == "actions.0.arguments.0.value"
    assert says in error["message"] and error["message"].startswith(error["field"])


async def test_the_tier_shorthand_of_seed_001_is_a_condition(gql, tier_ladder):
    definition = await create_benefit_definition(
        gql, isClaimable=True, isPublished=True, claimCondition={"rule": "tier", "value": "gold"}
    )
    profile = await create_profile(gql)
    claimable = (await gql(CLAIMABLE, {"id": profile["id"]}))["profile"]["claimableBenefits"]
    assert definition["handle"] not in [d["handle"] for d in claimable]


async def test_a_malformed_condition_saved_before_the_checks_is_false(gql):
    handle = unique("legacy")
    await create_benefit_definition(gql, handle=handle, isClaimable=True, isPublished=True)
    profile = await create_profile(gql)
    claimable = (await gql(CLAIMABLE, {"id": profile["id"]}))["profile"]["claimableBenefits"]
    assert handle in [d["handle"] for d in claimable]
    # Written past the service, as rows saved before conditions were checked are.
    await BenefitDefinition.filter(handle=handle).update(
        claim_condition={"rule": "spend", "value": "1000"}
    )
    claimable = (await gql(CLAIMABLE, {"id": profile["id"]}))["profile"]["claimableBenefits"]
    assert handle not in [d["handle"] for d in claimable]


CREATE_DEFINITION = """mutation($input: CreateBenefitDefinitionInput!) {
  createBenefitDefinition(input: $input) { benefitDefinition { id } errors { code message field } }
}"""


@pytest.mark.parametrize(
    ("condition", "refused"),
    [
        ({">=": [{"var": "spend_total"}, 100]}, "reads 'spend_total'"),
        ({"and": [{"var": "tier_handle"}, {"var": "profile.email"}]}, "reads 'profile.email'"),
        ({">=": [{"var": "point_balance"}, 100]}, None),
        ({"some": [{"var": "tags"}, {"==": [{"var": ""}, "vip"]}]}, None),
        ({"rule": "tier", "value": "gold"}, None),
    ],
)
async def test_a_claim_condition_reads_only_what_the_profile_context_has(gql, condition, refused):
    body = {"name": "C", "handle": unique("claim"), "isClaimable": True,
            "claimCondition": condition}  # fmt: skip
    errors = (await gql(CREATE_DEFINITION, {"input": body}))["createBenefitDefinition"]["errors"]
    if refused is None:
        assert errors == []
    else:
        [error] = errors
        assert (error["code"], error["field"]) == ("INVALID_CONDITION", "claimCondition")
        assert refused in error["message"]


async def test_the_declared_context_keys_are_the_context_keys(gql):
    profile = await create_profile(gql)
    context = await profile_context(await Profile.get(id=profile["id"]))
    assert set(context) == CONTEXT_KEYS
