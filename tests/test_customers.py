"""Customer tokens for frontend apps, API token management, and subscriptions that stop
when their token does."""

import asyncio
import json
from datetime import timedelta

import jwt

from loyalty_gateway.auth.service import _PROCESS_SECRET, CUSTOMER_AUDIENCE
from loyalty_gateway.core.time import utcnow
from tests.support import (
    award_points,
    connect,
    create_benefit_definition,
    create_profile,
)

CUSTOMER_TOKEN = """mutation($id: ID!, $ttl: Int!) {
  createCustomerToken(input: {profileId: $id, ttlSeconds: $ttl}) {
    token expiresAt errors { code field } } }"""
ME = """{ me { id email balances { pointBalance benefitBalance }
  rewards { totalCount } benefits { totalCount } claimableBenefits { handle }
  redemptions { totalCount } transactions { totalCount } } }"""


async def customer_token(gql, profile_id: str, ttl: int = 600) -> str:
    data = (await gql(CUSTOMER_TOKEN, {"id": profile_id, "ttl": ttl}))["createCustomerToken"]
    assert data["errors"] == []
    return data["token"]


async def test_me_shows_the_holders_own_profile_and_incentives(gql):
    profile = await create_profile(gql)
    await award_points(gql, profile["id"], 120)
    token = await customer_token(gql, profile["id"])
    me = (await gql(ME, token=token))["me"]
    assert me["id"] == profile["id"]
    assert me["balances"] == {"pointBalance": 120, "benefitBalance": 0}
    assert me["rewards"]["totalCount"] == 0


async def test_a_customer_can_do_nothing_else(gql):
    profile, other = await create_profile(gql), await create_profile(gql)
    token = await customer_token(gql, profile["id"])
    for query, variables in (
        ("query($id: ID!) { profile(id: $id) { id } }", {"id": profile["id"]}),
        ("query($id: ID!) { balances(profileId: $id) { pointBalance } }", {"id": other["id"]}),
        ("{ profiles { totalCount } }", {}),
        (
            """mutation($id: ID!) { awardPoints(input: {profileId: $id, points: 5, timezone: "UTC"})
            { errors { code } } }""",
            {"id": profile["id"]},
        ),
        (
            """mutation($id: ID!) { createCustomerToken(input: {profileId: $id}) { token } }""",
            {"id": other["id"]},
        ),
    ):
        body = await gql.raw(query, variables, token=token)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", query


async def test_a_customer_claims_for_itself_only(gql):
    definition = await create_benefit_definition(gql, isClaimable=True, isPublished=True)
    profile, other = await create_profile(gql), await create_profile(gql)
    token = await customer_token(gql, profile["id"])
    claim = """mutation($id: ID!, $h: String!) { claimBenefit(input: {profileId: $id,
      definitionHandle: $h, timezone: "UTC"}) { benefit { id } errors { code } } }"""
    mine = await gql(claim, {"id": profile["id"], "h": definition["handle"]}, token=token)
    assert mine["claimBenefit"]["errors"] == []
    theirs = await gql.raw(claim, {"id": other["id"], "h": definition["handle"]}, token=token)
    assert theirs["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    me = (await gql(ME, token=token))["me"]
    assert me["benefits"]["totalCount"] == 1 and me["balances"]["benefitBalance"] == 1


async def test_expired_or_forged_customer_tokens_are_unauthenticated(gql):
    profile = await create_profile(gql)
    now = utcnow()
    expired = jwt.encode(
        {"pid": profile["id"], "aud": CUSTOMER_AUDIENCE, "exp": now - timedelta(seconds=1)},
        _PROCESS_SECRET,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {"pid": profile["id"], "aud": CUSTOMER_AUDIENCE, "exp": now + timedelta(hours=1)},
        "not-the-key",
        algorithm="HS256",
    )
    for token in (expired, forged):
        body = await gql.raw(ME, token=token)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_customer_token_rules(gql, token_with):
    profile = await create_profile(gql)
    short = (await gql(CUSTOMER_TOKEN, {"id": profile["id"], "ttl": 5}))["createCustomerToken"]
    assert short["errors"] == [{"code": "INVALID_INPUT", "field": "ttlSeconds"}]
    missing = await gql(CUSTOMER_TOKEN, {"id": "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10", "ttl": 600})
    assert missing["createCustomerToken"]["errors"][0]["code"] == "NOT_FOUND"
    reader = await token_with("profiles:read")
    body = await gql.raw(CUSTOMER_TOKEN, {"id": profile["id"], "ttl": 600}, token=reader)
    assert body["errors"][0]["extensions"]["requiredScope"] == "tokens:write"
    admin_me = await gql.raw(ME)
    assert admin_me["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_api_tokens_are_managed_over_graphql(gql):
    created = (
        await gql("""mutation { createApiToken(input: {name: "till 7",
      scopes: [REDEMPTIONS_WRITE, PROFILES_READ]}) { apiToken { id scopes } token
      errors { code } } }""")
    )["createApiToken"]
    token = created["token"]
    assert (await gql("{ profiles(first: 1) { totalCount } }", token=token))["profiles"]
    listed = (await gql("{ apiTokens { id prefix revokedAt } }"))["apiTokens"]
    mine = next(t for t in listed if t["id"] == created["apiToken"]["id"])
    assert token.startswith(mine["prefix"]) and mine["revokedAt"] is None
    revoked = await gql(
        "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { revokedAt } } }",
        {"id": mine["id"]},
    )
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    body = await gql.raw("{ profiles(first: 1) { totalCount } }", token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert created["apiToken"]["scopes"] == ["PROFILES_READ", "REDEMPTIONS_WRITE"]
    bad = (
        await gql("""mutation { createApiToken(input: {name: "x", scopes: []})
      { token errors { code field } } }""")
    )["createApiToken"]
    assert bad == {"token": None, "errors": [{"code": "INVALID_INPUT", "field": "scopes"}]}
    unknown = await gql.raw(
        """mutation { createApiToken(input: {name: "x", scopes: [ROOT]}) { token } }"""
    )
    assert "data" not in unknown and "Scope" in unknown["errors"][0]["message"]


async def subscribe(server, token: str, query: str):
    socket = await connect(server, token)
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
    return socket


async def test_my_balances_streams_changes_to_the_customer(gql, server):
    profile = await create_profile(gql)
    token = await customer_token(gql, profile["id"])
    socket = await subscribe(server, token, "subscription { myBalances { pointBalance } }")
    try:
        first = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert first["payload"]["data"]["myBalances"] == {"pointBalance": 0}
        await award_points(gql, profile["id"], 40)
        second = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert second["payload"]["data"]["myBalances"] == {"pointBalance": 40}
    finally:
        await socket.close()


async def test_a_revoked_token_stops_its_subscription(gql, server):
    created = (
        await gql("""mutation { createApiToken(input: {name: "monitor",
      scopes: [REACTIONS_READ]}) { apiToken { id } token } }""")
    )["createApiToken"]
    socket = await subscribe(server, created["token"], "subscription { reactionLog { id } }")
    try:
        await asyncio.sleep(0.2)
        await gql(
            "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { id } } }",
            {"id": created["apiToken"]["id"]},
        )
        message = json.loads(await asyncio.wait_for(socket.recv(), 5))
    finally:
        await socket.close()
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
