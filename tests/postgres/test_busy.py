"""A profile whose row lock is held too long (a stuck till, a long transaction elsewhere):
a write that needs it gives up after LOCK_TIMEOUT_SECONDS with BUSY and a Retry-After,
writes nothing, and goes through once the lock is free."""

import asyncio
import time

import asyncpg
import httpx

from tests.conftest import own_server
from tests.support import ADMIN_TOKEN, REDEEM, GraphQLClient, award_points, create_profile

HOLD = "SELECT 1 FROM profile WHERE id = $1 FOR UPDATE"


async def test_a_held_profile_lock_gives_busy_not_a_hung_request(tmp_path):
    env = {"LOCK_TIMEOUT_SECONDS": "0.5"}
    async with own_server(tmp_path, **env) as server, httpx.AsyncClient(timeout=30) as http:
        gql = GraphQLClient(http, server.graphql_url)
        profile = await create_profile(gql)
        await award_points(gql, profile["id"], 500)
        redeem = {"profileId": profile["id"], "amount": "1.00", "strategies": ["POINTS"]}
        holder = await asyncpg.connect(server.settings.database_url)
        try:
            async with holder.transaction():
                await holder.execute(HOLD, profile["id"])
                started = time.monotonic()
                response = await asyncio.wait_for(
                    http.post(
                        server.graphql_url,
                        json={"query": REDEEM, "variables": {"input": redeem}},
                        headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
                    ),
                    10,
                )
                waited = time.monotonic() - started
        finally:
            await holder.close()
        answer = response.json()
        assert answer["errors"][0]["extensions"] == {"code": "BUSY", "retryAfter": 1}, answer
        assert response.headers["retry-after"] == "1"
        assert 0.4 < waited < 5
        balances = await gql(
            "query($id: ID!) { profile(id: $id) { balances { pointBalance } } }",
            {"id": profile["id"]},
        )
        assert balances["profile"]["balances"]["pointBalance"] == 500
        redeemed = (await gql(REDEEM, {"input": redeem}))["redeem"]
        assert redeemed["errors"] == [] and redeemed["balances"]["pointBalance"] == 400
