"""A `DateTime` input may be a date alone (`2024-03-01`: midnight, local to the input's time
zone). Every mutation that takes one answers it as it answers a full date-time: stored, or a
typed error, never an internal one. The scalar reads a date alone as `core.time.DateOnly`, a
`datetime` subclass that SQLite's driver would not bind."""

from typing import Any

import pytest

from tests.support import create_benefit_definition, create_definition, issue_reward, unique

DAY, LATER = "2024-03-01", "2030-03-01"


async def answer(gql, mutation: str, fields: dict[str, Any]) -> dict[str, Any]:
    kind = mutation[0].upper() + mutation[1:] + "Input"
    body = await gql.raw(
        f"mutation($input: {kind}!) {{ {mutation}(input: $input) {{ errors {{ code field }} }} }}",
        {"input": fields},
    )
    assert "errors" not in body, body["errors"]
    return body["data"][mutation]


@pytest.mark.parametrize(
    ("mutation", "fields"),
    [
        ("issueReward", {"issuedAt": DAY}),
        ("issueReward", {"expiresAt": LATER}),
        ("issueBenefit", {"issuedAt": DAY, "expiresAt": LATER}),
        ("awardPoints", {"points": 5, "issuedAt": DAY, "expiresAt": LATER}),
        ("awardTierPoints", {"points": 5, "issuedAt": DAY}),
        ("createTransaction", {"transactedAt": DAY, "total": "1", "items": []}),
        ("extendRewards", {"extendDate": LATER}),
        ("createRewardDefinition", {"absoluteExpiry": LATER, "periodType": "ABSOLUTE_DATE"}),
        ("createPointDefinition", {"absoluteExpiry": LATER, "periodType": "ABSOLUTE_DATE"}),
        ("createBenefitDefinition", {"claimPeriodStartAt": DAY, "claimPeriodEndAt": LATER}),
        ("createRate", {"startsAt": DAY, "endsAt": LATER}),
    ],
)
async def test_a_date_alone_is_midnight_local(gql, profile, mutation, fields):
    reward_definition = await create_definition(gql, value="10", isExtendable=True)
    benefit_definition = await create_benefit_definition(gql)
    reward = await issue_reward(gql, profile["id"], reward_definition["id"])
    points = unique("pts")
    await answer(gql, "createPointDefinition", {"name": "P", "handle": points, "type": "POINTS"})
    base = {
        "issueReward": {"rewardDefinitionId": reward_definition["id"]},
        "issueBenefit": {"benefitDefinitionId": benefit_definition["id"]},
        "extendRewards": {"ids": [reward["id"]]},
        "createRewardDefinition": {
            "name": "R",
            "handle": unique("r"),
            "value": "1",
            "type": "fixed",
        },
        "createPointDefinition": {"name": "P", "handle": unique("p"), "type": "POINTS"},
        "createBenefitDefinition": {"name": "B", "handle": unique("b")},
        "createRate": {"name": "R", "handle": points, "rate": "1"},
    }.get(mutation, {})
    who: dict[str, Any] = {}
    if not mutation.startswith("create") or mutation == "createTransaction":
        who["profileId"] = profile["id"]
        if mutation != "extendRewards":
            who["timezone"] = "Australia/Sydney"
    result = await answer(gql, mutation, {**who, **base, **fields})
    assert result["errors"] == [], result
