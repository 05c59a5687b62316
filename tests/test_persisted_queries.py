"""Apollo's automatic persisted queries over HTTP, as Apollo's PersistedQueryLink speaks them."""

import hashlib
import uuid

from loyalty_gateway.graphql.persisted import QueryStore
from loyalty_gateway.graphql.pipeline import _parse, _validate
from tests.support import ADMIN_TOKEN

HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def persisted(digest: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def post(http, server, body: dict) -> dict:
    response = await http.post(server.graphql_url, json=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_unknown_hash_asks_for_the_text_then_the_hash_alone_is_enough(http, server):
    query = f"query Apq{uuid.uuid4().hex[:8]} {{ profiles(first: 1) {{ totalCount }} }}"
    digest = hashlib.sha256(query.encode()).hexdigest()
    first = await post(http, server, {"extensions": persisted(digest)})
    [error] = first["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    second = await post(http, server, {"query": query, "extensions": persisted(digest)})
    assert "errors" not in second and "totalCount" in second["data"]["profiles"]
    third = await post(http, server, {"extensions": persisted(digest)})
    assert third == second


async def test_a_hash_that_does_not_match_or_an_invalid_query_is_not_kept(http, server):
    query = "{ profiles(first: 1) { totalCount } }"
    wrong = hashlib.sha256(b"something else").hexdigest()
    body = await post(http, server, {"query": query, "extensions": persisted(wrong)})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PERSISTED_QUERY"
    assert (await post(http, server, {"extensions": persisted(wrong)}))["errors"][0]["extensions"][
        "code"
    ] == "PERSISTED_QUERY_NOT_FOUND"
    invalid = "{ noSuchField" + uuid.uuid4().hex[:6] + " }"
    digest = hashlib.sha256(invalid.encode()).hexdigest()
    body = await post(http, server, {"query": invalid, "extensions": persisted(digest)})
    assert body["errors"] and "noSuchField" in body["errors"][0]["message"]
    again = await post(http, server, {"extensions": persisted(digest)})
    assert again["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_other_versions_are_refused(http, server):
    body = await post(
        http,
        server,
        {"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2}}},
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_large_document_runs_but_is_kept_by_no_cache(http, server):
    """Comments cost no tokens: a document far over what any client sends is answered, but
    neither stored under its hash nor held by the parse and validation caches."""
    query = "{ profiles(first: 1) { totalCount } } #" + "x" * 100_000 + uuid.uuid4().hex
    digest = hashlib.sha256(query.encode()).hexdigest()
    parsed, validated = _parse.cache_info().currsize, _validate.cache_info().currsize
    answer = await post(http, server, {"query": query, "extensions": persisted(digest)})
    assert "totalCount" in answer["data"]["profiles"]
    again = await post(http, server, {"extensions": persisted(digest)})
    assert again["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert _parse.cache_info().currsize == parsed
    assert _validate.cache_info().currsize == validated


def test_the_store_keeps_to_its_bytes_oldest_out():
    store = QueryStore(maxsize=100, max_bytes=250)
    for index in range(5):
        store.put(str(index), str(index) * 100)
    assert [store.get(str(index)) is not None for index in range(5)] == [
        False,
        False,
        False,
        True,
        True,
    ]
    assert store.size == 200
