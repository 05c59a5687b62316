"""Reactions issue in the right time zone: the action's, the triggering record's, or the
program's default; never UTC by accident."""

from tests.support import create_definition, create_profile, unique, wait_for_runs
from tests.test_transactions import create, seed_004_transaction

PROGRAM = """mutation($tz: String) { updateProgramSettings(input: {defaultTimezone: $tz})
  { program { defaultTimezone } errors { code field } } }"""
REWARDS = (
    """query($id: ID!) { profile(id: $id) { rewards { nodes { timezone expiresLocalAt } } } }"""
)


async def issuing_reaction(gql, trigger: str, profile_id: str, handle: str) -> str:
    only_this_profile = {"==": [{"var": "profile_id"}, profile_id]}
    body = {
        "name": unique("tz"),
        "trigger": trigger,
        "actions": [
            {"name": "filter", "sortOrder": 1,
             "arguments": [{"name": "condition", "value": only_this_profile}]},
            {"name": "reward.create", "sortOrder": 2,
             "arguments": [{"name": "profile_id", "value": {"var": "profile_id"},
                            "isDynamic": True}, {"name": "definition", "value": handle}]},
        ],
    }  # fmt: skip
    created = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { reaction { id } errors { code message } } }""",
        {"input": body},
    )
    assert created["createReaction"]["errors"] == []
    return created["createReaction"]["reaction"]["id"]


async def test_the_program_default_then_the_triggering_record_decide(gql):
    definition = await create_definition(gql, isAssignable=True, period=30)
    changed = await gql(PROGRAM, {"tz": "Australia/Melbourne"})
    assert changed["updateProgramSettings"] == {
        "program": {"defaultTimezone": "Australia/Melbourne"},
        "errors": [],
    }
    try:
        profile = await create_profile(gql)
        event = "custom." + unique("tz").replace("-", "_")
        reaction = await issuing_reaction(gql, event, profile["id"], definition["handle"])
        await gql(
            "mutation($input: EmitEventInput!) { emitEvent(input: $input) { errors { code } } }",
            {"input": {"event": event, "profileId": profile["id"]}},
        )
        [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction)
        assert run["status"] == "COMPLETED", run
        [reward] = (await gql(REWARDS, {"id": profile["id"]}))["profile"]["rewards"]["nodes"]
        assert reward["timezone"] == "Australia/Melbourne"
        assert reward["expiresLocalAt"].endswith("T23:59:59+11:00")

        buyer = await create_profile(gql)
        reaction = await issuing_reaction(
            gql, "transaction.created", buyer["id"], definition["handle"]
        )
        body = {**seed_004_transaction(buyer["id"], None, unique("tz")),
                "timezone": "Australia/Perth"}  # fmt: skip
        assert (await create(gql, body))["errors"] == []
        [run] = await wait_for_runs(gql, 1, profile=buyer["id"], reaction=reaction)
        assert run["status"] == "COMPLETED", run
        [reward] = (await gql(REWARDS, {"id": buyer["id"]}))["profile"]["rewards"]["nodes"]
        assert reward["timezone"] == "Australia/Perth"
        assert reward["expiresLocalAt"].endswith("T23:59:59+08:00")
    finally:
        await gql(PROGRAM, {"tz": "UTC"})


async def test_a_default_time_zone_must_be_one(gql):
    refused = await gql(PROGRAM, {"tz": "Mars/Olympus"})
    assert refused["updateProgramSettings"]["errors"] == [
        {"code": "INVALID_TIMEZONE", "field": "defaultTimezone"}
    ]
