"""/metrics in Prometheus text format, read with Prometheus's own parser."""

import uuid

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import BACKEND


async def scrape(http, server) -> dict[tuple[str, tuple], float]:
    response = await http.get(f"{server.url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_operations_are_counted_by_name_and_outcome_with_latency(gql, http, server):
    name = "Metrics" + uuid.uuid4().hex[:8]
    before = await scrape(http, server)
    for _ in range(3):
        await gql(f"query {name} {{ profiles(first: 1) {{ totalCount }} }}")
    await gql.raw(f"query {name} {{ noSuchField }}")
    await gql(
        f'mutation {name}M {{ redeem(input: {{profileId: "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10",'
        ' amount: "1.00"}) { errors { code } } }'
    )
    after = await scrape(http, server)
    ok = value(after, "loyalty_graphql_requests_total", operation=name, type="query", outcome="ok")
    assert (
        ok
        - value(
            before, "loyalty_graphql_requests_total", operation=name, type="query", outcome="ok"
        )
        == 3
    )
    assert (
        value(
            after, "loyalty_graphql_requests_total", operation=name, type="unknown", outcome="error"
        )
        + value(
            after, "loyalty_graphql_requests_total", operation=name, type="query", outcome="error"
        )
        == 1
    )
    assert (
        value(
            after,
            "loyalty_graphql_requests_total",
            operation=name + "M",
            type="mutation",
            outcome="user_error",
        )
        == 1
    )
    assert value(after, "loyalty_graphql_request_duration_seconds_count", operation=name) >= 3
    assert (
        value(after, "loyalty_graphql_request_duration_seconds_bucket", operation=name, le="+Inf")
        >= 3
    )


async def test_database_gauges_are_exported(http, server):
    samples = await scrape(http, server)
    names = {name for name, _ in samples}
    assert {"loyalty_outbox_lag_seconds", "loyalty_outbox_pending_events"} <= names
    assert value(samples, "loyalty_outbox_lag_seconds") >= 0
    if BACKEND == "postgres":
        size = value(samples, "loyalty_db_pool_connections", state="size")
        in_use = value(samples, "loyalty_db_pool_connections", state="in_use")
        assert size >= 1 and 0 <= in_use <= size
