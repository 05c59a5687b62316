"""Compiled queries, like every operation the lean route takes (`graphql/lean.py`,
`tests/test_lean_route.py`), skip Strawberry's view but not one rule of the pipeline: the
rate limit, the limits, persisted queries, the token, masking, metrics, the request id, CORS
and the media type hold for them as for everything else."""

import hashlib
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import Server, serving
from tests.support import ADMIN_TOKEN

ORIGIN = "https://shop.example"
BALANCE = """query Balance($id: ID!) { profile(id: $id) { id balances { rewardBalance } } }"""
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(
        tmp_path_factory.mktemp("lean"),
        RATE_LIMIT_BURST="6",
        RATE_LIMIT_PER_SECOND="0.01",
        MAX_ALIASES="2",
        CORS_ORIGINS=ORIGIN,
    ) as running:
        yield running


def metric(client: httpx.Client, pattern: str) -> float:
    found = re.search(pattern + r" ([0-9.e+]+)", client.get("/metrics").text)
    return float(found.group(1)) if found else 0.0


COMPILED = r'operations_by_path_total\{path="compiled"\}'


def test_compiled_queries_keep_every_rule_of_the_pipeline(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        made = client.post(
            "/graphql",
            json={
                "query": 'mutation { createProfile(input: {email: "lean@example.com"}) '
                "{ profile { id } } }"
            },
            headers=HEADERS,
        ).json()
        profile = made["data"]["createProfile"]["profile"]["id"]
        body = {"query": BALANCE, "variables": {"id": profile}, "operationName": "Balance"}
        compiled = metric(client, COMPILED)

        # The media type, the request id and CORS, on an answer the plan gave.
        answer = client.post(
            "/graphql",
            json=body,
            headers={
                **HEADERS,
                "Accept": "application/graphql-response+json",
                "Origin": ORIGIN,
                "X-Request-ID": "lean-1",
            },
        )
        assert answer.status_code == 200
        assert answer.json() == {
            "data": {"profile": {"id": profile, "balances": {"rewardBalance": "0.00"}}}
        }
        assert answer.headers["content-type"] == "application/graphql-response+json"
        assert answer.headers["x-request-id"] == "lean-1"
        assert answer.headers["access-control-allow-origin"] == ORIGIN
        assert metric(client, COMPILED) == compiled + 1
        ok = r'loyalty_graphql_requests_total\{operation="Balance",outcome="ok",type="query"\}'
        assert metric(client, ok) == 1

        # The token: a wrong one is refused as the resolvers refuse it, and nothing compiles.
        refused = client.post("/graphql", json=body, headers={"Authorization": "Bearer nope"})
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

        # The limits: three aliases where two are allowed.
        aliased = (
            "{ a: profile(id: $id) { id } b: profile(id: $id) { id } c: profile(id: $id) { id } }"
        )
        too_many = client.post(
            "/graphql",
            json={"query": "query($id: ID!) " + aliased, "variables": {"id": profile}},
            headers=HEADERS,
        ).json()
        assert too_many["errors"][0]["extensions"]["code"] == "TOO_MANY_ALIASES"
        assert "data" not in too_many

        # Persisted queries: the hash alone, once the text was sent with it.
        digest = hashlib.sha256(BALANCE.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        hashed = {"variables": {"id": profile}, "extensions": extensions}
        missing = client.post("/graphql", json=hashed, headers=HEADERS).json()
        assert missing["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        sent = client.post("/graphql", json={**hashed, "query": BALANCE}, headers=HEADERS)
        again = client.post("/graphql", json=hashed, headers=HEADERS)
        assert sent.json() == again.json() == answer.json()
        assert metric(client, COMPILED) == compiled + 3

        # The rate limit: what executed took from the burst of 6 (the mutation, the balance
        # and the two persisted ones; the refusals stopped before execution), so two more
        # are answered and the rest are RATE_LIMITED, compiled or not.
        answers = [client.post("/graphql", json=body, headers=HEADERS).json() for _ in range(5)]
        codes = [(a.get("errors") or [{}])[0].get("extensions", {}).get("code") for a in answers]
        assert codes == [None, None, "RATE_LIMITED", "RATE_LIMITED", "RATE_LIMITED"]
        assert answers[0] == answers[1] == answer.json()
        assert answers[2]["errors"][0]["extensions"]["retryAfter"] >= 1
        assert metric(client, COMPILED) == compiled + 5
