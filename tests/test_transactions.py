"""Transactions over GraphQL, and seeds 003/004 ("Working with rewards") end to end."""

import pytest

from loyalty_gateway.events.models import Event
from loyalty_gateway.transactions.models import Transaction
from tests.support import (
    create_definition,
    create_profile,
    issue_reward,
    redeem,
    unique,
)

TRANSACTION_FIELDS = """
id externalId receiptRef total totalOriginal margin isVoid transactedAt transactedLocalAt
timezone locationId tags meta
items { name productVariantId sku quantity priceCurrent priceSell priceOriginal priceMargin
        isVoid isReturn tags }
profile { id }
redemption { id total type }
"""
CREATE = f"""mutation($input: CreateTransactionInput!) {{
  createTransaction(input: $input) {{
    transaction {{ {TRANSACTION_FIELDS} }} errors {{ code message field }}
  }}
}}"""
LINK = f"""mutation($input: LinkTransactionInput!) {{
  linkTransaction(input: $input) {{
    transaction {{ {TRANSACTION_FIELDS} }} errors {{ code message field }}
  }}
}}"""


def seed_004_transaction(profile_id: str, redemption_id: str | None, external_id: str) -> dict:
    """Seed 004's transaction body, camelCased, values exactly as the guide posts them."""
    body = {
        "total": "10",
        "profileId": profile_id,
        "transactedAt": "2021-02-10 00:00:00",
        "timezone": "Australia/Melbourne",
        "items": [
            {
                "name": "Birthday Cake",
                "productVariantId": "1",
                "quantity": "1",
                "priceCurrent": 9.99,
                "priceSell": 9.99,
                "isVoid": False,
                "priceOriginal": 9.99,
                "priceMargin": 1,
                "tags": ["birthday"],
            }
        ],
        "redemptionId": redemption_id,
        "externalId": external_id,
        "totalOriginal": 9.99,
        "isVoid": False,
        "margin": 1,
    }
    if redemption_id is None:
        body.pop("redemptionId")
    return body


async def create(gql, body: dict) -> dict:
    return (await gql(CREATE, {"input": body}))["createTransaction"]


async def test_seeds_003_004_working_with_rewards_end_to_end(gql, profile):
    definition = await create_definition(
        gql,
        name="Birthday Reward",
        handle=unique("birthday-reward"),
        value="10",
        type="birthday",
        period=30,
    )
    await issue_reward(
        gql,
        profile["id"],
        definition["id"],
        valueInitial="10",
        valueRemaining="10",
        issuedAt="2025-02-10 10:00:00",
        expiresAt="2040-02-10 12:59:59",
    )
    balances = (
        "query($id: ID!) { balances(profileId: $id) { rewardBalance pointBalance "
        "pointBalanceDollars combinedBalanceDollars } }"
    )
    assert (await gql(balances, {"id": profile["id"]}))["balances"] == {
        "rewardBalance": "10.00",
        "pointBalance": 0,
        "pointBalanceDollars": "0.00",
        "combinedBalanceDollars": "10.00",
    }
    redeemed = await redeem(gql, profile["id"], "10", strategies=["REWARDS"])
    assert redeemed["errors"] == []
    assert redeemed["balances"]["rewardBalance"] == "0.00"
    external_id = unique("91040123233311")
    posted = await create(
        gql, seed_004_transaction(profile["id"], redeemed["redemption"]["id"], external_id)
    )
    assert posted["errors"] == []
    transaction = posted["transaction"]
    assert transaction["redemption"] == {
        "id": redeemed["redemption"]["id"],
        "total": "10.00",
        "type": "REDEEM",
    }
    assert (transaction["total"], transaction["totalOriginal"], transaction["margin"]) == (
        "10.00",
        "9.99",
        "1.00",
    )
    assert transaction["transactedLocalAt"] == "2021-02-10T00:00:00+11:00"
    assert transaction["items"] == [
        {
            "name": "Birthday Cake",
            "productVariantId": "1",
            "sku": None,
            "quantity": "1",
            "priceCurrent": "9.99",
            "priceSell": "9.99",
            "priceOriginal": "9.99",
            "priceMargin": "1.00",
            "isVoid": False,
            "isReturn": False,
            "tags": ["birthday"],
        }
    ]
    read = await gql(
        "query($id: ID!) { redemption(id: $id) { transaction { externalId } } }",
        {"id": redeemed["redemption"]["id"]},
    )
    assert read["redemption"]["transaction"] == {"externalId": external_id}
    by_external = await gql(
        "query($e: String) { transaction(externalId: $e) { id } }", {"e": external_id}
    )
    assert by_external["transaction"]["id"] == transaction["id"]
    listed = await gql(
        "query($id: ID!) { profile(id: $id) { transactions { totalCount nodes { id } } } }",
        {"id": profile["id"]},
    )
    assert listed["profile"]["transactions"]["nodes"] == [{"id": transaction["id"]}]


async def test_transaction_created_event_has_fields_at_root_and_profile_nested(gql, profile):
    posted = await create(gql, seed_004_transaction(profile["id"], None, unique("ev")))
    event = await Event.get(name="transaction.created", profile_id=profile["id"])
    assert event.context["id"] == posted["transaction"]["id"]
    assert event.context["total"] == "10.00"
    assert event.context["items"][0]["name"] == "Birthday Cake"
    assert event.context["profile"]["profile_id"] == profile["id"]


async def test_same_external_id_returns_the_stored_transaction(gql, profile):
    body = seed_004_transaction(profile["id"], None, unique("ext"))
    first = await create(gql, body)
    again = await create(gql, body)
    assert again == first
    assert await Transaction.filter(external_id=body["externalId"]).count() == 1
    changed = await create(gql, {**body, "total": "11"})
    assert changed["transaction"] is None
    assert [(e["code"], e["field"]) for e in changed["errors"]] == [
        ("DUPLICATE_EXTERNAL_ID", "externalId")
    ]


async def test_a_repeated_sale_that_links_a_redemption_returns_the_stored_one(gql, profile):
    """The repeat's redemption is linked by then (to the stored sale): still the stored sale,
    not REDEMPTION_ALREADY_LINKED; with other content, DUPLICATE_EXTERNAL_ID."""
    redemption = await funded_redemption(gql, profile)
    body = seed_004_transaction(profile["id"], redemption["id"], unique("linked"))
    first = await create(gql, body)
    assert first["errors"] == [] and first["transaction"]["redemption"]["id"] == redemption["id"]
    assert await create(gql, body) == first
    changed = await create(gql, {**body, "total": "11"})
    assert [e["code"] for e in changed["errors"]] == ["DUPLICATE_EXTERNAL_ID"]


async def test_a_transaction_may_have_no_profile_and_no_items(gql):
    posted = await create(
        gql, {"total": "0", "transactedAt": "2024-05-01T10:00:00Z", "timezone": "UTC", "items": []}
    )
    assert posted["errors"] == []
    assert posted["transaction"]["profile"] is None and posted["transaction"]["items"] == []


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"total": "-1"}, "INVALID_AMOUNT", "total"),
        ({"timezone": "Atlantis/Capital"}, "INVALID_TIMEZONE", "timezone"),
        ({"profileId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "profileId"),
        ({"redemptionId": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"}, "NOT_FOUND", "redemptionId"),
        (
            {"items": [{"name": "x", "quantity": "-1", "priceCurrent": 1, "priceSell": 1}]},
            "INVALID_INPUT",
            "items.0.quantity",
        ),
        (
            {"items": [{"name": "x", "quantity": 1, "priceCurrent": "1.234", "priceSell": 1}]},
            "INVALID_AMOUNT",
            "items.0.priceCurrent",
        ),
    ],
)
async def test_bad_transaction_input_writes_nothing(gql, profile, change, code, field):
    before = await Transaction.all().count()
    body = {**seed_004_transaction(profile["id"], None, unique("bad")), **change}
    result = await create(gql, body)
    assert result["transaction"] is None
    assert [(e["code"], e["field"]) for e in result["errors"]] == [(code, field)]
    assert await Transaction.all().count() == before


async def funded_redemption(gql, profile: dict, amount: str = "5") -> dict:
    definition = await create_definition(gql, period=None)
    await issue_reward(gql, profile["id"], definition["id"], valueInitial=amount)
    result = await redeem(gql, profile["id"], amount)
    assert result["errors"] == []
    return result["redemption"]


async def test_link_transaction_rules(gql, profile):
    other = await create_profile(gql)
    redemption = await funded_redemption(gql, profile)
    mine = (await create(gql, seed_004_transaction(profile["id"], None, unique("a"))))[
        "transaction"
    ]
    theirs = (await create(gql, seed_004_transaction(other["id"], None, unique("b"))))[
        "transaction"
    ]

    async def link(transaction_id: str, redemption_id: str) -> dict:
        body = {"transactionId": transaction_id, "redemptionId": redemption_id}
        return (await gql(LINK, {"input": body}))["linkTransaction"]

    mismatch = await link(theirs["id"], redemption["id"])
    assert [(e["code"], e["field"]) for e in mismatch["errors"]] == [
        ("PROFILE_MISMATCH", "redemptionId")
    ]
    linked = await link(mine["id"], redemption["id"])
    assert linked["errors"] == []
    assert linked["transaction"]["redemption"]["id"] == redemption["id"]
    second = (await create(gql, seed_004_transaction(profile["id"], None, unique("c"))))[
        "transaction"
    ]
    taken = await link(second["id"], redemption["id"])
    assert taken["errors"][0]["code"] == "REDEMPTION_ALREADY_LINKED"
    via_create = await create(
        gql, seed_004_transaction(profile["id"], redemption["id"], unique("d"))
    )
    assert via_create["errors"][0]["code"] == "REDEMPTION_ALREADY_LINKED"
    another = await funded_redemption(gql, profile)
    occupied = await link(mine["id"], another["id"])
    assert occupied["errors"][0]["code"] == "TRANSACTION_ALREADY_LINKED"


async def test_a_reversed_redemption_cannot_be_linked(gql, profile):
    redemption = await funded_redemption(gql, profile)
    await gql(
        "mutation($id: ID!) { reverseRedemption(input: {redemptionId: $id}) { errors { code } } }",
        {"id": redemption["id"]},
    )
    result = await create(gql, seed_004_transaction(profile["id"], redemption["id"], unique("rev")))
    assert [(e["code"], e["field"]) for e in result["errors"]] == [
        ("REDEMPTION_REVERSED", "redemptionId")
    ]


async def test_transaction_lookup_needs_one_key(gql):
    body = await gql.raw("{ transaction { id } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


BY_EXTERNAL_ID = """query($e: String) { transaction(externalId: $e) { redemption { id } } }"""


async def funded_profile(gql) -> dict:
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="20")
    await issue_reward(gql, profile["id"], definition["id"])
    return profile


async def test_a_redemption_naming_an_existing_transaction_links_at_once(gql):
    profile = await funded_profile(gql)
    external_id = unique("POS")
    assert (await create(gql, seed_004_transaction(profile["id"], None, external_id)))[
        "errors"
    ] == []
    taken = await redeem(gql, profile["id"], "5", transactionExternalId=external_id)
    assert taken["errors"] == []
    linked = await gql(BY_EXTERNAL_ID, {"e": external_id})
    assert linked["transaction"]["redemption"] == {"id": taken["redemption"]["id"]}


async def test_a_transaction_created_later_links_to_the_redemption_that_named_it(gql):
    profile = await funded_profile(gql)
    external_id = unique("POS")
    taken = await redeem(gql, profile["id"], "5", transactionExternalId=external_id)
    assert taken["errors"] == []
    created = await create(gql, seed_004_transaction(profile["id"], None, external_id))
    assert created["errors"] == []
    assert created["transaction"]["redemption"]["id"] == taken["redemption"]["id"]


async def test_naming_another_profiles_transaction_is_refused_and_changes_nothing(gql):
    owner, other = await create_profile(gql), await funded_profile(gql)
    external_id = unique("POS")
    await create(gql, seed_004_transaction(owner["id"], None, external_id))
    refused = await redeem(gql, other["id"], "5", transactionExternalId=external_id)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("PROFILE_MISMATCH", "transactionExternalId")
    ]
    assert (await redeem(gql, other["id"], "20"))["errors"] == []  # all 20.00 still there
    assert (await gql(BY_EXTERNAL_ID, {"e": external_id}))["transaction"]["redemption"] is None
