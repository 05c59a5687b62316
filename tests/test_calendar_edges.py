"""Every date argument of every mutation, at both ends of the calendar, is INVALID_DATE on
that field: never an internal error, never stored. The mutations and fields come from the
schema."""

import pytest
from graphql import GraphQLInputObjectType, get_named_type

from loyalty_gateway.graphql.schema import schema
from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    unique,
)
from tests.test_transactions import seed_004_transaction

GRAPH = schema._schema
EDGES = ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31", "9999-12-31T23:59:59-12:00"]


def date_arguments() -> list[tuple[str, str, str]]:
    """(mutation, its input type, date field) for every Date or DateTime input field."""
    found = []
    for mutation, field in GRAPH.mutation_type.fields.items():
        for argument in field.args.values():
            input_type = get_named_type(argument.type)
            if not isinstance(input_type, GraphQLInputObjectType):
                continue
            for name, input_field in input_type.fields.items():
                if get_named_type(input_field.type).name in ("Date", "DateTime"):
                    found.append((mutation, input_type.name, name))
    return found


@pytest.fixture(scope="module")
async def inputs(gql) -> dict[str, dict]:
    """A valid input of each mutation that takes a date, to put one extreme date into."""
    profile = await create_profile(gql)
    definition = await create_definition(gql, isExtendable=True)
    reward = await issue_reward(gql, profile["id"], definition["id"])
    benefit_definition = await create_benefit_definition(
        gql, isAssignable=True, isExtendable=True, period=30
    )
    benefit = await issue_benefit(gql, profile["id"], benefit_definition["id"])
    owner = {"profileId": profile["id"], "timezone": "UTC"}
    return {
        "createProfile": {"email": f"{unique('edge')}@example.com"},
        "updateProfile": {"id": profile["id"]},
        "createRewardDefinition": {"name": "E", "handle": unique("edge"), "value": "5",
                                   "type": "fixed", "period": 30},
        "updateRewardDefinition": {"id": definition["id"]},
        "issueReward": {**owner, "rewardDefinitionId": definition["id"]},
        "extendRewards": {"profileId": profile["id"], "ids": [reward["id"]]},
        "awardPoints": {**owner, "points": 10},
        "awardTierPoints": {**owner, "points": 10},
        "createTransaction": seed_004_transaction(profile["id"], None, unique("edge")),
        "createBenefitDefinition": {"name": "E", "handle": unique("edge")},
        "updateBenefitDefinition": {"id": benefit_definition["id"]},
        "issueBenefit": {**owner, "benefitDefinitionId": benefit_definition["id"]},
        "extendBenefits": {"profileId": profile["id"], "ids": [benefit["id"]]},
    }  # fmt: skip


@pytest.mark.parametrize(("mutation", "input_type", "field"), date_arguments())
async def test_a_date_at_either_end_of_the_calendar_is_invalid_date(
    gql, inputs, mutation, input_type, field
):
    document = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input)
      {{ errors {{ code field }} }} }}"""
    for edge in EDGES:
        value = (
            edge[:10]
            if get_named_type(
                GRAPH.type_map[input_type].fields[field].type  # type: ignore[union-attr]
            ).name
            == "Date"
            else edge
        )
        data = await gql(document, {"input": {**inputs[mutation], field: value}})
        assert data[mutation]["errors"] == [{"code": "INVALID_DATE", "field": field}], edge


def test_every_mutation_that_takes_a_date_is_covered():
    assert len(date_arguments()) >= 20
