"""Automations through GraphQL: a schedule, a profile query with date facts, the actions of a
reaction; fired at most once per profile and period, by `triggerAutomation` or by the
scheduler, with their runs in the reactions' history."""

import asyncio
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from loyalty_gateway.reactions.models import AutomationFiring
from tests.conftest import own_server
from tests.support import (
    GraphQLClient,
    count_queries,
    create_definition,
    create_profile,
    issue_reward,
    run_sql,
    unique,
    wait_for_runs,
)

AUTOMATION = """automation { id name isActive frequency hour weekday day timezone query
  lastRunAt lastPeriod nextRunAt reaction { id trigger } actions { name sortOrder } }"""
CREATE = f"""mutation($input: CreateAutomationInput!) {{
  createAutomation(input: $input) {{ {AUTOMATION} errors {{ code field message }} }}
}}"""
UPDATE = f"""mutation($input: UpdateAutomationInput!) {{
  updateAutomation(input: $input) {{ {AUTOMATION} errors {{ code field message }} }}
}}"""
TRIGGER = """mutation($id: ID!, $now: DateTime) {
  triggerAutomation(input: {id: $id, now: $now}) {
    period events { id name profileId context } automation { lastPeriod lastRunAt }
    errors { code field message }
  }
}"""
REWARDS = "query($id: ID!) { profile(id: $id) { rewards { nodes { definition { handle } } } } }"
BIRTHDAY = "2026-07-15T10:00:00+10:00"  # 15 July in Melbourne
MELBOURNE = ZoneInfo("Australia/Melbourne")


def birthday_automation(tag: str, handle: str, **fields) -> dict:
    """Daily at 9 in Melbourne: a reward for each profile tagged `tag` on its birthday."""
    return {
        "name": unique("birthday"),
        "frequency": "DAILY",
        "hour": 9,
        "timezone": "Australia/Melbourne",
        "query": {"and": [{"var": "birthday_today"}, {"in": [tag, {"var": "tags"}]}]},
        "actions": [
            {
                "name": "reward.create",
                "sortOrder": 1,
                "arguments": [
                    {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
                    {"name": "definition", "value": handle},
                ],
            }
        ],
        **fields,
    }


async def create_automation(gql, body: dict) -> dict:
    data = (await gql(CREATE, {"input": body}))["createAutomation"]
    assert data["errors"] == [], data["errors"]
    return data["automation"]


@pytest.fixture
async def birthday(gql) -> dict:
    """A tag of its own, an assignable reward and the birthday automation for that tag."""
    tag = unique("bday")
    handle = (await create_definition(gql, isAssignable=True))["handle"]
    automation = await create_automation(gql, birthday_automation(tag, handle))
    return {"tag": tag, "handle": handle, "automation": automation}


async def test_an_automation_is_a_scheduled_reaction(gql, birthday):
    automation = birthday["automation"]
    assert automation["isActive"] is True
    assert automation["reaction"]["trigger"] == "automation.a" + uuid.UUID(automation["id"]).hex
    assert [a["name"] for a in automation["actions"]] == ["reward.create"]
    next_run = datetime.fromisoformat(automation["nextRunAt"])
    assert next_run > datetime.now(UTC)
    local = next_run.astimezone(MELBOURNE)
    assert (local.hour, local.minute) == (9, 0)
    listed = (await gql("{ automations { id lastRunAt nextRunAt } }"))["automations"]
    assert {
        "id": automation["id"],
        "lastRunAt": None,
        "nextRunAt": automation["nextRunAt"],
    } in listed


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"hour": 24}, "INVALID_INPUT", "hour"),
        ({"frequency": "WEEKLY"}, "INVALID_INPUT", "weekday"),
        ({"weekday": 2}, "INVALID_INPUT", "weekday"),
        ({"frequency": "MONTHLY", "day": 32}, "INVALID_INPUT", "day"),
        ({"timezone": "Nowhere/X"}, "INVALID_TIMEZONE", "timezone"),
        ({"query": {"==": [{"var": "shoe_size"}, 9]}}, "INVALID_CONDITION", "query"),
        ({"name": " "}, "INVALID_INPUT", "name"),
    ],
)
async def test_an_automation_is_checked_when_saved(gql, change, code, field):
    body = {**birthday_automation("t", "h"), "actions": [], **change}
    errors = (await gql(CREATE, {"input": body}))["createAutomation"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]


async def test_it_fires_once_per_profile_and_period(gql, birthday):
    tag, handle, automation = birthday["tag"], birthday["handle"], birthday["automation"]
    born = await create_profile(gql, tags=[tag], birthDate="1990-07-15")
    other = await create_profile(gql, tags=[tag], birthDate="1990-07-16")
    data = (await gql(TRIGGER, {"id": automation["id"], "now": BIRTHDAY}))["triggerAutomation"]
    assert data["errors"] == [] and data["period"] == "2026-07-15"
    [event] = data["events"]
    assert (event["name"], event["profileId"]) == (automation["reaction"]["trigger"], born["id"])
    assert event["context"]["automation"]["period"] == "2026-07-15"
    assert event["context"]["birthday_today"] is True
    [run] = await wait_for_runs(gql, 1, profile=born["id"], reaction=automation["reaction"]["id"])
    assert run["status"] == "COMPLETED"
    rewards = (await gql(REWARDS, {"id": born["id"]}))["profile"]["rewards"]["nodes"]
    assert rewards == [{"definition": {"handle": handle}}]
    assert (await gql(REWARDS, {"id": other["id"]}))["profile"]["rewards"]["nodes"] == []

    again = (await gql(TRIGGER, {"id": automation["id"], "now": BIRTHDAY}))["triggerAutomation"]
    assert (again["events"], again["automation"]["lastPeriod"]) == ([], "2026-07-15")
    next_year = "2027-07-15T09:30:00+10:00"
    later = (await gql(TRIGGER, {"id": automation["id"], "now": next_year}))["triggerAutomation"]
    assert [e["profileId"] for e in later["events"]] == [born["id"]]


async def test_a_run_taken_up_again_fires_only_the_profiles_left(gql, birthday):
    """A crash after a batch committed: its firings stay, and the next run skips them."""
    tag, automation = birthday["tag"], birthday["automation"]
    first = await create_profile(gql, tags=[tag], birthDate="2000-07-15")
    second = await create_profile(gql, tags=[tag], birthDate="2000-07-15")
    await AutomationFiring.create(
        automation_id=automation["id"], profile_id=first["id"], period="2026-07-15", event_id=0
    )
    data = (await gql(TRIGGER, {"id": automation["id"], "now": BIRTHDAY}))["triggerAutomation"]
    assert [e["profileId"] for e in data["events"]] == [second["id"]]


async def test_a_time_without_an_offset_is_local_to_the_automation(gql, birthday):
    """23:30 on 15 July in Melbourne (in UTC it would be the 16th there)."""
    automation = birthday["automation"]
    data = await gql(TRIGGER, {"id": automation["id"], "now": "2026-07-15T23:30:00"})
    assert data["triggerAutomation"]["period"] == "2026-07-15"


async def test_a_batch_reads_its_profiles_contexts_at_once(gql, birthday):
    tag, automation = birthday["tag"], birthday["automation"]
    for _ in range(3):
        await create_profile(gql, tags=[tag], birthDate="1990-07-15")
    total = (await gql("{ profiles(first: 1) { totalCount } }"))["profiles"]["totalCount"]
    with count_queries() as counter:
        data = await gql(TRIGGER, {"id": automation["id"], "now": BIRTHDAY})
    assert len(data["triggerAutomation"]["events"]) == 3
    reads = [s for s in counter.statements if "AS REWARD_CENTS" in s]
    assert 1 <= len(reads) <= -(-total // 200)  # one per batch of 200, not one per profile


async def test_a_leap_day_birthday_is_kept_on_28_february(gql, birthday):
    tag, automation = birthday["tag"], birthday["automation"]
    leap = await create_profile(gql, tags=[tag], birthDate="2000-02-29")
    data = await gql(TRIGGER, {"id": automation["id"], "now": "2027-02-28T12:00:00+11:00"})
    assert [e["profileId"] for e in data["triggerAutomation"]["events"]] == [leap["id"]]


async def test_updates_reach_the_schedule_and_the_reaction(gql, birthday):
    automation = birthday["automation"]
    body = {"id": automation["id"], "frequency": "WEEKLY", "weekday": 1, "hour": 8,
            "name": "Monday mail", "isActive": False}  # fmt: skip
    data = (await gql(UPDATE, {"input": body}))["updateAutomation"]
    assert data["errors"] == []
    updated = data["automation"]
    assert (updated["name"], updated["isActive"], updated["frequency"]) == (
        "Monday mail", False, "WEEKLY"
    )  # fmt: skip
    local = datetime.fromisoformat(updated["nextRunAt"]).astimezone(MELBOURNE)
    assert (local.isoweekday(), local.hour) == (1, 8)
    refused = await gql(UPDATE, {"input": {"id": automation["id"], "weekday": 9}})
    assert [e["field"] for e in refused["updateAutomation"]["errors"]] == ["weekday"]


async def test_only_automations_fire_their_trigger(gql, birthday, profile):
    trigger = birthday["automation"]["reaction"]["trigger"]
    emitted = await gql(
        "mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code field } } }",
        {"input": {"event": trigger, "profileId": profile["id"], "data": {}}},
    )
    assert emitted["emitEvent"]["errors"] == [{"code": "INVALID_INPUT", "field": "event"}]
    created = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { errors { code field } } }""",
        {"input": {"name": "x", "trigger": "automation.mine", "actions": []}},
    )
    assert created["createReaction"]["errors"] == [{"code": "INVALID_INPUT", "field": "trigger"}]
    moved = await gql(
        """mutation($input: UpdateReactionInput!) { updateReaction(input: $input)
        { errors { code field } } }""",
        {"input": {"id": birthday["automation"]["reaction"]["id"], "trigger": "custom.moved"}},
    )
    assert moved["updateReaction"]["errors"] == [{"code": "INVALID_INPUT", "field": "trigger"}]


async def test_deleting_an_automation_deletes_its_reaction(gql, birthday):
    automation = birthday["automation"]
    deleted = await gql(
        "mutation($id: ID!) { deleteAutomation(input: {id: $id}) { deletedId errors { code } } }",
        {"id": automation["id"]},
    )
    assert deleted["deleteAutomation"] == {"deletedId": automation["id"], "errors": []}
    found = await gql("query($id: ID!) { reaction(id: $id) { id } }",
                      {"id": automation["reaction"]["id"]})  # fmt: skip
    assert found["reaction"] is None
    ids = [a["id"] for a in (await gql("{ automations { id } }"))["automations"]]
    assert automation["id"] not in ids


async def test_the_scheduler_runs_what_is_due_with_no_request(tmp_path, http):
    async with own_server(tmp_path, AUTOMATION_CHECK_SECONDS="0.2") as server:
        gql = GraphQLClient(http, server.graphql_url)
        handle = (await create_definition(gql, isAssignable=True))["handle"]
        body = birthday_automation("all", handle, query={"in": ["all", {"var": "tags"}]})
        await create_automation(gql, body)
        profile = await create_profile(gql, tags=["all"])
        await run_sql(
            server.settings.database_url,
            "UPDATE automation SET next_run_at = '2000-01-01 00:00:00+00:00'",
        )
        for _ in range(100):
            rewards = (await gql(REWARDS, {"id": profile["id"]}))["profile"]["rewards"]["nodes"]
            if rewards:
                break
            await asyncio.sleep(0.1)
        assert rewards == [{"definition": {"handle": handle}}]
        [listed] = (await gql("{ automations { lastRunAt nextRunAt } }"))["automations"]
        assert listed["lastRunAt"] is not None
        assert datetime.fromisoformat(listed["nextRunAt"]) > datetime.now(UTC)


async def test_a_query_can_pick_rewards_expiring_in_n_days(gql):
    tag = unique("expiring")
    definition = await create_definition(gql, isAssignable=True)
    body = birthday_automation(
        tag,
        definition["handle"],
        query={"and": [{"==": [{"var": "next_reward_expiry_days"}, 7]},
                       {"in": [tag, {"var": "tags"}]}]},
    )  # fmt: skip
    automation = await create_automation(gql, body)
    soon, later = await create_profile(gql, tags=[tag]), await create_profile(gql, tags=[tag])
    for profile, expires in ((soon, "2026-07-22T23:59:59"), (later, "2026-07-23T23:59:59")):
        await issue_reward(gql, profile["id"], definition["id"], issuedAt="2026-07-01 10:00:00",
                           expiresAt=expires)  # fmt: skip
    data = await gql(TRIGGER, {"id": automation["id"], "now": BIRTHDAY})
    assert [e["profileId"] for e in data["triggerAutomation"]["events"]] == [soon["id"]]
