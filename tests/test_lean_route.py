"""Which requests the lean route (`graphql/lean.py`) answers itself: every query and mutation
sent as one JSON operation that parses and passes the rules, through the same resolvers,
field extensions (permissions, the audit log) and pipeline; Strawberry's view answers the
rest. Shown by breaking Strawberry's `Schema.execute` for the length of each test."""

import pytest
from strawberry import Schema

from tests.support import ADMIN_TOKEN, create_profile

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def strawberry_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Strawberry's executor was used")

    monkeypatch.setattr(Schema, "execute", broken)


async def test_queries_and_mutations_are_answered_by_the_lean_route(
    gql, http, server, strawberry_broken
):
    profile = await create_profile(gql)  # a mutation
    query = "query($id: ID!) { profile(id: $id) { email tierPoints } }"
    read = await gql(query, {"id": profile["id"]})
    assert read["profile"]["email"] == profile["email"]
    refused = await http.post(
        server.graphql_url,
        json={"query": 'mutation { createProfile(input: {email: "x@example.com"}) { errors '
              "{ code } } }"},
        headers={"Authorization": "Bearer not-a-token"},
    )  # fmt: skip
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    audit = await gql(
        'query { auditLog(first: 1, operation: "createProfile") { nodes { ids outcome } } }'
    )
    assert audit["auditLog"]["nodes"][0] == {"ids": [profile["id"]], "outcome": "OK"}


@pytest.mark.parametrize(
    "query",
    [
        "{ profiles(first: 1) { totalCount ",  # does not parse
        "{ profiles(first: 1) { nope } }",  # does not validate
    ],
)
async def test_a_document_that_breaks_a_rule_goes_on_to_strawberry(
    http, server, strawberry_broken, query
):
    """Strawberry shapes its error: here its broken executor is reached (a bare 500)."""
    response = await http.post(server.graphql_url, json={"query": query}, headers=HEADERS)
    assert response.status_code == 500
