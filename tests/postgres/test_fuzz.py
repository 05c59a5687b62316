"""Schemathesis throws generated GraphQL at every operation of a running server on PostgreSQL:
no 5xx, no unmasked internal error, and a bystander profile's data never changes."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from graphql import IntValueNode, StringValueNode, parse_value
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import serving

TOKEN = "fuzz-" + uuid.uuid4().hex
SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def _strings(*values: str) -> st.SearchStrategy:
    return st.sampled_from(values).map(lambda value: StringValueNode(value=value))


schemathesis.graphql.scalar("Decimal", _strings("0", "10.00", "-5", "1.001", "abc", "1e400"))
schemathesis.graphql.scalar("Quantity", _strings("1", "0.5", "-1", "x"))
schemathesis.graphql.scalar(
    "DateTime",
    _strings(
        "2026-01-01T00:00:00Z", "2021-02-10 10:00:00", "not a date", "9999-12-31T23:59:59-12:00"
    ),
)
schemathesis.graphql.scalar(
    "JSON",
    st.sampled_from(['{a: 1, b: "x"}', "[1, 2]", '"text"', "3", "{data: {score: 9}}"]).map(
        parse_value
    ),
)
schemathesis.graphql.scalar("Date", _strings("1990-05-17", "2999-01-01", "31/12/1999"))
schemathesis.graphql.scalar(
    "Points",
    st.sampled_from(["0", "1", "-5", "2147483648", "9007199254740992", "1000000000001"]).map(
        lambda value: IntValueNode(value=value)
    ),
)

schema = schemathesis.graphql.from_file(SDL.read_text())

BYSTANDER = """query($id: ID!) { profile(id: $id) {
  email tags balances { rewardBalance pointBalance }
  rewards { totalCount nodes { valueRemaining status } } ledger: redemptions { totalCount } } }"""


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    limits = {"RATE_LIMIT_PER_SECOND": "100000", "RATE_LIMIT_BURST": "100000"}
    folder = tmp_path_factory.mktemp("fuzz")
    with serving(folder, LOYALTY_ADMIN_TOKEN=TOKEN, **limits) as server:
        base = server.graphql_url
        headers = {"Authorization": f"Bearer {TOKEN}"}
        profile = httpx.post(
            base,
            headers=headers,
            json={
                "query": """mutation { createProfile(
          input: {email: "bystander@example.com", tags: ["vip"]}) { profile { id } } }"""
            },
        )
        profile_id = profile.json()["data"]["createProfile"]["profile"]["id"]
        httpx.post(
            base,
            headers=headers,
            json={
                "query": f"""mutation {{ awardPoints(input: {{
          profileId: "{profile_id}", points: 500, timezone: "UTC"}}) {{ errors {{ code }} }} }}"""
            },
        )
        snapshot = httpx.post(
            base, headers=headers, json={"query": BYSTANDER, "variables": {"id": profile_id}}
        )
        state = {
            "url": base,
            "headers": headers,
            "bystander": profile_id,
            "before": snapshot.json()["data"],
        }
        yield state
        after = httpx.post(
            base, headers=headers, json={"query": BYSTANDER, "variables": {"id": profile_id}}
        )
        assert after.json()["data"] == state["before"], "the bystander's data changed"


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_breaks_the_server(case, live):
    response = case.call(url=live["url"], headers=live["headers"])
    assert response.status_code < 500, response.text
    body = response.json()
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code == "INTERNAL_SERVER_ERROR":
            pytest.fail(f"an internal error surfaced for {case.body}: {error}")
        assert "Traceback" not in error.get("message", "")
