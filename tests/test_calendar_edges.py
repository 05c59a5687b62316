"""Every date argument of every mutation, at both ends of the calendar, is INVALID_DATE on
that field: never an internal error, never stored. The mutations and fields come from the
schema. When something happened (`issuedAt`, `transactedAt`) is never later than now."""

from datetime import UTC, datetime, timedelta

import pytest
from graphql import GraphQLInputObjectType, get_named_type
from tortoise.models import Model

from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.core.time import CLOCK_SKEW
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.rewards.models import Reward
from loyalty_gateway.tiers.models import TierPoint
from loyalty_gateway.transactions.models import Transaction
from tests.support import (
    built_schema,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    unique,
)
from tests.test_rates import create_rate, point_definition
from tests.test_transactions import seed_004_transaction

GRAPH = built_schema()._schema
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
    points = await point_definition(gql)
    rate = await create_rate(gql, points["handle"], "2")
    automation = await gql(
        """mutation($input: CreateAutomationInput!) { createAutomation(input: $input)
        { automation { id } } }""",
        {"input": {"name": "E", "frequency": "DAILY", "hour": 1, "query": {"==": [1, 0]},
                   "actions": []}},
    )  # fmt: skip
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
        "createPointDefinition": {"name": "E", "handle": unique("edge"), "type": "POINTS",
                                  "periodType": "ABSOLUTE_DATE"},
        "updatePointDefinition": {"id": points["id"]},
        "createRate": {"handle": points["handle"], "name": "E", "rate": "2"},
        "updateRate": {"id": rate["id"]},
        "triggerAutomation": {"id": automation["createAutomation"]["automation"]["id"]},
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


HAPPENED = [
    ("issueReward", "IssueRewardInput", "issuedAt", Reward, "issued_at"),
    ("issueBenefit", "IssueBenefitInput", "issuedAt", Benefit, "issued_at"),
    ("awardPoints", "AwardPointsInput", "issuedAt", PointLot, "issued_at"),
    ("awardTierPoints", "AwardTierPointsInput", "issuedAt", TierPoint, "issued_at"),
    ("createTransaction", "CreateTransactionInput", "transactedAt", Transaction, "transacted_at"),
]


def test_every_time_something_happened_is_covered():
    """Every `issuedAt` and `transactedAt` a mutation takes is in HAPPENED."""
    named = {(m, f) for m, _, f in date_arguments() if f in ("issuedAt", "transactedAt")}
    assert named == {(m, f) for m, _, f, _, _ in HAPPENED}


@pytest.mark.parametrize(("mutation", "input_type", "field", "model", "column"), HAPPENED)
async def test_a_time_in_the_future_is_refused_or_taken_as_now(
    gql, inputs, mutation, input_type, field, model: type[Model], column
):
    """Beyond CLOCK_SKEW ahead: INVALID_DATE and nothing stored. Within it (a till's clock a
    little fast): stored as now, so the lot counts at once and never from a later time."""
    document = f"""mutation($input: {input_type}!) {{ {mutation}(input: $input)
      {{ errors {{ code field }} }} }}"""
    body = dict(inputs[mutation])
    if mutation == "createTransaction":
        body.pop("externalId")
        body["timezone"] = "UTC"
    before = await model.all().count()
    for ahead in (CLOCK_SKEW + timedelta(seconds=30), timedelta(days=400)):
        late = (datetime.now(UTC) + ahead).isoformat()
        data = await gql(document, {"input": {**body, field: late}})
        assert data[mutation]["errors"] == [{"code": "INVALID_DATE", "field": field}], ahead
    assert await model.all().count() == before

    fast = datetime.now(UTC) + CLOCK_SKEW - timedelta(seconds=30)
    data = await gql(document, {"input": {**body, field: fast.isoformat()}})
    assert data[mutation]["errors"] == []
    [stored] = await model.all().order_by("-" + column).limit(1).values_list(column, flat=True)
    assert stored <= datetime.now(UTC) < fast
