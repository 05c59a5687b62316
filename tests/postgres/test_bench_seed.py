"""The benchmark's seed writes what the current schema holds: the gateway reads a seeded
profile's balances and the ledger check finds nothing wrong."""

import httpx
from bench.run import ledger_violations
from bench.seed import REWARDS_PER_PROFILE, seed

from tests.conftest import own_server
from tests.support import GraphQLClient


async def test_the_bench_seed_matches_the_schema(tmp_path):
    async with own_server(tmp_path) as server, httpx.AsyncClient(timeout=30) as http:
        dsn = server.settings.database_url
        ids = await seed(dsn, 3)
        gql = GraphQLClient(http, server.graphql_url)
        found = await gql(
            """query($id: ID!) { profile(id: $id) { balances { pointBalance }
            rewards { totalCount } } }""",
            {"id": str(ids[0])},
        )
        assert found["profile"]["balances"]["pointBalance"] == 1500
        assert found["profile"]["rewards"]["totalCount"] == REWARDS_PER_PROFILE
        assert await ledger_violations(dsn) == 0
