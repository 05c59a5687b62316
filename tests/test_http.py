"""HTTP surface: CORS for browser clients, GraphiQL, probes."""

import gzip

import httpx
import pytest

from loyalty_gateway.app import create_app
from loyalty_gateway.settings import Settings
from tests.conftest import CORS_ORIGIN
from tests.support import ADMIN_TOKEN


def production_settings(**overrides) -> Settings:
    return Settings(
        loyalty_env="production",
        loyalty_secret_key="k" * 32,
        database_url="sqlite://:memory:",
        **overrides,
    )


async def asgi_post(app, body: dict) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/graphql", json=body)


def test_production_requires_a_secret_key():
    with pytest.raises(ValueError, match="LOYALTY_SECRET_KEY"):
        Settings(loyalty_env="production", database_url="sqlite://:memory:")


async def test_graphiql_can_be_turned_on_in_production():
    app = create_app(production_settings(graphiql=True))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" in page.text.lower()


async def test_production_hides_introspection_and_field_suggestions():
    app = create_app(production_settings())
    introspection = await asgi_post(app, {"query": "{ __schema { types { name } } }"})
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    typo = await asgi_post(app, {"query": "{ profils { totalCount } }"})
    assert "Did you mean" not in typo.text
    development = await asgi_post(
        create_app(Settings(database_url="sqlite://:memory:")),
        {"query": "{ profils { totalCount } }"},
    )
    assert "Did you mean" in development.text


async def test_cors_preflight_allows_apollo_posts(http, server):
    response = await http.options(
        server.graphql_url,
        headers={
            "Origin": CORS_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == CORS_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed


async def test_cors_refuses_other_origins(http, server):
    response = await http.options(
        server.graphql_url,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


async def test_graphiql_is_served_in_development(http, server):
    page = await http.get(server.graphql_url, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_graphiql_is_off_in_production():
    app = create_app(production_settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in page.text.lower()


async def test_probes(http, server):
    assert (await http.get(f"{server.url}/healthz")).json() == {"status": "ok"}
    assert (await http.get(f"{server.url}/readyz")).json() == {"status": "ready"}


async def test_unexpected_errors_are_masked_with_ids_that_are_logged(
    http, server, monkeypatch, caplog
):
    from loyalty_gateway.profiles import service

    async def broken(profile_id: str) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(service, "find_profile", broken)
    # `tierPoints` leaves the query to the resolvers (on PostgreSQL the rest would compile)
    response = await http.post(
        f"{server.url}/graphql",
        json={"query": '{ profile(id: "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10") { id tierPoints } }'},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "X-Request-ID": "till-7-sale-42"},
    )
    body = response.json()
    [error] = body["errors"]
    assert "hunter2" not in str(body)
    assert response.headers["x-request-id"] == "till-7-sale-42"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == "till-7-sale-42"
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"Internal error (id {error_id}, request till-7-sale-42)"
    [record] = [r for r in caplog.records if error_id in r.getMessage()]
    assert record.request_id == "till-7-sale-42"
    assert "hunter2" in caplog.text


async def test_a_fault_before_any_field_runs_is_masked_too(http, server, monkeypatch):
    from loyalty_gateway.graphql import pipeline

    async def broken(*args: object) -> None:
        raise RuntimeError("redis password is hunter2")

    monkeypatch.setattr(pipeline, "rate_limited", broken)
    response = await http.post(
        f"{server.url}/graphql",
        json={"query": "{ profiles(first: 1) { totalCount } }"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
    )
    body = response.json()
    assert "hunter2" not in str(body)
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_a_request_id_is_made_up_when_the_client_sends_none_or_a_bad_one(http, server):
    plain = await http.get(f"{server.url}/healthz")
    odd = await http.get(f"{server.url}/healthz", headers={"X-Request-ID": "no spaces\tplease"})
    assert len(plain.headers["x-request-id"]) == 16
    assert len(odd.headers["x-request-id"]) == 16
    assert plain.headers["x-request-id"] != odd.headers["x-request-id"]


async def test_graphiql_uses_the_services_own_assets_and_unpkg_only_without_them(
    http, server, tmp_path, monkeypatch
):
    from loyalty_gateway.web import assets

    page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert "/static/vendor/graphiql.min.js" in page.text and "unpkg.com" not in page.text
    script = await http.get(f"{server.url}/static/vendor/graphiql.min.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    monkeypatch.setattr(assets, "VENDOR", tmp_path / "absent")
    page = await http.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert "https://unpkg.com/graphiql@3.8.3/graphiql.min.js" in page.text
    assert "/static/vendor/" not in page.text


async def test_json_integers_beyond_64_bits_are_refused_as_bad_input(gql):
    from tests.support import create_definition, create_profile

    profile = await create_profile(gql)
    definition = await create_definition(gql)
    document = """mutation($input: IssueRewardInput!) { issueReward(input: $input) {
      reward { meta } errors { code } } }"""
    base = {"profileId": profile["id"], "rewardDefinitionId": definition["id"], "timezone": "UTC"}
    largest = 2**63 - 1
    body = await gql.raw(document, {"input": {**base, "meta": {"receipt": [largest]}}})
    assert body["data"]["issueReward"]["reward"]["meta"] == {"receipt": [largest]}
    body = await gql.raw(document, {"input": {**base, "meta": {"receipt": [2**63]}}})
    [error] = body["errors"]
    assert "64 bits" in error["message"]
    assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ profiles(search: "a\\u0000b") { totalCount } }', None),
        ("query($s: String) { profiles(search: $s) { totalCount } }", {"s": "a\x00b"}),
        (
            "query($t: String) { reactions(trigger: $t) { totalCount } }",
            {"t": "custom.\x00"},
        ),
    ],
)
async def test_nul_characters_in_input_strings_are_bad_input(gql, query, variables):
    body = await gql.raw(query, variables)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "NUL" in error["message"]
    assert body.get("data") is None


LONG = "x" * 321


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (f'{{ profiles(search: "{LONG}") {{ totalCount }} }}', None),
        ("query($s: String) { profiles(search: $s) { totalCount } }", {"s": "a" * 900_000}),
        ("query($t: String) { reactions(trigger: $t) { totalCount } }", {"t": LONG}),
        ("query($o: String) { auditLog(operation: $o) { totalCount } }", {"o": LONG}),
        ("query($h: String) { rewardDefinition(handle: $h) { id } }", {"h": LONG}),
        ("query($e: ID!) { reward(id: $e) { id } }", {"e": LONG}),
    ],
)
async def test_query_strings_longer_than_any_column_are_bad_input(gql, query, variables):
    body = await gql.raw(query, variables)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 320 characters" in error["message"]
    assert body.get("data") is None


async def test_a_search_of_320_characters_is_answered(gql):
    data = await gql("query($s: String) { profiles(search: $s) { totalCount } }", {"s": "y" * 320})
    assert data["profiles"]["totalCount"] == 0


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b"\xff\xfe{}", {}),
        (b"null", {}),
        (b"42", {}),
        (b'"x"', {}),
        (gzip.compress(b'{"query": "{ __typename }"}'), {"Content-Encoding": "gzip"}),
    ],
    ids=["not-utf8", "null", "number", "string", "gzip"],
)
async def test_bodies_that_are_not_a_json_object_are_bad_requests(http, server, body, headers):
    response = await http.post(
        server.graphql_url,
        content=body,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        | headers,
    )
    assert response.status_code == 400
