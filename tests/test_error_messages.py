"""Error messages say what happened."""

import asyncio
import json
import logging
import uuid

from tests.support import ADMIN_TOKEN, connect, create_profile

PROFILES = "{ profiles(first: 1) { totalCount } }"


async def test_an_invalid_token_is_told_apart_from_a_missing_one(gql, token_with):
    missing = await gql.raw(PROFILES, token=None)
    assert missing["errors"][0]["message"].startswith("Authentication required")
    unknown = await gql.raw(PROFILES, token="lgw_not-a-token")
    assert unknown["errors"][0]["message"] == (
        "The bearer token is not valid: unknown, revoked or expired"
    )
    assert unknown["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    token = await token_with("profiles:read")
    [listed] = [t for t in (await gql("{ apiTokens { id prefix } }"))["apiTokens"]
                if token.startswith(t["prefix"]) and t["prefix"]]  # fmt: skip
    await gql(
        "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { errors { code } } }",
        {"id": listed["id"]},
    )
    revoked = await gql.raw(PROFILES, token=token)
    assert "revoked" in revoked["errors"][0]["message"]


async def test_a_customer_is_told_it_cannot_list_definitions(gql):
    profile = await create_profile(gql)
    token = (
        await gql(
            "mutation($id: ID!) { createCustomerToken(input: {profileId: $id}) { token } }",
            {"id": profile["id"]},
        )
    )["createCustomerToken"]["token"]
    body = await gql.raw("{ rewardDefinitions { totalCount } }", token=token)
    assert body["errors"][0]["message"] == "Customer tokens cannot use rewardDefinitions"
    other = await create_profile(gql)
    body = await gql.raw(
        "query($id: ID!) { profile(id: $id) { id } }", {"id": other["id"]}, token=token
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_bad_after_id_is_called_a_log_entry_id(server):
    socket = await connect(server)
    try:
        query = 'subscription { reactionLog(afterId: "abc") { id } }'
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
    finally:
        await socket.close()
    errors = reply["payload"] if reply["type"] == "error" else reply["payload"]["errors"]
    assert errors[0]["message"] == (
        "'abc' is not a valid afterId (an id such as 'ReactionLogEntry:26')"
    )


async def test_unknown_action_arguments_are_refused_with_the_known_ones(gql):
    reaction = {
        "name": "typo",
        "trigger": "custom.typo",
        "actions": [
            {"name": "benefit.create", "sortOrder": 1,
             "arguments": [{"name": "profile_id", "value": {"var": "profile_id"},
                            "isDynamic": True},
                           {"name": "definition", "value": "welcome"},
                           {"name": "definiton_handle", "value": "welcome"}]}
        ],
    }  # fmt: skip
    data = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { reaction { id } errors { code message field } } }""",
        {"input": reaction},
    )
    assert data["createReaction"]["errors"] == [
        {
            "code": "INVALID_INPUT",
            "message": "benefit.create has no argument(s) definiton_handle; "
            "known: definition, profile_id, timezone",
            "field": "actions.0.arguments",
        }
    ]


async def test_what_the_client_caused_is_logged_at_info_without_a_traceback(gql, caplog):
    requests = [
        ("{ profiles(first: 1) { totalCount } }", {}, "not-a-token"),
        ("{ profiles(first: 1) { totalCount }", {}, ADMIN_TOKEN),
        ("{ noSuchField }", {}, ADMIN_TOKEN),
        (
            'mutation($p: ID!) { redeem(input: {profileId: $p, amount: "1.00"}) '
            "{ errors { code } } }",
            {"p": str(uuid.uuid4())},
            ADMIN_TOKEN,
        ),
    ]
    for query, variables, token in requests:
        with caplog.at_level(logging.INFO, logger="loyalty_gateway"):
            caplog.clear()
            await gql.raw(query, variables, token=token)
            said = [r for r in caplog.records if r.name.startswith("loyalty_gateway.graphql")]
        assert [r.levelno for r in said] == [logging.INFO], (query, said)
        assert said[0].exc_info is None
