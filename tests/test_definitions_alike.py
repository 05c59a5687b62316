"""Reward and benefit definitions are one kind of thing, a definition with a period issued as
lots (`balances/definitions.py`): the same input is refused the same way, and a handle raced
for by several requests goes to one of them, the others told DUPLICATE_HANDLE."""

import asyncio

import pytest

from tests.support import unique

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
