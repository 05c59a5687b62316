"""`myBalances` tells a customer of a change as soon as it is written, whatever
SUBSCRIPTION_CHECK_SECONDS says, and otherwise reads balances only every
SUBSCRIPTION_CHECK_SECONDS (it used to read them every second). Run on a server of its own,
with a check interval far longer than the test."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import Server, own_server
from tests.support import (
    GraphQLClient,
    award_points,
    connect,
    create_profile,
    run_sql,
)

CHECK_SECONDS = 30


@pytest.fixture
async def slow_checks(tmp_path) -> AsyncIterator[Server]:
    """A server of its own whose subscriptions recheck every CHECK_SECONDS."""
    async with own_server(tmp_path, SUBSCRIPTION_CHECK_SECONDS=str(CHECK_SECONDS)) as server:
        yield server


async def expire_behind_the_api(database_url: str, lot_id: str) -> None:
    """What time does to a lot, which no event announces: it expires."""
    expired = "UPDATE point_lot SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = "
    await run_sql(database_url, f"{expired}'{lot_id}'")


async def test_a_change_is_told_at_once_and_nothing_else_is_read_early(slow_checks):
    async with httpx.AsyncClient(timeout=30) as http:
        gql = GraphQLClient(http, slow_checks.graphql_url)
        profile = (await create_profile(gql))["id"]
        token = (
            await gql(
                "mutation($id: ID!) { createCustomerToken(input: {profileId: $id}) { token } }",
                {"id": profile},
            )
        )["createCustomerToken"]["token"]
        socket = await connect(slow_checks, token)
        try:
            query = "subscription { myBalances { pointBalance } }"
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": query}}
            await socket.send(json.dumps(subscribe))

            async def next_balance(within: float) -> int:
                message = json.loads(await asyncio.wait_for(socket.recv(), within))
                return message["payload"]["data"]["myBalances"]["pointBalance"]

            assert await next_balance(5) == 0
            lot = await award_points(gql, profile, 40)
            assert await next_balance(3) == 40  # at once, not after CHECK_SECONDS
            await expire_behind_the_api(slow_checks.settings.database_url, lot["id"])
            with pytest.raises(TimeoutError):  # read again only at the next check
                await next_balance(2.5)
        finally:
            await socket.close()
