"""Every operation needs a bearer token with the right scope."""

import hashlib

from loyalty_gateway.auth.models import ApiToken
from loyalty_gateway.auth.service import revoke_token
from tests.support import unique

PROFILES = "{ profiles(first: 1) { totalCount } }"
CREATE_PROFILE = """
mutation($input: CreateProfileInput!) {
  createProfile(input: $input) { profile { id } errors { code } }
}"""


async def test_missing_token_is_unauthenticated(gql):
    body = await gql.raw(PROFILES, token=None)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unknown_token_is_unauthenticated(gql):
    body = await gql.raw(PROFILES, token="lgw_not-a-real-token")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_missing_scope_is_forbidden_and_names_the_scope(gql, token_with):
    token = await token_with("definitions:read")
    body = await gql.raw(PROFILES, token=token)
    error = body["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN", "requiredScope": "profiles:read"}
    assert "profiles:read" in error["message"]


async def test_read_scope_does_not_allow_writes(gql, token_with):
    token = await token_with("profiles:read")
    assert (await gql(PROFILES, token=token))["profiles"]["totalCount"] >= 0
    body = await gql.raw(
        CREATE_PROFILE, {"input": {"email": f"{unique('r')}@example.com"}}, token=token
    )
    assert body["errors"][0]["extensions"]["requiredScope"] == "profiles:write"
    assert body["data"] is None


async def test_nested_rewards_need_their_own_scope(gql, token_with):
    query = "{ profiles(first: 1) { nodes { id rewards { totalCount } } } }"
    await gql(CREATE_PROFILE, {"input": {"email": f"{unique('n')}@example.com"}})
    reader = await token_with("profiles:read")
    body = await gql.raw(query, token=reader)
    assert body["errors"][0]["extensions"]["requiredScope"] == "rewards:read"
    both = await token_with("profiles:read", "rewards:read")
    assert "rewards" in (await gql(query, token=both))["profiles"]["nodes"][0]


async def test_admin_scope_allows_everything(gql, token_with):
    token = await token_with("admin")
    data = await gql(CREATE_PROFILE, {"input": {"email": f"{unique('a')}@example.com"}}, token)
    assert data["createProfile"]["errors"] == []


async def test_tokens_are_stored_hashed_and_record_last_use(gql, token_with):
    token = await token_with("profiles:read")
    stored = await ApiToken.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
    assert token not in (stored.token_hash, stored.prefix)
    assert stored.last_used_at is None
    await gql(PROFILES, token=token)
    await stored.refresh_from_db()
    assert stored.last_used_at is not None


async def test_revoked_token_is_unauthenticated(gql, token_with):
    token = await token_with("profiles:read")
    await gql(PROFILES, token=token)
    stored = await ApiToken.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
    await revoke_token(str(stored.id))
    body = await gql.raw(PROFILES, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
