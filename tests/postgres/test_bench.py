"""The benchmark runs on the current code: its seed writes what the schema holds, and the
gateway starts as the bench starts it and reads a seeded profile; the ledger check finds
nothing wrong."""

import asyncio

import httpx
from bench.run import gateway_command, ledger_violations, start
from bench.seed import REWARDS_PER_PROFILE, seed

from tests.conftest import own_server
from tests.support import ADMIN_TOKEN, GraphQLClient, free_port


async def test_the_bench_seeds_and_starts_the_gateway(tmp_path):
    async with own_server(tmp_path) as server, httpx.AsyncClient(timeout=30) as http:
        dsn = server.settings.database_url
        ids = await seed(dsn, 3)
        port = free_port()
        env = {"DATABASE_URL": dsn, "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN}
        bench = await asyncio.to_thread(start, gateway_command(port, 1), env, port)
        try:
            gql = GraphQLClient(http, f"http://127.0.0.1:{port}/graphql")
            found = await gql(
                """query($id: ID!) { profile(id: $id) { balances { pointBalance }
                rewards { totalCount } } }""",
                {"id": str(ids[0])},
            )
        finally:
            bench.terminate()
            await asyncio.to_thread(bench.wait, 10)
        assert found["profile"]["balances"]["pointBalance"] == 1500
        assert found["profile"]["rewards"]["totalCount"] == REWARDS_PER_PROFILE
        assert await ledger_violations(dsn) == 0
