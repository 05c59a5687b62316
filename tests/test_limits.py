"""Every limit, exceeded over HTTP and over the WebSocket."""

import asyncio
import json

import httpx
import pytest
import websockets

from loyalty_gateway.graphql.pipeline import _validate
from tests.conftest import CORS_ORIGIN
from tests.support import ADMIN_TOKEN, connect, ws_url


def deep_query(levels: int) -> str:
    """profile { rewards { nodes { profile { rewards { … } } } } } nested `levels` deep."""
    inner = "id"
    for _ in range(levels // 3):
        inner = f"rewards {{ nodes {{ profile {{ {inner} }} }} }}"
    return f'{{ profile(id: "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10") {{ {inner} }} }}'


TOO_DEEP = deep_query(12)
TOO_MANY_ALIASES = "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
TOO_MANY_TOKENS = "{ " + " ".join("__typename" for _ in range(2100)) + " }"
TOO_COSTLY = "{ profiles(first: 100) { nodes { rewards(first: 100) { nodes { id } } } } }"
FINE = "{ profiles(first: 100) { nodes { rewards(first: 40) { nodes { id } } } } }"

CASES = [
    pytest.param(TOO_DEEP, "exceeds maximum operation depth", id="depth"),
    pytest.param(TOO_MANY_ALIASES, "aliases", id="aliases"),
    pytest.param(TOO_MANY_TOKENS, "token", id="tokens"),
    pytest.param(TOO_COSTLY, "the limit is 5000", id="cost"),
]


@pytest.mark.parametrize(("query", "message"), CASES)
async def test_limits_over_http(gql, query, message):
    body = await gql.raw(query)
    assert body.get("data") is None
    assert message in body["errors"][0]["message"]


@pytest.mark.parametrize(("query", "message"), [CASES[0], CASES[3]])
async def test_a_query_over_a_limit_is_refused_before_validation_every_time(gql, query, message):
    query = f"{query} # repeated"
    before = _validate.cache_info()
    answers = [(await gql.raw(query))["errors"] for _ in range(3)]
    assert message in answers[0][0]["message"]
    assert answers[0] == answers[1] == answers[2]
    after = _validate.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (0, 0)


async def test_a_repeated_query_is_validated_once(gql):
    query = f"{FINE} # repeated"
    before = _validate.cache_info()
    for _ in range(3):
        await gql(query)
    after = _validate.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 2)


async def test_a_query_within_the_cost_limit_runs(gql):
    assert "profiles" in await gql(FINE)


async def test_the_cost_of_one_text_follows_its_first_variables_every_time(gql):
    """The shapes are kept per query text, and per value of the variables given as `first`."""
    query = """query($outer: Int, $inner: Int) { profiles(first: $outer) { nodes {
      rewards(first: $inner) { nodes { id } } } } } # cost by variables"""
    costs = []
    for outer, inner in ((100, 40), (100, 100), (100, 40), (10, 100), (100, 100)):
        body = await gql.raw(query, {"outer": outer, "inner": inner})
        error = (body.get("errors") or [{}])[0].get("extensions", {})
        costs.append(error.get("cost"))
    assert costs == [None, 10100, None, None, 10100]


async def test_cost_errors_say_how_costly(gql):
    error = (await gql.raw(TOO_COSTLY))["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 10100, "maxCost": 5000}


async def test_a_body_over_one_megabyte_is_refused(http, server):
    padding = "x" * 1_000_100
    response = await http.post(
        server.graphql_url,
        json={"query": "{ __typename }", "variables": {"pad": padding}},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_non_json_posts_are_refused(http, server, content_type):
    response = await http.post(
        server.graphql_url,
        content=b"query={ __typename }",
        headers={"Content-Type": content_type, "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 415


async def test_get_cannot_run_operations(http, server):
    response = await http.get(
        server.graphql_url,
        params={"query": "{ __typename }"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code in (400, 405)
    mutation = await http.get(
        server.graphql_url,
        params={
            "query": 'mutation { createProfile(input: {email: "g@x.com"}) { errors { code } } }'
        },
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert mutation.status_code in (400, 405)


async def over_socket(socket, query: str, op_id: str = "1") -> dict:
    await socket.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    message = json.loads(await asyncio.wait_for(socket.recv(), 5))
    return message


@pytest.mark.parametrize(("query", "message"), CASES)
async def test_limits_over_the_websocket(server, query, message):
    socket = await connect(server)
    try:
        reply = await over_socket(socket, query)
    finally:
        await socket.close()
    if reply["type"] == "complete":  # strawberry ends an unparsable document without a reason
        assert message == "token"
        return
    errors = reply["payload"] if reply["type"] == "error" else reply["payload"]["errors"]
    assert message in errors[0]["message"]


async def test_scopes_hold_over_the_websocket(server, token_with):
    socket = await connect(server, token=await token_with("profiles:read"))
    try:
        reply = await over_socket(
            socket,
            'mutation { createProfile(input: {email: "ws@example.com"}) { errors { code } } }',
        )
    finally:
        await socket.close()
    assert reply["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_foreign_origin_is_refused(server):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            ws_url(server), subprotocols=["graphql-transport-ws"], origin="https://evil.example"
        )
    assert refused.value.response.status_code == 403
    allowed = await connect(server, origin=CORS_ORIGIN)
    await allowed.close()


async def test_connection_init_must_come_in_time(server):
    socket = await websockets.connect(ws_url(server), subprotocols=["graphql-transport-ws"])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd.code == 4408


async def test_at_most_twenty_subscriptions_per_connection(server):
    socket = await connect(server)
    try:
        for index in range(20):
            await socket.send(
                json.dumps(
                    {
                        "id": str(index),
                        "type": "subscribe",
                        "payload": {"query": "subscription { reactionLog { id } }"},
                    }
                )
            )
        reply = await over_socket(socket, "subscription { reactionLog { id } }", op_id="20")
    finally:
        await socket.close()
    assert reply["type"] == "error"
    assert "limit" in reply["payload"][0]["message"].lower()


async def test_unauthenticated_http_is_refused_before_limits_leak_data(http, server):
    response = await http.post(server.graphql_url, json={"query": "{ profiles { totalCount } }"})
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert isinstance(response, httpx.Response)


async def test_batched_requests_are_refused(http, server):
    response = await http.post(
        server.graphql_url,
        json=[{"query": "{ __typename }"}, {"query": "{ __typename }"}],
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    assert response.status_code == 400


async def test_the_legacy_graphql_ws_protocol_is_not_spoken(server):
    socket = await websockets.connect(ws_url(server), subprotocols=["graphql-ws"])
    try:
        assert socket.subprotocol is None
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            await asyncio.wait_for(socket.recv(), 5)
    finally:
        await socket.close()
    assert closed.value.rcvd.code == 4406
