"""graphql-transport-ws as clients meet it: a socket's token is checked before every
operation and watched while the socket is open (a revoked or expired token closes it with
4403 after saying why), a document that does not parse gets an `error` frame, and an idle
socket is pinged."""

import asyncio
import json
from datetime import timedelta

import httpx
import jwt
from websockets.exceptions import ConnectionClosed

from loyalty_gateway.auth.service import _PROCESS_SECRET, CUSTOMER_AUDIENCE
from loyalty_gateway.core.time import utcnow
from tests.conftest import own_server
from tests.support import (
    ADMIN_TOKEN,
    GraphQLClient,
    connect,
    create_profile,
    run_sql,
    unique,
)

REVOKE = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { apiToken { id } } }"
CREATE = """mutation($email: String!) { createProfile(input: {firstName: "Ws", lastName: "Socket",
  email: $email}) { profile { id } errors { code } } }"""
OPERATIONS = {
    "query": ("{ profiles(first: 1) { totalCount } }", {}),
    "mutation": (CREATE, {"email": "socket@example.com"}),
    "subscription": ("subscription { reactionLog { id } }", {}),
}


async def stored_token(gql) -> tuple[str, str]:
    created = (
        await gql(
            """mutation($name: String!) { createApiToken(input: {name: $name,
          scopes: [PROFILES_READ, PROFILES_WRITE, REACTIONS_READ]}) {
          apiToken { id } token } }""",
            {"name": unique("socket")},
        )
    )["createApiToken"]
    return created["apiToken"]["id"], created["token"]


async def send(socket, id: str, query: str, variables: dict | None = None) -> None:
    payload = {"query": query, "variables": variables or {}}
    await socket.send(json.dumps({"id": id, "type": "subscribe", "payload": payload}))


async def receive(socket, within: float = 5) -> dict:
    return json.loads(await asyncio.wait_for(socket.recv(), within))


async def closed_with(socket, within: float = 5) -> tuple[list[dict], int | None, str]:
    """The frames that came before the socket closed, and how it closed."""
    frames = []
    try:
        while True:
            frames.append(await receive(socket, within))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None
        return frames, closed.rcvd.code, closed.rcvd.reason


def unauthenticated(frame: dict, id: str) -> bool:
    return (
        frame["id"] == id
        and frame["type"] == "error"
        and frame["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )


async def test_a_token_revoked_unheard_runs_nothing_more_on_its_open_socket(tmp_path):
    """Revoked where this process does not hear it (another process, a missed NOTIFY), with
    no token cache and no watch due for ten minutes: the next operation finds it out."""
    env = {"SUBSCRIPTION_CHECK_SECONDS": "600", "TOKEN_CACHE_SECONDS": "0"}
    async with own_server(tmp_path, **env) as own, httpx.AsyncClient(timeout=10) as http:
        own_gql = GraphQLClient(http, own.graphql_url)
        for kind, (query, variables) in sorted(OPERATIONS.items()):
            token_id, token = await stored_token(own_gql)
            socket = await connect(own, token)
            await send(socket, "before", "{ profiles(first: 1) { totalCount } }")
            assert (await receive(socket))["type"] == "next"
            assert (await receive(socket))["type"] == "complete"
            revoked = f"UPDATE api_token SET revoked_at = CURRENT_TIMESTAMP WHERE id = '{token_id}'"
            await run_sql(own.settings.database_url, revoked)
            email = unique("revoked") + "@example.com"
            await send(socket, "after", query, {**variables, "email": email})
            frames, code, reason = await closed_with(socket)
            assert code == 4403 and "revoked" in reason, kind
            assert [frame["type"] for frame in frames] == ["error"], kind
            assert unauthenticated(frames[0], "after"), kind
        found = await own_gql(
            "query($s: String) { profiles(search: $s) { totalCount } }", {"s": "revoked"}
        )
        assert found["profiles"]["totalCount"] == 0


async def test_revoking_closes_an_open_subscription_at_once(gql, tmp_path):
    env = {"SUBSCRIPTION_CHECK_SECONDS": "600"}
    async with own_server(tmp_path, **env) as own, httpx.AsyncClient(timeout=10) as http:
        own_gql = GraphQLClient(http, own.graphql_url)
        token_id, token = await stored_token(own_gql)
        socket = await connect(own, token)
        await send(socket, "log", "subscription { reactionLog { id } }")
        await asyncio.sleep(0.3)
        await own_gql(REVOKE, {"id": token_id})
        frames, code, _ = await closed_with(socket, within=3)
    assert code == 4403
    assert any(unauthenticated(frame, "log") for frame in frames)


async def test_an_expiring_customer_token_closes_its_socket_when_it_expires(gql, server):
    profile = await create_profile(gql)
    now = utcnow()
    claims = {
        "pid": profile["id"],
        "aud": CUSTOMER_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(seconds=2),
    }
    token = jwt.encode(claims, _PROCESS_SECRET, algorithm="HS256")
    socket = await connect(server, token)
    await send(socket, "me", "{ me { id } }")
    assert (await receive(socket))["payload"]["data"]["me"]["id"] == profile["id"]
    assert (await receive(socket))["type"] == "complete"
    await send(socket, "balances", "subscription { myBalances { pointBalance } }")
    assert (await receive(socket))["payload"]["data"]["myBalances"] == {"pointBalance": 0}
    frames, code, reason = await closed_with(socket, within=5)
    assert code == 4403 and "expired" in reason
    assert any(unauthenticated(frame, "balances") for frame in frames)
    assert utcnow() >= claims["exp"].replace(microsecond=0)  # a JWT's `exp` is in seconds


async def test_an_admin_socket_keeps_working(server):
    socket = await connect(server, ADMIN_TOKEN)
    try:
        for id in ("1", "2"):
            await send(socket, id, "{ profiles(first: 1) { totalCount } }")
            assert (await receive(socket))["type"] == "next"
            assert (await receive(socket))["type"] == "complete"
    finally:
        await socket.close()


async def test_a_document_that_does_not_parse_gets_an_error_frame(server):
    socket = await connect(server)
    try:
        await send(socket, "bad", "{ profiles(first: 1) { totalCount }")
        frame = await receive(socket)
        assert frame["type"] == "error" and frame["id"] == "bad"
        assert "Syntax Error" in frame["payload"][0]["message"]
        await send(socket, "good", "{ profiles(first: 1) { totalCount } }")
        assert (await receive(socket))["type"] == "next"
    finally:
        await socket.close()


async def test_an_idle_socket_is_pinged(tmp_path):
    async with own_server(tmp_path, WS_PING_SECONDS="0.5") as own:
        socket = await connect(own)
        try:
            frame = await receive(socket, within=3)
            assert frame == {"type": "ping"}
            await socket.send(json.dumps({"type": "pong"}))
            await send(socket, "q", "{ profiles(first: 1) { totalCount } }")
            assert (await receive(socket))["type"] == "next"
        finally:
            await socket.close()
