"""An idempotency key the database could not store (a NUL character, over 255 characters) is
INVALID_INPUT on `idempotencyKey` in every mutation that takes one, never an internal error
(PostgreSQL refuses both; found by the fuzz test). The mutations come from the schema."""

import pytest
from graphql import GraphQLInputObjectType, get_named_type

from tests.support import (
    award_points,
    built_schema,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    redeem,
    unique,
)
from tests.test_transactions import seed_004_transaction


def keyed_mutations() -> list[tuple[str, str]]:
    """(mutation, input type) of every mutation whose input has an `idempotencyKey`."""
    found = []
    for name, field in built_schema()._schema.mutation_type.fields.items():
        for argument in field.args.values():
            input_type = get_named_type(argument.type)
            if isinstance(input_type, GraphQLInputObjectType) and (
                "idempotencyKey" in input_type.fields
            ):
                found.append((name, input_type.name))
    return found


@pytest.fixture(scope="module")
async def inputs(gql) -> dict[str, dict]:
    """A valid input of each keyed mutation."""
    profile = (await create_profile(gql))["id"]
    await award_points(gql, profile, 10_000)
    owner = {"profileId": profile, "timezone": "UTC"}
    redemption = (await redeem(gql, profile, "1.00", strategies=["POINTS"]))["redemption"]["id"]
    definition = await create_benefit_definition(gql, isAssignable=True)
    benefit = await issue_benefit(gql, profile, definition["id"])
    return {
        "redeem": {"profileId": profile, "amount": "1.00", "strategies": ["POINTS"]},
        "reverseRedemption": {"redemptionId": redemption},
        "returnRedemption": {"redemptionId": redemption, "amount": "0.50"},
        "issueReward": {**owner, "rewardDefinitionId": (await create_definition(gql))["id"]},
        "awardPoints": {**owner, "points": 10},
        "awardTierPoints": {**owner, "points": 10},
        "issueBenefit": {**owner, "benefitDefinitionId": definition["id"]},
        "redeemBenefit": {"profileId": profile, "benefitId": benefit["id"]},
        "createTransaction": {
            **seed_004_transaction(profile, None, unique("key")),
            "externalId": None,
        },
    }


@pytest.mark.parametrize(("mutation", "input_type"), keyed_mutations())
async def test_a_key_the_database_cannot_store_is_invalid_input(gql, inputs, mutation, input_type):
    document = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input)
      {{ errors {{ code field }} }} }}"""
    for key in ("till-7\x00", "k" * 256):
        data = await gql(document, {"input": {**inputs[mutation], "idempotencyKey": key}})
        assert data[mutation]["errors"] == [{"code": "INVALID_INPUT", "field": "idempotencyKey"}]


def test_every_keyed_mutation_is_covered():
    assert len(keyed_mutations()) == 9
