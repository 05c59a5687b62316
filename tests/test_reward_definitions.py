"""Reward definitions: seeds 002 and 004 posted field for field, validation, lookups."""

import pytest

from loyalty_gateway.rewards.models import RewardDefinition
from tests.support import CREATE_DEFINITION as CREATE
from tests.support import DEFINITION_FIELDS, create_definition, unique

UPDATE = f"""
mutation($input: UpdateRewardDefinitionInput!) {{
  updateRewardDefinition(input: $input) {{
    rewardDefinition {{ {DEFINITION_FIELDS} }} errors {{ code message field }}
  }}
}}"""


def seed_002(handle: str) -> dict:
    """Seed 002's reward definition body, camelCased."""
    return {
        "name": "Birthday Reward",
        "handle": handle,
        "value": 20.00,
        "type": "fixed",
        "period": 30,
        "description": "A $20 birthday reward valid for 30 days.",
        "shortDescription": "$20 off your next purchase",
        "longDescription": "<p>Happy birthday! Enjoy $20 off your next in-store or online "
        "purchase.</p>",
        "termsConditions": "Single use. Cannot be combined with other offers.",
        "earnInstructions": "Automatically issued on your birthday.",
        "redeemInstructionsStore": "Present to staff at checkout.",
        "redeemInstructionsOnline": "Applied automatically at checkout.",
        "isAssignable": True,
        "isExtendable": True,
        "isReassignable": False,
        "isPublished": True,
        "tags": ["birthday", "member-benefit"],
    }


def seed_004(handle: str) -> dict:
    """Seed 004's reward definition body, camelCased (money as the string it posts)."""
    return {
        "name": "Birthday Reward",
        "handle": handle,
        "value": "10",
        "type": "birthday",
        "period": 30,
        "description": "Birthday reward valid for 30 days",
        "shortDescription": "It's your birthday! $10 for you!",
        "longDescription": "<p> Another year! enjoy $10 off your purchase </p>",
        "termsConditions": "Valid for 30 days",
        "earnInstructions": "Be a member with us, and receive $10 off on your B'day!",
        "icon": "https://example.com/icon",
        "imageUrl": "https://example.com/image",
        "internalNotes": "Available once per year",
        "isAssignable": True,
        "isReassignable": False,
        "isExtendable": False,
        "tags": ["bday", "anniversary"],
    }


@pytest.mark.parametrize("seed", [seed_002, seed_004])
async def test_seed_definitions_round_trip_field_for_field(gql, seed):
    sent = seed(unique("birthday-reward"))
    created = await create_definition(gql, **sent)
    expected = {**sent, "value": f"{float(sent['value']):.2f}"}
    assert {key: created[key] for key in sent} == expected
    assert created["periodType"] == "DAYS"
    by_handle = await gql(
        f"query($h: String) {{ rewardDefinition(handle: $h) {{ {DEFINITION_FIELDS} }} }}",
        {"h": sent["handle"]},
    )
    by_id = await gql(
        f"query($id: ID) {{ rewardDefinition(id: $id) {{ {DEFINITION_FIELDS} }} }}",
        {"id": created["id"]},
    )
    assert by_handle["rewardDefinition"] == by_id["rewardDefinition"] == created


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"handle": "has spaces"}, "INVALID_HANDLE", "handle"),
        ({"handle": "-leading-dash"}, "INVALID_HANDLE", "handle"),
        ({"handle": "ünïcode"}, "INVALID_HANDLE", "handle"),
        ({"value": "-5"}, "INVALID_AMOUNT", "value"),
        ({"value": "ten dollars"}, "INVALID_AMOUNT", "value"),
        ({"value": "1.005"}, "INVALID_AMOUNT", "value"),
        ({"value": "NaN"}, "INVALID_AMOUNT", "value"),
        ({"value": "1e999999"}, "INVALID_AMOUNT", "value"),
        ({"value": 1e15}, "INVALID_AMOUNT", "value"),
        ({"name": "n" * 300}, "INVALID_INPUT", "name"),
        ({"type": "mystery"}, "INVALID_INPUT", "type"),
        ({"period": -1}, "INVALID_INPUT", "period"),
        ({"periodType": "ABSOLUTE_DATE"}, "INVALID_INPUT", "absoluteExpiry"),
        ({"name": "  "}, "INVALID_INPUT", "name"),
    ],
)
async def test_bad_definition_input_is_a_user_error(gql, fields, code, field):
    before = await RewardDefinition.all().count()
    body = {"name": "Bad", "handle": unique("bad"), "value": "5", "type": "fixed", **fields}
    data = (await gql(CREATE, {"input": body}))["createRewardDefinition"]
    assert data["rewardDefinition"] is None
    [error] = data["errors"]
    assert (error["code"], error["field"]) == (code, field)
    assert await RewardDefinition.all().count() == before


async def test_duplicate_handle_is_refused(gql):
    existing = await create_definition(gql)
    body = {"name": "Copy", "handle": existing["handle"], "value": "1", "type": "fixed"}
    data = (await gql(CREATE, {"input": body}))["createRewardDefinition"]
    assert data["errors"][0]["code"] == "DUPLICATE_HANDLE"
    assert data["errors"][0]["field"] == "handle"


async def test_update_changes_given_fields_only(gql):
    created = await create_definition(gql, description="before", isPublished=False)
    data = await gql(UPDATE, {"input": {"id": created["id"], "value": 12.5, "isPublished": True}})
    updated = data["updateRewardDefinition"]["rewardDefinition"]
    assert (updated["value"], updated["isPublished"], updated["description"]) == (
        "12.50",
        True,
        "before",
    )


async def test_update_refuses_a_taken_handle_and_null_required_fields(gql):
    first = await create_definition(gql)
    second = await create_definition(gql)
    taken = await gql(UPDATE, {"input": {"id": second["id"], "handle": first["handle"]}})
    assert taken["updateRewardDefinition"]["errors"][0]["code"] == "DUPLICATE_HANDLE"
    nulled = await gql(UPDATE, {"input": {"id": second["id"], "periodType": None}})
    assert nulled["updateRewardDefinition"]["errors"][0]["field"] == "periodType"


async def test_list_filters_by_search_and_published(gql):
    tag = unique("listme")
    published = await create_definition(gql, name=f"{tag} shown", isPublished=True)
    await create_definition(gql, name=f"{tag} hidden", isPublished=False)
    query = """query($s: String, $p: Boolean) {
      rewardDefinitions(search: $s, isPublished: $p) { totalCount nodes { id } } }"""
    both = (await gql(query, {"s": tag}))["rewardDefinitions"]
    only = (await gql(query, {"s": tag, "p": True}))["rewardDefinitions"]
    assert both["totalCount"] == 2
    assert only["nodes"] == [{"id": published["id"]}]


async def test_lookup_needs_exactly_one_key_and_a_valid_id(gql):
    body = await gql.raw("{ rewardDefinition { id } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await gql.raw('{ rewardDefinition(id: "12") { id } }')
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
