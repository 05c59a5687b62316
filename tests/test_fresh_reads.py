"""Reads after a change see the change: DataLoaders live for one operation, and for one
mutation of a document with several (mutations run one after another)."""

import asyncio
import json

from tests.support import connect, create_definition, create_profile, issue_reward, redeem

TWO_REDEMPTIONS = """mutation($p: ID!) {
  first: redeem(input: {profileId: $p, amount: "1.00"}) {
    redemption { profile { balances { rewardBalance } } } balances { rewardBalance } }
  second: redeem(input: {profileId: $p, amount: "2.00"}) {
    redemption { profile { balances { rewardBalance } } } balances { rewardBalance } }
}"""
BALANCE = 'query { profile(id: "%s") { balances { rewardBalance } } }'


async def profile_with_ten_dollars(gql) -> str:
    profile = await create_profile(gql)
    definition = await create_definition(gql, value="10", period=None)
    await issue_reward(gql, profile["id"], definition["id"])
    return profile["id"]


async def test_each_mutation_answers_with_the_balances_it_left(gql):
    data = await gql(TWO_REDEMPTIONS, {"p": await profile_with_ten_dollars(gql)})
    left = {
        name: (
            payload["redemption"]["profile"]["balances"]["rewardBalance"],
            payload["balances"]["rewardBalance"],
        )
        for name, payload in data.items()
    }
    assert left == {"first": ("9.00", "9.00"), "second": ("7.00", "7.00")}


async def balance_over(socket, profile_id: str, op_id: str) -> str:
    message = {"id": op_id, "type": "subscribe", "payload": {"query": BALANCE % profile_id}}
    await socket.send(json.dumps(message))
    reply = json.loads(await asyncio.wait_for(socket.recv(), 5))
    assert reply["type"] == "next", reply
    assert json.loads(await asyncio.wait_for(socket.recv(), 5))["type"] == "complete"
    return reply["payload"]["data"]["profile"]["balances"]["rewardBalance"]


async def test_a_websocket_reads_what_changed_since_its_last_query(gql, server):
    profile_id = await profile_with_ten_dollars(gql)
    socket = await connect(server)
    try:
        before = await balance_over(socket, profile_id, "1")
        await redeem(gql, profile_id, "4.00")
        after = await balance_over(socket, profile_id, "2")
    finally:
        await socket.close()
    assert (before, after) == ("10.00", "6.00")
