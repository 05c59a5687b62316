"""A type's scope holds wherever the type is reached. The paths are generated from the schema:
from every root query, through every link from one entity to another, with a token that has
every scope but the one under test."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graphql import GraphQLField, GraphQLObjectType, get_named_type, is_non_null_type

from loyalty_gateway.auth import service as auth
from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.graphql.permissions import _GUARDED, staff_only_fields
from tests.support import (
    award_points,
    built_schema,
    create_benefit_definition,
    create_definition,
    create_profile,
    issue_benefit,
    issue_reward,
    redeem,
    wait_for_runs,
)
from tests.test_transactions import create, seed_004_transaction

GRAPH = built_schema()._schema
SCOPE_OF = {cls.__strawberry_definition__.name: scope for cls, scope in _GUARDED.items()}
MAX_DEPTH = 4


def node(field: GraphQLField) -> GraphQLObjectType | None:
    """The entity a field leads to: through lists, non-nulls and connections."""
    named = get_named_type(field.type)
    if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
        named = get_named_type(named.fields["nodes"].type)
    return named if isinstance(named, GraphQLObjectType) else None


def paths(type_: GraphQLObjectType, lacking: str, seen: frozenset[str], depth: int) -> list[str]:
    """Selections of `type_`, one per path through links that need other scopes to a link
    that needs `lacking` (asked for as `__typename`). One path per query: a refusal of a
    non-null link nulls its parents, which would hide what its siblings returned."""
    found = []
    for name, field in type_.fields.items():
        target = node(field)
        if target is None or target.name not in SCOPE_OF:
            continue
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue  # a required argument: not a link
        page = "(first: 1)" if "first" in field.args else ""
        connection = get_named_type(field.type).name.endswith("Connection")
        if SCOPE_OF[target.name] == lacking:
            inners = ["__typename"]
        elif target.name in seen or depth >= MAX_DEPTH:
            continue
        else:
            inners = paths(target, lacking, seen | {target.name}, depth + 1)
        for inner in inners:
            inner = f"nodes {{ {inner} }}" if connection else inner
            found.append(f"__typename {name}{page} {{ {inner} }}")
    return found


def forbidden_leaks(data: Any, lacking: str, type_: GraphQLObjectType | None) -> list[str]:
    """Fields needing `lacking` that came back with a value."""
    leaks: list[str] = []
    if isinstance(data, list):
        for item in data:
            leaks += forbidden_leaks(item, lacking, type_)
        return leaks
    if not isinstance(data, dict) or type_ is None:
        return leaks
    for name, value in data.items():
        field = type_.fields.get(name)
        target = node(field) if field else None
        if target is None or value is None:
            continue
        if target.name in SCOPE_OF and SCOPE_OF[target.name] == lacking:
            leaks.append(f"{type_.name}.{name}")
        inner = value["nodes"] if isinstance(value, dict) and "nodes" in value else value
        leaks += forbidden_leaks(inner, lacking, target)
    return leaks


@pytest.fixture(scope="module")
async def world(gql, tier_ladder) -> dict[str, str]:
    """One of everything, linked: the ids each root query is called with."""
    profile = await create_profile(gql)
    definition = await create_definition(gql)
    reward = await issue_reward(gql, profile["id"], definition["id"])
    await award_points(gql, profile["id"], 500)
    benefit_definition = await create_benefit_definition(gql, isAssignable=True)
    benefit = await issue_benefit(gql, profile["id"], benefit_definition["id"])
    await create_benefit_definition(gql, isClaimable=True, isPublished=True)  # claimable
    redemption = (await redeem(gql, profile["id"], "3"))["redemption"]
    transaction = (
        await create(gql, seed_004_transaction(profile["id"], redemption["id"], "scopes-1"))
    )["transaction"]
    condition = {"name": "condition", "value": {"==": [1, 1]}}
    actions = [{"name": "filter", "sortOrder": 1, "arguments": [condition]}]
    created = await gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { reaction { id } errors { code message } } }""",
        {"input": {"name": "scopes", "trigger": "custom.scopes", "actions": actions}},
    )
    assert created["createReaction"]["errors"] == []
    reaction = created["createReaction"]["reaction"]
    event = (
        await gql(
            """mutation($p: ID!) { emitEvent(input: {event: "custom.scopes", profileId: $p})
            { event { id } } }""",
            {"p": profile["id"]},
        )
    )["emitEvent"]["event"]
    [run] = await wait_for_runs(gql, 1, profile=profile["id"], reaction=reaction["id"])
    return {
        "Profile": profile["id"],
        "Reward": reward["id"],
        "RewardDefinition": definition["id"],
        "Benefit": benefit["id"],
        "BenefitDefinition": benefit_definition["id"],
        "Redemption": redemption["id"],
        "Transaction": transaction["id"],
        "Reaction": reaction["id"],
        "ReactionRun": run["id"],
        "Event": event["id"],
        "profileId": profile["id"],
    }


def root_call(name: str, field: GraphQLField, world: dict[str, str]) -> str | None:
    """`name(args)` with ids from the world, or None when the root cannot be called."""
    target = node(field)
    arguments = []
    for arg_name in field.args:
        if arg_name == "id" and target is not None and target.name in world:
            arguments.append(f'id: "{world[target.name]}"')
        elif arg_name == "profileId":
            arguments.append(f'profileId: "{world["profileId"]}"')
        elif arg_name == "first":
            arguments.append("first: 1")
    required = [a for a, arg in field.args.items() if is_non_null_type(arg.type)]
    if any(not any(a.startswith(r) for a in arguments) for r in required):
        return None
    return f"{name}({', '.join(arguments)})" if arguments else name


LINKED_SCOPES = sorted(
    {
        SCOPE_OF[target.name]
        for source, scope in SCOPE_OF.items()
        for field in GRAPH.type_map[source].fields.values()  # type: ignore[union-attr]
        if (target := node(field)) is not None
        and target.name in SCOPE_OF
        and SCOPE_OF[target.name] != scope
    }
)


@pytest.mark.parametrize("lacking", LINKED_SCOPES)
async def test_no_path_reaches_a_type_without_its_scope(gql, world, lacking):
    others = [s for s in Scope if s not in (lacking, Scope.ADMIN)]
    _, token = await auth.create_token(f"all but {lacking}", others)
    refused = 0
    for name, field in GRAPH.query_type.fields.items():
        target = node(field)
        call = root_call(name, field, world)
        if target is None or target.name not in SCOPE_OF or call is None or name == "me":
            continue  # `me` is for customer tokens (the last test)
        if SCOPE_OF[target.name] == lacking:
            continue  # the root itself names the scope: tested by each domain's tests
        connection = get_named_type(field.type).name.endswith("Connection")
        for inner in paths(target, lacking, frozenset({target.name}), 1):
            query = f"{{ {call} {{ {'nodes { ' + inner + ' }' if connection else inner} }} }}"
            body = await gql.raw(query, token=token)
            value = body.get("data", {}) and body["data"][name]
            inner_value = value["nodes"] if connection and value else value
            assert forbidden_leaks(inner_value, lacking, target) == [], query
            errors = body.get("errors", [])
            assert {e["extensions"]["code"] for e in errors} <= {"FORBIDDEN"}, errors
            assert {e["extensions"].get("requiredScope") for e in errors} <= {lacking}, errors
            refused += len(errors)
    assert refused > 0, f"no path reached a type needing {lacking}: the test proves nothing"


async def test_the_leaks_reported_are_closed(gql, token_with, world):
    token = await token_with(Scope.REWARDS_READ)
    query = """query($id: ID!) { reward(id: $id) { id profile { email mobilePhone birthDate
      balances { rewardBalance } } } }"""
    body = await gql.raw(query, {"id": world["Reward"]}, token=token)
    assert body["data"] == {"reward": None}  # `profile` is non-null: the refusal bubbles up
    [error] = body["errors"]
    assert error["path"] == ["reward", "profile"]
    assert error["extensions"] == {"code": "FORBIDDEN", "requiredScope": "profiles:read"}


async def test_a_customer_still_reads_its_own_linked_data(gql, world):
    token = (
        await gql(
            "mutation($id: ID!) { createCustomerToken(input: {profileId: $id}) { token } }",
            {"id": world["profileId"]},
        )
    )["createCustomerToken"]["token"]
    data = await gql(
        """{ me { id rewards(first: 1) { nodes { profile { id } definition { handle } } }
             redemptions(first: 1) { nodes { profile { id } items { reward { id } } } } } }""",
        token=token,
    )
    assert data["me"]["rewards"]["nodes"][0]["profile"]["id"] == world["profileId"]
    assert data["me"]["redemptions"]["nodes"][0]["profile"]["id"] == world["profileId"]


STAFF_ONLY = staff_only_fields()


def reachable(
    type_: GraphQLObjectType, seen: frozenset[str], depth: int
) -> Iterator[tuple[GraphQLObjectType, Callable[[str], str]]]:
    """Every entity type reachable from `type_` through links, with a function that nests a
    selection of it under the path that reaches it."""
    yield type_, lambda inner: inner
    if depth >= MAX_DEPTH:
        return
    for name, field in type_.fields.items():
        target = node(field)
        if target is None or target.name not in SCOPE_OF or target.name in seen:
            continue
        if any(is_non_null_type(arg.type) for arg in field.args.values()):
            continue
        page = "(first: 1)" if "first" in field.args else ""
        connection = get_named_type(field.type).name.endswith("Connection")
        for found, wrap in reachable(target, seen | {target.name}, depth + 1):

            def nest(inner: str, name=name, page=page, connection=connection, wrap=wrap) -> str:
                inner = wrap(inner)
                inner = f"nodes {{ {inner} }}" if connection else inner
                return f"{name}{page} {{ {inner} }}"

            yield found, nest


def leaves(type_: GraphQLObjectType) -> list[str]:
    return [
        name
        for name, field in type_.fields.items()
        if not isinstance(get_named_type(field.type), GraphQLObjectType)
        and not any(is_non_null_type(arg.type) for arg in field.args.values())
    ]


async def test_a_customer_reads_its_own_data_but_no_staff_only_field(gql, world):
    token = (
        await gql(
            "mutation($id: ID!) { createCustomerToken(input: {profileId: $id}) { token } }",
            {"id": world["profileId"]},
        )
    )["createCustomerToken"]["token"]
    profile = GRAPH.type_map["Profile"]
    refused, read = 0, 0
    for type_, nest in reachable(profile, frozenset({"Profile"}), 1):  # type: ignore[arg-type]
        hidden = STAFF_ONLY.get(type_.name, frozenset())
        visible = [f for f in leaves(type_) if f not in hidden]
        body = await gql.raw(f"{{ me {{ {nest(' '.join(visible))} }} }}", token=token)
        assert "errors" not in body, (type_.name, body["errors"])
        read += 1
        for field in sorted(hidden):
            body = await gql.raw(f"{{ me {{ {nest(field)} }} }}", token=token)
            assert values_of(body.get("data"), field) == [], f"{type_.name}.{field} leaked"
            errors = body.get("errors", [])
            assert {e["extensions"]["code"] for e in errors} <= {"FORBIDDEN"}, errors
            assert all(e["path"][-1] == field for e in errors)
            refused += bool(errors)
    # Every staff-only field but those on a type the world leaves empty (no tier) refused.
    assert refused >= sum(len(f) for f in STAFF_ONLY.values()) - len(STAFF_ONLY["TierDefinition"])
    assert read > 5


def values_of(data: Any, field: str) -> list[Any]:
    """Every non-null value under the key `field`, anywhere in `data`."""
    found, pending = [], [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            found += [v for k, v in item.items() if k == field and v is not None]
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return found


def test_a_resolver_two_types_inherit_is_guarded_once():
    """`Reward` and `Benefit` share `profile` (one field object, from `IssuedLot`): one
    permission check reads it, not one per type that inherits it."""
    built_schema()
    for cls in _GUARDED:
        for field in cls.__strawberry_definition__.fields:
            names = [
                type(p).__name__ for e in field.extensions for p in getattr(e, "permissions", [])
            ]
            assert len(names) == len(set(names)), (cls.__name__, field.python_name, names)
