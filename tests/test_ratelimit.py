"""Rate limits per caller, in one process and shared through Redis, over HTTP and WebSocket."""

import asyncio
import json
import os
import uuid

import httpx
import pytest
import websockets

from loyalty_gateway.app import create_app
from loyalty_gateway.settings import Settings
from tests.support import CLI, free_port

TOKEN = "limited-" + uuid.uuid4().hex
QUERY = {"query": "{ __typename }"}


async def post(client: httpx.AsyncClient, url: str = "/graphql") -> dict:
    response = await client.post(url, json=QUERY, headers={"Authorization": f"Bearer {TOKEN}"})
    return response.json()


def limited(body: dict) -> bool:
    return bool(body.get("errors")) and body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


@pytest.fixture
async def limited_server(tmp_path):
    """A separate `serve` with a burst of 3 and a slow refill."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'rl.db'}",
        "LOYALTY_ADMIN_TOKEN": TOKEN,
        "PORT": str(port),
        "RATE_LIMIT_BURST": "3",
        "RATE_LIMIT_PER_SECOND": "0.01",
        "DISPATCHER_IN_SERVE": "false",
    }
    process = await asyncio.create_subprocess_exec(
        CLI, "serve", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    async with asyncio.timeout(30):
        while b"Uvicorn running" not in await process.stdout.readline():
            pass
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    await process.wait()


async def test_the_bucket_empties_over_http_and_says_when_to_retry(limited_server):
    async with httpx.AsyncClient(base_url=limited_server) as client:
        bodies = [await post(client) for _ in range(4)]
    assert [limited(b) for b in bodies] == [False, False, False, True]
    assert bodies[3]["errors"][0]["extensions"]["retryAfter"] >= 1


async def test_operations_over_the_websocket_share_the_bucket(limited_server):
    async with httpx.AsyncClient(base_url=limited_server) as client:
        for _ in range(3):
            assert not limited(await post(client))
    socket = await websockets.connect(
        limited_server.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]
    )
    try:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}})
        )
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": QUERY}))
        reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
    finally:
        await socket.close()
    assert limited(reply["payload"])


async def test_redis_shares_one_bucket_between_processes():
    settings = Settings(
        database_url="sqlite://:memory:",
        loyalty_admin_token=TOKEN,
        rate_limit_burst=3,
        rate_limit_per_second=0.01,
        redis_url="redis://127.0.0.1:6379/0",
        rate_limit_prefix=f"test:{uuid.uuid4().hex}:",
    )
    first, second = create_app(settings), create_app(settings)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        for app in (first, second)
    ]
    try:
        bodies = [await post(clients[i % 2]) for i in range(4)]
    finally:
        for client in clients:
            await client.aclose()
    assert [limited(b) for b in bodies] == [False, False, False, True]


async def test_callers_have_their_own_buckets():
    app = create_app(
        Settings(
            database_url="sqlite://:memory:",
            loyalty_admin_token=TOKEN,
            rate_limit_burst=1,
            rate_limit_per_second=0.01,
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        assert not limited(await post(client))
        assert limited(await post(client))
        anonymous = (await client.post("/graphql", json=QUERY)).json()
    assert not limited(anonymous)
