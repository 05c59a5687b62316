"""GraphQL over HTTP as its spec and its clients expect it: the media type the client asks
for, with its status codes; JSON GraphQL errors for every refusal; no `data` for what never
ran; several operations need a name; subscriptions are for the WebSocket. The graphql-http
audit suite (tests/e2e/http-audit, installed with `npm ci`) runs against the live server."""

import asyncio
import json
import os
from pathlib import Path

import pytest

from loyalty_gateway.graphql.media import GRAPHQL_RESPONSE, negotiate, status_for
from tests.support import ADMIN_TOKEN, unique

AUDIT = Path(__file__).resolve().parent / "e2e" / "http-audit"
JSON = "application/json"
HEADERS = {"authorization": f"Bearer {ADMIN_TOKEN}"}

DELIBERATE = {
    "5A70": "GET is off: mutations stay off GET and away from CSRF",
    "D6D5": "GET is off",
    "6A70": "GET is off",
}
"""The audits that may fail, and why (the README lists them)."""


async def post(http, server, body: object, accept: str | None) -> tuple[int, str, dict]:
    headers = {**HEADERS, **({"accept": accept} if accept else {})}
    response = await http.post(server.graphql_url, json=body, headers=headers)
    media = response.headers["content-type"].split(";")[0]
    return response.status_code, media, response.json()


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, {JSON};q=0.9", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (JSON, JSON),
        ("*/*", JSON),
        (None, JSON),
    ],
)
async def test_the_client_gets_the_media_type_it_asks_for(http, server, accept, media):
    status, got, body = await post(http, server, {"query": "{ __typename }"}, accept)
    assert (status, got, body) == (200, media, {"data": {"__typename": "Query"}})


REQUEST_ERRORS = {
    "does not parse": {"query": "{ __typename "},
    "does not validate": {"query": "{ noSuchField }"},
    "variables do not coerce": {
        "query": "query($first: Int) { profiles(first: $first) { totalCount } }",
        "variables": {"first": "many"},
    },
    "several operations, no name": {"query": "query A { __typename } query B { __typename }"},
    "a subscription over HTTP": {"query": "subscription { reactionLog { id } }"},
}


@pytest.mark.parametrize("case", sorted(REQUEST_ERRORS))
async def test_a_request_that_never_runs_has_no_data_and_a_4xx_where_asked(http, server, case):
    for accept, expected in ((GRAPHQL_RESPONSE, 400), (JSON, 200)):
        status, _, body = await post(http, server, REQUEST_ERRORS[case], accept)
        assert status == expected, (case, accept, body)
        assert "data" not in body and body["errors"][0]["message"], (case, accept, body)
        assert "Internal error" not in body["errors"][0]["message"]


async def test_a_field_error_keeps_its_data_and_200(http, server):
    query = "query($id: ID!) { profile(id: $id) { id } }"
    body = {"query": query, "variables": {"id": "not-a-uuid"}}
    status, _, answer = await post(http, server, body, GRAPHQL_RESPONSE)
    assert status == 200 and "data" in answer and answer["errors"]


async def test_several_operations_run_none_without_a_name(http, server, gql):
    email = unique("twice") + "@example.com"
    document = f"""query Look {{ __typename }}
    mutation Make {{ createProfile(input: {{firstName: "A", lastName: "B", email: "{email}"}})
      {{ profile {{ id }} }} }}"""
    _, _, body = await post(http, server, {"query": document}, JSON)
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    _, _, named = await post(http, server, {"query": document, "operationName": "Look"}, JSON)
    assert named == {"data": {"__typename": "Query"}}
    found = await gql("query($s: String) { profiles(search: $s) { totalCount } }", {"s": email})
    assert found["profiles"]["totalCount"] == 0


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_refusals_before_graphql_are_json_graphql_errors(http, server, accept):
    headers = {**HEADERS, "accept": accept}
    url = server.graphql_url
    refused = [
        await http.post(url, json={"query": "{ a }", "operationName": "B"}, headers=headers),
        await http.post(url, json=[{"query": "{ __typename }"}], headers=headers),
        await http.get(url, params={"query": "{ __typename }"}, headers=headers),
        await http.post(url, content=b"{not json", headers={**headers, "content-type": JSON}),
    ]
    for response in refused:
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].split(";")[0] == accept
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST" and "data" not in body


def test_negotiation_and_status_rules():
    assert negotiate(f"{GRAPHQL_RESPONSE};q=0") == JSON
    assert negotiate(f"{JSON};q=0.2, {GRAPHQL_RESPONSE};q=0.3") == GRAPHQL_RESPONSE
    assert negotiate(f"{GRAPHQL_RESPONSE};q=oops") == JSON
    assert status_for({"data": None, "errors": [{"message": "x"}]}) == 200
    limited = {"errors": [{"message": "x", "extensions": {"code": "RATE_LIMITED"}}]}
    assert status_for(limited) == 429
    busy = {"errors": [{"message": "x", "extensions": {"code": "BUSY"}}]}
    assert status_for(busy) == 503
    assert status_for({"errors": [{"message": "x", "extensions": {"code": 5}}]}) == 400


async def test_the_graphql_http_audits_pass(server):
    assert (AUDIT / "node_modules" / "graphql-http").is_dir(), (
        "run `npm ci` in tests/e2e/http-audit (make test does)"
    )
    # The server runs in this event loop: the audits must not block it.
    process = await asyncio.create_subprocess_exec(
        "node",
        "audit.mjs",
        server.graphql_url,
        ADMIN_TOKEN,
        cwd=AUDIT,
        env=os.environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()
    results = [json.loads(line) for line in out.decode().splitlines()]
    failed = {r["id"]: r for r in results if r["status"] != "ok" and r["id"] not in DELIBERATE}
    assert not failed, failed
    musts_and_shoulds = [r for r in results if not r["name"].startswith("MAY")]
    assert len(musts_and_shoulds) >= 30 and all(r["status"] == "ok" for r in musts_and_shoulds)
