"""An automation due on a database two workers share fires each profile once: the workers'
checks race for it, and the firings' unique key and the automation's row lock decide."""

import asyncio

from tests.postgres.test_processes import cluster
from tests.support import run_sql

PROFILES = 30
AUTOMATION = {
    "name": "everyone",
    "frequency": "DAILY",
    "hour": 9,
    "timezone": "UTC",
    "query": {"in": ["all", {"var": "tags"}]},
    "actions": [
        {
            "name": "benefit.create",
            "sortOrder": 1,
            "arguments": [
                {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                {"name": "definition", "value": "welcome"},
            ],
        }
    ],
}


async def test_two_workers_fire_each_profile_once():
    async with cluster() as running:
        await running.start("serve", "Uvicorn running")
        await running.gql("""mutation { createBenefitDefinition(input: {name: "W",
          handle: "welcome", isAssignable: true}) { errors { code } } }""")
        for number in range(PROFILES):
            await running.gql(
                'mutation($e: String!) { createProfile(input: {email: $e, tags: ["all"]})'
                " { errors { code } } }",
                {"e": f"p{number}@example.com"},
            )
        created = await running.gql(
            """mutation($input: CreateAutomationInput!) { createAutomation(input: $input)
            { automation { id } errors { code } } }""",
            {"input": AUTOMATION},
        )
        assert created["createAutomation"]["errors"] == []
        await run_sql(
            running.database_url, "UPDATE automation SET next_run_at = now() - interval '1 hour'"
        )
        for _ in range(2):
            await running.start("worker", "worker: dispatching", AUTOMATION_CHECK_SECONDS="0.05")

        benefits = "SELECT profile_id, count(*) FROM benefit GROUP BY profile_id"
        async with asyncio.timeout(60):
            while True:  # until every profile has its benefit
                if len(await run_sql(running.database_url, benefits)) == PROFILES:
                    break
                await asyncio.sleep(0.2)
        await asyncio.sleep(1)  # time for a second firing, were there one
        counts = await run_sql(running.database_url, benefits)
        assert sorted(count for _, count in counts) == [1] * PROFILES, running.output
        [(firings,)] = await run_sql(running.database_url, "SELECT count(*) FROM automation_firing")
        [(events,)] = await run_sql(
            running.database_url, "SELECT count(*) FROM event WHERE name LIKE 'automation.%'"
        )
        assert (firings, events) == (PROFILES, PROFILES)
