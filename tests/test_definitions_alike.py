"""Reward and benefit definitions are one kind of thing, a definition with a period issued as
lots (`balances/definitions.py`, `issuing.py`): the same input is refused the same way, a
handle raced for by several requests goes to one of them, the others told DUPLICATE_HANDLE,
and their lots are extended alike."""

import asyncio

import pytest

from tests.support import (
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    unique,
)

KINDS = {
    "reward": ("RewardDefinition", {"value": "5", "type": "fixed"}),
    "benefit": ("BenefitDefinition", {"type": "gift"}),
}


async def save(gql, kind: str, verb: str, fields: dict) -> dict:
    name = KINDS[kind][0]
    document = f"""mutation($input: {verb}{name}Input!) {{ {verb.lower()}{name}(input: $input)
      {{ {name[0].lower() + name[1:]} {{ id }} errors {{ code field }} }} }}"""
    body = fields if verb == "Update" else {"name": "Alike", **KINDS[kind][1], **fields}
    return (await gql(document, {"input": body}))[f"{verb.lower()}{name}"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"extendDays": 0}, "extendDays"),
        ({"period": -1}, "period"),
        ({"periodType": "ABSOLUTE_DATE"}, "absoluteExpiry"),
        ({"name": "  "}, "name"),
        ({"type": "nonsense"}, "type"),
    ],
)
async def test_the_same_input_is_refused_the_same_way(gql, kind, fields, field):
    made = await save(gql, kind, "Create", {"handle": unique("alike"), **fields})
    assert made["errors"] == [{"code": "INVALID_INPUT", "field": field}]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_handle_raced_for_goes_to_one_request(gql, kind):
    handle = unique("race")
    created = await asyncio.gather(
        *(save(gql, kind, "Create", {"handle": handle}) for _ in range(8))
    )
    assert sorted(str(r["errors"]) for r in created) == sorted(
        ["[]"] + [str([{"code": "DUPLICATE_HANDLE", "field": "handle"}])] * 7
    )
    others = [await save(gql, kind, "Create", {"handle": unique("race")}) for _ in range(6)]
    wanted = unique("taken")
    updated = await asyncio.gather(
        *(save(gql, kind, "Update", {"id": o[next(iter(o))]["id"], "handle": wanted})
          for o in others)
    )  # fmt: skip
    assert sorted(str(r["errors"]) for r in updated) == sorted(
        ["[]"] + [str([{"code": "DUPLICATE_HANDLE", "field": "handle"}])] * 5
    )


async def test_a_target_handle_raced_for_goes_to_one_request(gql):
    """Targets keep their handles unique through the same mechanism (`db/handles.py`)."""
    document = """mutation($input: CreateTargetInput!) { createTarget(input: $input)
      { target { id } errors { code field } } }"""
    body = {"name": "Hook", "handle": unique("hook"), "url": "https://example.com/hook",
            "template": "{}"}  # fmt: skip
    created = await asyncio.gather(*(gql(document, {"input": body}) for _ in range(8)))
    assert sorted(str(r["createTarget"]["errors"]) for r in created) == sorted(
        ["[]"] + [str([{"code": "DUPLICATE_HANDLE", "field": "handle"}])] * 7
    )


LOTS = {
    "reward": (create_definition, issue_reward, "extendRewards", "rewards"),
    "benefit": (create_benefit_definition, issue_benefit, "extendBenefits", "benefits"),
}


@pytest.mark.parametrize("kind", LOTS)
async def test_lots_are_extended_alike(gql, kind):
    """Another profile's lot, an unknown id and a second extension get the same answers
    from `extendRewards` and `extendBenefits`, naming the `ids` they were given."""
    define, issue, mutation, field = LOTS[kind]
    definition = await define(gql, period=10, isExtendable=True)
    owner, other = await create_profile(gql), await create_profile(gql)
    mine = await issue(gql, owner["id"], definition["id"])
    theirs = await issue(gql, other["id"], definition["id"])
    document = f"""mutation($input: {mutation[0].upper() + mutation[1:]}Input!) {{
      {mutation}(input: $input) {{ {field} {{ id }} errors {{ code field }} }} }}"""

    async def extend(*ids: str) -> list[dict]:
        body = {"profileId": owner["id"], "ids": list(ids), "extendDays": 5}
        return (await gql(document, {"input": body}))[mutation]["errors"]

    assert await extend(theirs["id"]) == [{"code": "NOT_FOUND", "field": "ids"}]
    assert await extend("00000000-0000-4000-8000-000000000000") == [
        {"code": "NOT_FOUND", "field": "ids"}
    ]
    assert await extend(mine["id"], mine["id"]) == []
    assert await extend(mine["id"]) == [{"code": "ALREADY_EXTENDED", "field": "ids"}]
