"""A `DateTime` input may be a date alone (`2024-03-01`: midnight, local to the input's time
zone; for `extendDate`, the end of that day). Every mutation that takes one answers it as it
answers a full date-time: stored, or a typed error, never an internal one. The scalar reads a
date alone as `core.time.DateOnly`, a `datetime` subclass that SQLite's driver refused."""

from typing import Any

import pytest
from graphql import GraphQLInputObjectType, get_named_type

from tests.support import (
    built_schema,
    create_benefit_definition,
    create_definition,
    issue_benefit,
    issue_reward,
    unique,
)

DAY, LATER = "2024-03-01", "2030-03-01"
ZONE = {"timezone": "Australia/Sydney"}


async def answer(gql, mutation: str, fields: dict[str, Any], select: str = "") -> dict[str, Any]:
    kind = mutation[0].upper() + mutation[1:] + "Input"
    selection = f"{select} errors {{ code }}"
    body = await gql.raw(
        f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ {selection} }} }}",
        {"input": fields},
    )
    assert "errors" not in body, body["errors"]
    return body["data"][mutation]


async def point_definition(gql) -> dict[str, Any]:
    fields = {"name": "P", "handle": unique("pts"), "type": "POINTS"}
    return (await answer(gql, "createPointDefinition", fields, "pointDefinition { id handle }"))[
        "pointDefinition"
    ]


async def rate(gql) -> dict[str, Any]:
    fields = {"name": "R", "handle": (await point_definition(gql))["handle"], "rate": "1"}
    return (await answer(gql, "createRate", fields, "rate { id }"))["rate"]


async def automation(gql) -> dict[str, Any]:
    fields = {
        "name": unique("a"),
        "frequency": "DAILY",
        "hour": 9,
        "query": {"==": [1, 1]},
        "actions": [],
    }
    return (await answer(gql, "createAutomation", fields, "automation { id }"))["automation"]


async def base(gql, profile: dict[str, Any], mutation: str) -> dict[str, Any]:
    """The rest of `mutation`'s input, with what it needs made first."""
    mine = {"profileId": profile["id"], **ZONE}
    if mutation == "issueReward":
        return {**mine, "rewardDefinitionId": (await create_definition(gql))["id"]}
    if mutation == "issueBenefit":
        return {**mine, "benefitDefinitionId": (await create_benefit_definition(gql))["id"]}
    if mutation in ("awardPoints", "awardTierPoints"):
        return {**mine, "points": 5}
    if mutation == "createTransaction":
        return {**mine, "total": "1", "items": []}
    if mutation == "extendRewards":
        definition = await create_definition(gql, isExtendable=True)
        reward = await issue_reward(gql, profile["id"], definition["id"])
        return {"profileId": profile["id"], "ids": [reward["id"]]}
    if mutation == "extendBenefits":
        definition = await create_benefit_definition(gql, isExtendable=True)
        benefit = await issue_benefit(gql, profile["id"], definition["id"])
        return {"profileId": profile["id"], "ids": [benefit["id"]]}
    if mutation == "createRewardDefinition":
        return {"name": "R", "handle": unique("r"), "value": "1", "type": "fixed"}
    if mutation == "createPointDefinition":
        return {"name": "P", "handle": unique("p"), "type": "POINTS"}
    if mutation == "createBenefitDefinition":
        return {"name": "B", "handle": unique("b")}
    if mutation == "createRate":
        return {"name": "R", "handle": (await point_definition(gql))["handle"], "rate": "1"}
    made = {
        "updateRewardDefinition": create_definition,
        "updateBenefitDefinition": create_benefit_definition,
        "updatePointDefinition": point_definition,
        "updateRate": rate,
        "triggerAutomation": automation,
    }
    return {"id": (await made[mutation](gql))["id"]}


ABSOLUTE = {"absoluteExpiry": LATER, "periodType": "ABSOLUTE_DATE"}
CASES = [
    ("issueReward", {"issuedAt": DAY, "expiresAt": LATER}),
    ("issueBenefit", {"issuedAt": DAY, "expiresAt": LATER}),
    ("awardPoints", {"issuedAt": DAY, "expiresAt": LATER}),
    ("awardTierPoints", {"issuedAt": DAY}),
    ("createTransaction", {"transactedAt": DAY}),
    ("extendRewards", {"extendDate": LATER}),
    ("extendBenefits", {"extendDate": LATER}),
    ("createRewardDefinition", ABSOLUTE),
    ("updateRewardDefinition", ABSOLUTE),
    ("createPointDefinition", ABSOLUTE),
    ("updatePointDefinition", ABSOLUTE),
    ("createBenefitDefinition", {**ABSOLUTE, "claimPeriodStartAt": DAY, "claimPeriodEndAt": LATER}),
    ("updateBenefitDefinition", {**ABSOLUTE, "claimPeriodStartAt": DAY, "claimPeriodEndAt": LATER}),
    ("createRate", {"startsAt": DAY, "endsAt": LATER}),
    ("updateRate", {"startsAt": DAY, "endsAt": LATER}),
    ("triggerAutomation", {"now": DAY}),
]


@pytest.mark.parametrize(("mutation", "fields"), CASES)
async def test_a_date_alone_is_taken(gql, profile, mutation, fields):
    result = await answer(gql, mutation, {**await base(gql, profile, mutation), **fields})
    assert result["errors"] == [], result


def test_every_datetime_input_of_a_mutation_is_tried_above():
    schema = built_schema()._schema
    assert schema.mutation_type is not None
    taking = set()
    for name, field in schema.mutation_type.fields.items():
        for argument in field.args.values():
            kind = get_named_type(argument.type)
            if isinstance(kind, GraphQLInputObjectType):
                dated = {
                    f for f, v in kind.fields.items() if get_named_type(v.type).name == "DateTime"
                }
                taking |= {(name, f) for f in dated}
    tried = {(mutation, f) for mutation, fields in CASES for f in fields if f != "periodType"}
    assert taking == tried
