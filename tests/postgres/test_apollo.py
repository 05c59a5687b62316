"""Apollo Client 4 (tests/e2e/apollo, installed with `npm ci`) against the live server on
PostgreSQL: the script holds the expectations; this sets up the data and runs it."""

import asyncio
import json
import os
import uuid
from pathlib import Path

from tests.support import (
    ADMIN_TOKEN,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_reward,
)

PROJECT = Path(__file__).resolve().parents[1] / "e2e" / "apollo"
CREATE_REACTION = """mutation($input: CreateReactionInput!) {
  createReaction(input: $input) { reaction { id } errors { code message } } }"""


async def test_apollo_client_queries_redeems_caches_subscribes_acts_as_a_customer_and_persists(
    gql, server
):
    assert (PROJECT / "node_modules" / "@apollo" / "client").is_dir(), (
        "run `npm ci` in tests/e2e/apollo (make test does)"
    )
    profile = await create_profile(gql)
    definition = await create_definition(gql)
    await issue_reward(gql, profile["id"], definition["id"])
    benefit = await create_benefit_definition(gql, isClaimable=True, isPublished=True)
    trigger = "custom.apollo_" + uuid.uuid4().hex[:8]
    condition = {">": [{"var": "data.score"}, 5]}
    created = await gql(
        CREATE_REACTION,
        {
            "input": {
                "name": "Apollo e2e",
                "trigger": trigger,
                "actions": [
                    {
                        "name": "filter",
                        "sortOrder": 1,
                        "arguments": [{"name": "condition", "value": condition}],
                    }
                ],
            }
        },
    )
    reaction_id = created["createReaction"]["reaction"]["id"]
    # The server runs in this event loop: the script must not block it.
    process = await asyncio.create_subprocess_exec(
        "node",
        "run.mjs",
        cwd=PROJECT,
        env={
            **os.environ,
            "GATEWAY_URL": server.graphql_url,
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "PROFILE_ID": profile["id"],
            "REACTION_ID": reaction_id,
            "TRIGGER": trigger,
            "DEFINITION_ID": definition["id"],
            "BENEFIT_HANDLE": benefit["handle"],
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode() + err.decode()
    seen = json.loads(out.decode().strip().splitlines()[-1])
    assert seen["ok"] is True
    assert (seen["before"], seen["cachedAfter"], seen["me"]) == ("10.00", "7.50", "7.50")
    assert seen["logKinds"][0] == "RUN_STARTED" and seen["logKinds"][-1] == "RUN_FINISHED"
    assert seen["customerOnProfile"] == "FORBIDDEN"
    assert seen["persisted"] == ["hash", "text+hash", "hash"]
    assert seen["cacheChecked"] == [
        "redeem",
        "reverseRedemption",
        "returnRedemption",
        "awardPoints",
        "issueReward",
        "claimBenefit",
    ]
    assert seen["distinctBalances"] == 6, "each mutation changed the balances"
    assert len(seen["merged"]) == len(set(seen["merged"])) == 4
