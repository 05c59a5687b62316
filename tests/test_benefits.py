"""Benefits over GraphQL: seed 001 end to end, claim rules, redemption, extension, void."""

from datetime import timedelta

import pytest

from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.events.models import Event
from tests.support import (
    CREATE_BENEFIT_DEFINITION,
    ISSUE_BENEFIT,
    REDEEM_BENEFIT,
    create_benefit_definition,
    create_profile,
    issue_benefit,
    unique,
)

DEFINITION_FIELDS = """
id name handle type description shortDescription longDescription termsConditions
earnInstructions redeemInstructionsStore redeemInstructionsOnline period periodType
maxRedemptions isAssignable isClaimable isReclaimable isExtendable isReassignable isPublished
claimCondition claimPeriodStartAt claimPeriodEndAt tags
"""
CLAIM = """mutation($input: ClaimBenefitInput!) {
  claimBenefit(input: $input) { benefit { id claimedAt status definition { handle } }
    errors { code message field } }
}"""
CLAIMABLE = """query($id: ID!) { profile(id: $id) { claimableBenefits { handle } } }"""


def seed_001(handle: str) -> dict:
    """Seed 001's benefit definition body, camelCased."""
    return {
        "name": "Free Alterations",
        "handle": handle,
        "description": "Complimentary alterations for Gold and Platinum members.",
        "shortDescription": "Free alterations on any full-price item.",
        "longDescription": "<p>Present this benefit in store when purchasing a full-price "
        "garment.</p>",
        "termsConditions": "In-store only. Full-price items only. One per visit.",
        "earnInstructions": "Automatically issued when you reach Gold tier.",
        "redeemInstructionsStore": "Show to staff when making a purchase.",
        "redeemInstructionsOnline": "Not available online.",
        "period": 365,
        "maxRedemptions": 3,
        "isClaimable": False,
        "isExtendable": False,
        "isReassignable": False,
        "isPublished": True,
        "tags": ["gold", "platinum", "in-store"],
    }


async def claim(gql, profile_id: str, handle: str) -> dict:
    body = {"profileId": profile_id, "definitionHandle": handle, "timezone": "Australia/Sydney"}
    return (await gql(CLAIM, {"input": body}))["claimBenefit"]


async def claimable(gql, profile_id: str) -> list[str]:
    data = await gql(CLAIMABLE, {"id": profile_id})
    return [d["handle"] for d in data["profile"]["claimableBenefits"]]


async def test_seed_001_end_to_end(gql, profile, tier_ladder):
    sent = seed_001(unique("free-alterations"))
    data = await gql(
        f"mutation($input: CreateBenefitDefinitionInput!) {{ createBenefitDefinition(input: "
        f"$input) {{ benefitDefinition {{ {DEFINITION_FIELDS} }} errors {{ code field }} }} }}",
        {"input": sent},
    )
    created = data["createBenefitDefinition"]["benefitDefinition"]
    assert {key: created[key] for key in sent} == sent
    benefit = await issue_benefit(gql, profile["id"], created["id"], issuedAt="2025-06-15 09:00:00")
    assert benefit["issuedAt"] == "2025-06-14T23:00:00+00:00"
    assert benefit["expiresLocalAt"] == "2026-06-15T23:59:59+10:00"
    assert benefit["redemptionsRemaining"] == 3
    assert benefit["status"] == "EXPIRED"  # the seed issued it in 2025 for 365 days
    assert benefit["claimedAt"] is None
    event = await Event.get(name="benefit.created", profile_id=profile["id"])
    assert event.context["definition"]["handle"] == sent["handle"]
    # "Make a benefit claimable" with seed 001's tier condition.
    update = await gql(
        """mutation($input: UpdateBenefitDefinitionInput!) { updateBenefitDefinition(input:
        $input) { benefitDefinition { isClaimable claimCondition } errors { code } } }""",
        {
            "input": {
                "id": created["id"],
                "isClaimable": True,
                "isReclaimable": True,
                "claimCondition": {"rule": "tier", "value": "gold"},
            }
        },
    )
    assert update["updateBenefitDefinition"]["benefitDefinition"] == {
        "isClaimable": True,
        "claimCondition": {"rule": "tier", "value": "gold"},
    }
    other = await create_profile(gql)
    assert sent["handle"] not in await claimable(gql, other["id"])
    refused = await claim(gql, other["id"], sent["handle"])
    assert refused["errors"][0]["code"] == "NOT_CLAIMABLE"
    assert "claim condition" in refused["errors"][0]["message"]
    await gql(
        'mutation($id: ID!) { assignTier(input: {profileId: $id, tierHandle: "gold"}) '
        "{ errors { code } } }",
        {"id": other["id"]},
    )
    assert sent["handle"] in await claimable(gql, other["id"])
    claimed = await claim(gql, other["id"], sent["handle"])
    assert claimed["errors"] == [] and claimed["benefit"]["claimedAt"] is not None
    assert await Event.filter(name="benefit.claimed", profile_id=other["id"]).count() == 1


async def test_claim_window_and_reclaim_rules(gql, profile):
    now = utcnow()
    later = await create_benefit_definition(
        gql,
        isClaimable=True,
        isPublished=True,
        claimPeriodStartAt=(now + timedelta(days=1)).isoformat(),
    )
    over = await create_benefit_definition(
        gql,
        isClaimable=True,
        isPublished=True,
        claimPeriodEndAt=(now - timedelta(days=1)).isoformat(),
    )
    hidden = await create_benefit_definition(gql, isClaimable=True, isPublished=False)
    once = await create_benefit_definition(gql, isClaimable=True, isPublished=True)
    again = await create_benefit_definition(
        gql, isClaimable=True, isPublished=True, isReclaimable=True, maxRedemptions=1
    )
    tagged = await create_benefit_definition(
        gql,
        isClaimable=True,
        isPublished=True,
        claimCondition={"in": ["vip", {"var": "flattened_tags"}]},
    )
    listed = await claimable(gql, profile["id"])
    assert once["handle"] in listed and again["handle"] in listed
    for definition in (later, over, hidden, tagged):
        assert definition["handle"] not in listed
        assert (await claim(gql, profile["id"], definition["handle"]))["errors"][0]["code"] == (
            "NOT_CLAIMABLE"
        )
    assert (await claim(gql, profile["id"], once["handle"]))["errors"] == []
    assert (await claim(gql, profile["id"], once["handle"]))["errors"][0]["code"] == (
        "NOT_CLAIMABLE"
    )
    first = await claim(gql, profile["id"], again["handle"])
    assert (await claim(gql, profile["id"], again["handle"]))["errors"][0]["code"] == (
        "NOT_CLAIMABLE"  # the first one is still active
    )
    body = {"profileId": profile["id"], "benefitId": first["benefit"]["id"]}
    await gql(REDEEM_BENEFIT, {"input": body})
    assert (await claim(gql, profile["id"], again["handle"]))["errors"] == []
    assert once["handle"] not in await claimable(gql, profile["id"])
    missing = await claim(gql, profile["id"], "no-such-benefit")
    assert missing["errors"][0]["code"] == "NOT_FOUND"


async def test_redeem_counts_down_and_refuses_when_exhausted(gql, profile):
    definition = await create_benefit_definition(gql, maxRedemptions=3)
    benefit = await issue_benefit(gql, profile["id"], definition["id"])

    async def use(count: int = 1, owner: str = profile["id"]) -> dict:
        body = {"profileId": owner, "benefitId": benefit["id"], "count": count}
        return (await gql(REDEEM_BENEFIT, {"input": body}))["redeemBenefit"]

    assert (await use(2))["benefit"]["redemptionsRemaining"] == 1
    assert [(e["code"], e["field"]) for e in (await use(2))["errors"]] == [
        ("BENEFIT_EXHAUSTED", "count")
    ]
    last = await use()
    assert (last["benefit"]["redemptionsRemaining"], last["benefit"]["status"]) == (0, "USED")
    assert (await use())["errors"][0]["code"] == "BENEFIT_EXHAUSTED"
    other = await create_profile(gql)
    assert (await use(owner=other["id"]))["errors"][0]["code"] == "NOT_OWNER"
    assert (await use(0))["errors"][0]["code"] == "INVALID_INPUT"
    assert await Event.filter(name="benefit.redeemed", profile_id=profile["id"]).count() == 2


async def test_unlimited_benefits_and_benefit_balance(gql, profile):
    unlimited = await create_benefit_definition(gql)
    capped = await create_benefit_definition(gql, maxRedemptions=1)
    forever = await issue_benefit(gql, profile["id"], unlimited["id"])
    once = await issue_benefit(gql, profile["id"], capped["id"])
    await issue_benefit(
        gql,
        profile["id"],
        capped["id"],
        issuedAt="2020-01-01 09:00:00",
        expiresAt="2020-02-01 09:00:00",
    )
    for _ in range(5):
        body = {"profileId": profile["id"], "benefitId": forever["id"]}
        result = (await gql(REDEEM_BENEFIT, {"input": body}))["redeemBenefit"]
        assert result["benefit"]["redemptionsRemaining"] is None
    await gql(REDEEM_BENEFIT, {"input": {"profileId": profile["id"], "benefitId": once["id"]}})
    data = await gql(
        """query($id: ID!) { profile(id: $id) { balances { benefitBalance }
          active: benefits(status: [ACTIVE]) { nodes { id } }
          all: benefits { totalCount } } }""",
        {"id": profile["id"]},
    )
    assert data["profile"]["balances"]["benefitBalance"] == 1
    assert data["profile"]["active"]["nodes"] == [{"id": forever["id"]}]
    assert data["profile"]["all"]["totalCount"] == 3


async def test_expired_and_void_benefits_cannot_be_redeemed(gql, profile):
    definition = await create_benefit_definition(gql)
    expired = await issue_benefit(
        gql,
        profile["id"],
        definition["id"],
        issuedAt="2020-01-01 09:00:00",
        expiresAt="2020-02-01 09:00:00",
    )
    voided = await issue_benefit(gql, profile["id"], definition["id"])
    void = await gql(
        'mutation($id: ID!) { voidBenefit(input: {benefitId: $id, reason: "x"}) '
        "{ benefit { status } errors { code } } }",
        {"id": voided["id"]},
    )
    assert void["voidBenefit"] == {"benefit": {"status": "VOID"}, "errors": []}
    for benefit, code in ((expired, "BENEFIT_EXPIRED"), (voided, "BENEFIT_NOT_ACTIVE")):
        body = {"profileId": profile["id"], "benefitId": benefit["id"]}
        result = (await gql(REDEEM_BENEFIT, {"input": body}))["redeemBenefit"]
        assert result["errors"][0]["code"] == code


async def test_extend_benefits_once(gql, profile):
    definition = await create_benefit_definition(gql, period=10, isExtendable=True)
    fixed = await create_benefit_definition(gql, period=10)
    benefit = await issue_benefit(
        gql, profile["id"], definition["id"], expiresAt="2031-01-11 23:59:59"
    )
    locked = await issue_benefit(gql, profile["id"], fixed["id"])
    query = """mutation($input: ExtendBenefitsInput!) { extendBenefits(input: $input) {
      benefits { expiresLocalAt extendedAt } errors { code field } } }"""

    async def extend(ids: list[str]) -> dict:
        body = {"profileId": profile["id"], "ids": ids, "extendDays": 5}
        return (await gql(query, {"input": body}))["extendBenefits"]

    first = await extend([benefit["id"]])
    assert first["benefits"][0]["expiresLocalAt"] == "2031-01-16T23:59:59+11:00"
    assert (await extend([benefit["id"]]))["errors"] == [
        {"code": "ALREADY_EXTENDED", "field": "ids"}
    ]
    assert (await extend([locked["id"]]))["errors"] == [{"code": "NOT_EXTENDABLE", "field": "ids"}]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"handle": "bad handle"}, "INVALID_HANDLE", "handle"),
        ({"type": "money"}, "INVALID_INPUT", "type"),
        ({"maxRedemptions": 0}, "INVALID_INPUT", "maxRedemptions"),
        ({"claimCondition": {"nonsense_op": [1]}}, "INVALID_CONDITION", "claimCondition"),
        ({"claimCondition": "tier is gold"}, "INVALID_CONDITION", "claimCondition"),
        (
            {"claimCondition": {"rule": "spend", "value": "1000"}},
            "INVALID_CONDITION",
            "claimCondition",
        ),
        ({"claimCondition": {"==": [1]}}, "INVALID_CONDITION", "claimCondition"),
        (
            {
                "claimPeriodStartAt": "2030-01-02T00:00:00Z",
                "claimPeriodEndAt": "2030-01-01T00:00:00Z",
            },
            "INVALID_DATE",
            "claimPeriodEndAt",
        ),
    ],
)
async def test_bad_benefit_definitions(gql, fields, code, field):
    body = {"name": "Bad", "handle": unique("bad"), **fields}
    data = (await gql(CREATE_BENEFIT_DEFINITION, {"input": body}))["createBenefitDefinition"]
    assert data["errors"] == [{"code": code, "field": field}]


async def test_bad_issue_writes_nothing(gql, profile):
    before = await Benefit.all().count()
    for body, code, field in (
        ({"benefitDefinitionHandle": "nope"}, "NOT_FOUND", "benefitDefinitionHandle"),
        (
            {"benefitDefinitionId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"},
            "NOT_FOUND",
            "benefitDefinitionId",
        ),
        ({}, "INVALID_INPUT", "benefitDefinitionId"),
    ):
        data = await gql(
            ISSUE_BENEFIT, {"input": {"profileId": profile["id"], "timezone": "UTC", **body}}
        )
        assert [(e["code"], e["field"]) for e in data["issueBenefit"]["errors"]] == [(code, field)]
    assert await Benefit.all().count() == before
