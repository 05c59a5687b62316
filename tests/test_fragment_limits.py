"""Limits count the document as its fragments expand it, in time linear in its size."""

import asyncio
import random
import time

import httpx
import pytest
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, parse

from loyalty_gateway.graphql.limits import Shape, measure
from tests.support import ADMIN_TOKEN, free_port, serve, wait_for_line


def fan_out(levels: int) -> str:
    """~1 KB at 30 levels: each fragment spreads the next one twice, 2^levels fields."""
    fragments = " ".join(
        f"fragment F{i} on Query{{...F{i + 1} ...F{i + 1}}}" for i in range(levels)
    )
    last = f"fragment F{levels} on Query{{program{{pointsToDollarsRate}}}}"
    return f"query{{...F0}} {fragments} {last}"


async def refused_while_healthz_answers(url: str, token: str | None) -> dict:
    """Send the 30-level fan-out while /healthz is polled; both must answer at once."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=10) as client:
        pings: list[float] = []
        done = asyncio.Event()

        async def poll() -> None:
            while not done.is_set():
                started = time.perf_counter()
                assert (await client.get(f"{url}/healthz")).status_code == 200
                pings.append(time.perf_counter() - started)
                await asyncio.sleep(0.01)

        poller = asyncio.create_task(poll())
        started = time.perf_counter()
        response = await client.post(f"{url}/graphql", json={"query": fan_out(30)}, headers=headers)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.1)
        done.set()
        await poller
    assert elapsed < 0.5, elapsed
    assert pings and max(pings) < 0.5, pings
    return response.json()


def assert_too_many_fields(body: dict) -> None:
    assert body.get("data") is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "TOO_MANY_FIELDS"
    assert error["extensions"]["fields"] == 2**31  # program { pointsToDollarsRate }, 2^30 times


@pytest.mark.parametrize("token", [ADMIN_TOKEN, None], ids=["token", "no-token"])
async def test_fan_out_is_refused_at_once_in_development(server, token):
    assert_too_many_fields(await refused_while_healthz_answers(server.url, token))


def test_fan_out_is_refused_at_once_in_production(tmp_path):
    port = free_port()
    admin = "admin-" + "x" * 40
    process = serve(
        {
            "DATABASE_URL": f"sqlite://{tmp_path / 'loyalty.db'}",
            "LOYALTY_ENV": "production",
            "LOYALTY_SECRET_KEY": "k" * 40,
            "LOYALTY_ADMIN_TOKEN": admin,
            "PORT": str(port),
        }
    )
    try:
        wait_for_line(process, "Uvicorn running")
        for token in (admin, None):
            body = asyncio.run(refused_while_healthz_answers(f"http://127.0.0.1:{port}", token))
            assert_too_many_fields(body)
    finally:
        process.terminate()
        process.communicate(timeout=10)


async def test_each_limit_counts_what_fragments_expand_to(gql):
    # Depth 7 once, 13 where D is spread under itself's shape again: only the expansion is
    # deeper than 10.
    deep = "fragment D on Reward { profile { rewards(first: 1) { nodes { profile { id } } } } }"
    query = (
        '{ profile(id: "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10") { rewards(first: 1) '
        "{ nodes { ...D profile { rewards(first: 1) { nodes { profile { rewards(first: 1) "
        "{ nodes { ...D } } } } } } } } } } " + deep
    )
    aliases = "fragment A on Query { a: __typename b: __typename c: __typename d: __typename }"
    cases = {
        query: "QUERY_TOO_DEEP",
        "{ ...A ...A ...A ...A } " + aliases: "TOO_MANY_ALIASES",
        "{ profiles(first: 100) { nodes { ...R } } } "
        "fragment R on Profile { rewards(first: 100) { nodes { id } } }": "QUERY_TOO_COSTLY",
    }
    for document, code in cases.items():
        body = await gql.raw(document)
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], body


def naive(document: str) -> Shape:
    """The figures by expanding every spread, as the old limiters did (exponential)."""
    parsed = parse(document)
    fragments = {d.name.value: d for d in parsed.definitions if d.kind == "fragment_definition"}

    def walk(selection_set, seen) -> Shape:
        total = Shape()
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                inner = walk(node.selection_set, seen)
                depth = 1 + inner.depth if node.selection_set else 0
                arguments = node.arguments or ()
                sizes = [int(a.value.value) for a in arguments if a.name.value == "first"]
                first = sizes[0] if sizes else None
                cost = inner.cost if first is None else first + first * inner.cost
                total += Shape(depth, inner.aliases + bool(node.alias), inner.fields + 1, cost)
            elif isinstance(node, InlineFragmentNode):
                total += walk(node.selection_set, seen)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in seen:
                name = node.name.value
                total += walk(fragments[name].selection_set, seen | {name})
        return total

    [operation] = [d for d in parsed.definitions if d.kind == "operation_definition"]
    return walk(operation.selection_set, frozenset())


def random_document(rng: random.Random) -> str:
    """Fragments that spread only later ones (no cycles), with fields, aliases and `first`."""
    count = rng.randint(1, 6)

    def selection(index: int, budget: int) -> str:
        parts = []
        for _ in range(rng.randint(1, 3)):
            roll = rng.random()
            later = [f"F{j}" for j in range(index + 1, count)]
            if roll < 0.3 and later:
                parts.append("..." + rng.choice(later))
            elif roll < 0.5 and budget > 0:
                parts.append(f"x(first: {rng.randint(1, 9)}) {{ {selection(index, budget - 1)} }}")
            elif roll < 0.65 and budget > 0:
                parts.append(f"... on Q {{ {selection(index, budget - 1)} }}")
            elif roll < 0.8:
                parts.append(f"a{rng.randint(0, 99)}: y")
            else:
                parts.append("y")
        return " ".join(parts)

    fragments = " ".join(f"fragment F{i} on Q {{ {selection(i, 2)} }}" for i in range(count))
    return f"{{ {selection(-1, 2)} }} {fragments}"


def test_memoised_figures_equal_the_expanded_ones_on_generated_documents():
    rng = random.Random(20261202)
    for _ in range(500):
        document = random_document(rng)
        assert measure(parse(document), {}) == {"": naive(document)}, document


def test_a_fragment_cycle_or_unknown_fragment_is_left_to_validation():
    cyclic = parse("{ ...A } fragment A on Q { x { ...B } } fragment B on Q { y ...A ...C }")
    assert measure(cyclic, {}) == {"": Shape(depth=1, fields=2)}
