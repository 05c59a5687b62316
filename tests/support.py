"""Helpers the tests share: a GraphQL client over HTTP and WebSocket, a SQL statement counter,
unique names."""

import asyncio
import json
import logging
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import strawberry
import websockets
from aiohttp import web

from loyalty_gateway.graphql.schema import build_schema
from loyalty_gateway.reactions.dispatcher import TASK_PREFIX
from loyalty_gateway.settings import Settings

ADMIN_TOKEN = "test-admin-" + uuid.uuid4().hex


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, graphql_url: str) -> None:
        self.http = http
        self.graphql_url = graphql_url

    async def raw(
        self, query: str, variables: dict | None = None, token: str | None = ADMIN_TOKEN
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            self.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def __call__(
        self, query: str, variables: dict | None = None, token: str | None = ADMIN_TOKEN
    ) -> dict[str, Any]:
        """Run an operation that must succeed without GraphQL errors; return `data`."""
        body = await self.raw(query, variables, token)
        assert "errors" not in body, body["errors"]
        return body["data"]


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        task = asyncio.current_task()
        if task is not None and task.get_name().startswith(TASK_PREFIX):
            return  # the dispatcher's own polling, not the request's work
        message = record.getMessage().lstrip().upper()
        if message.startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            self.statements.append(message)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    """Count the SQL statements the server runs (it runs in this process)."""
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)


def ws_url(server) -> str:
    return server.graphql_url.replace("http://", "ws://")


async def connect(server, token: str = ADMIN_TOKEN, **options):
    ws = await websockets.connect(ws_url(server), subprotocols=["graphql-transport-ws"], **options)
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
    return ws


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


PROFILE_FIELDS = """
id firstName lastName email mobilePhone birthDate gender tags externalId createdAt updatedAt
"""
CREATE_PROFILE = f"""
mutation($input: CreateProfileInput!) {{
  createProfile(input: $input) {{ profile {{ {PROFILE_FIELDS} }} errors {{ code message field }} }}
}}"""


async def create_profile(gql, **fields) -> dict:
    data = await gql(CREATE_PROFILE, {"input": {"email": f"{unique('p')}@example.com", **fields}})
    assert data["createProfile"]["errors"] == []
    return data["createProfile"]["profile"]


DEFINITION_FIELDS = """
id name handle value type period periodType absoluteExpiry extendDays description
shortDescription longDescription termsConditions earnInstructions redeemInstructionsStore
redeemInstructionsOnline icon imageUrl internalNotes isAssignable isExtendable isReassignable
isPublished tags createdAt updatedAt
"""
CREATE_DEFINITION = f"""
mutation($input: CreateRewardDefinitionInput!) {{
  createRewardDefinition(input: $input) {{
    rewardDefinition {{ {DEFINITION_FIELDS} }} errors {{ code message field }}
  }}
}}"""


async def create_definition(gql, **fields) -> dict:
    body = {
        "name": "Reward",
        "handle": unique("reward"),
        "value": "10",
        "type": "fixed",
        "period": 30,
        **fields,
    }
    data = (await gql(CREATE_DEFINITION, {"input": body}))["createRewardDefinition"]
    assert data["errors"] == [], data["errors"]
    return data["rewardDefinition"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLI = str(Path(sys.executable).parent / "loyalty-gateway")


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`loyalty-gateway *args` with `env` over this environment, to its end."""
    return subprocess.run(
        [CLI, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def serve(env: dict[str, str]) -> subprocess.Popen[str]:
    """`loyalty-gateway serve` with `env` over this environment, output on one pipe."""
    return subprocess.Popen(
        [CLI, "serve"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    """Read a child's output until a line contains `marker`; return everything read."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    raise AssertionError(f"{marker!r} never appeared; output:\n{''.join(lines)}")


REDEMPTION_FIELDS = """
id type total requested transactionExternalId createdAt
items { type value points reward { id valueRemaining } pointLot { id pointsRemaining } }
"""
BALANCE_FIELDS = "rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars"
REDEEM = f"""
mutation($input: RedeemInput!) {{
  redeem(input: $input) {{
    redemption {{ {REDEMPTION_FIELDS} }} balances {{ {BALANCE_FIELDS} }}
    errors {{ code message field }}
  }}
}}"""
ISSUE_REWARD = """
mutation($input: IssueRewardInput!) {
  issueReward(input: $input) {
    reward { id valueRemaining expiresAt status } errors { code message field }
  }
}"""
AWARD_POINTS = f"""
mutation($input: AwardPointsInput!) {{
  awardPoints(input: $input) {{
    pointLot {{ id pointsInitial pointsRemaining expiresAt status }}
    balances {{ {BALANCE_FIELDS} }} errors {{ code message field }}
  }}
}}"""
LEDGER = """query($id: ID!) { ledger(profileId: $id) {
  entries { movement kind value points lotId redemptionId }
  rewards { issued redeemed restored voided expired balance balanced }
  points { issued redeemed restored voided expired balance pending balanced }
} }"""


async def issue_reward(gql, profile_id: str, definition_id: str, **fields) -> dict:
    body = {
        "profileId": profile_id,
        "rewardDefinitionId": definition_id,
        "timezone": "Australia/Melbourne",
        **fields,
    }
    data = (await gql(ISSUE_REWARD, {"input": body}))["issueReward"]
    assert data["errors"] == [], data["errors"]
    return data["reward"]


async def award_points(gql, profile_id: str, points: int, **fields) -> dict:
    body = {"profileId": profile_id, "points": points, "timezone": "UTC", **fields}
    data = (await gql(AWARD_POINTS, {"input": body}))["awardPoints"]
    assert data["errors"] == [], data["errors"]
    return data["pointLot"]


async def redeem(gql, profile_id: str, amount: str, **fields) -> dict:
    """The redeem payload (redemption, balances, errors), whatever the outcome."""
    body = {"profileId": profile_id, "amount": amount, **fields}
    return (await gql(REDEEM, {"input": body}))["redeem"]


async def ledger(gql, profile_id: str) -> dict:
    return (await gql(LEDGER, {"id": profile_id}))["ledger"]


TIER_LADDER = (
    {"name": "Bronze", "handle": "bronze", "valueMin": 0},
    {"name": "Silver", "handle": "silver", "valueMin": 500, "valueMaintain": 400, "isFloor": True},
    {"name": "Gold", "handle": "gold", "valueMin": 1000},
    {"name": "Tier 2", "handle": "tier-2", "valueMin": 2000},
)


BENEFIT_FIELDS = """
id timezone issuedAt expiresAt expiresLocalAt extendedAt claimedAt redemptionsRemaining status
externalId meta definition { id handle } profile { id }
"""
CREATE_BENEFIT_DEFINITION = """mutation($input: CreateBenefitDefinitionInput!) {
  createBenefitDefinition(input: $input) {
    benefitDefinition { id handle maxRedemptions isClaimable claimCondition } errors { code field }
  }
}"""
ISSUE_BENEFIT = f"""mutation($input: IssueBenefitInput!) {{
  issueBenefit(input: $input) {{ benefit {{ {BENEFIT_FIELDS} }} errors {{ code message field }} }}
}}"""
REDEEM_BENEFIT = f"""mutation($input: RedeemBenefitInput!) {{
  redeemBenefit(input: $input) {{ benefit {{ {BENEFIT_FIELDS} }} errors {{ code message field }} }}
}}"""


async def create_benefit_definition(gql, **fields) -> dict:
    body = {"name": "Benefit", "handle": unique("benefit"), **fields}
    data = (await gql(CREATE_BENEFIT_DEFINITION, {"input": body}))["createBenefitDefinition"]
    assert data["errors"] == [], data["errors"]
    return data["benefitDefinition"]


async def issue_benefit(gql, profile_id: str, definition_id: str, **fields) -> dict:
    body = {
        "profileId": profile_id,
        "benefitDefinitionId": definition_id,
        "timezone": "Australia/Melbourne",
        **fields,
    }
    data = (await gql(ISSUE_BENEFIT, {"input": body}))["issueBenefit"]
    assert data["errors"] == [], data["errors"]
    return data["benefit"]


async def redeem_benefit(gql, profile_id: str, benefit_id: str, count: int = 1) -> dict:
    """The redeemBenefit payload (benefit, errors), whatever the outcome."""
    body = {"profileId": profile_id, "benefitId": benefit_id, "count": count}
    return (await gql(REDEEM_BENEFIT, {"input": body}))["redeemBenefit"]


RUNS = """query($profile: ID, $reaction: ID) {
  reactionRuns(profileId: $profile, reactionId: $reaction, first: 100) {
    nodes { id status reactionName trigger profileId
            steps { sortOrder action status arguments result error durationMs } }
  }
}"""


async def wait_for_runs(gql, count: int, within: float = 15, **filters) -> list[dict]:
    """Runs matching the filters once `count` of them have finished (newest first)."""
    deadline = time.monotonic() + within
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = (await gql(RUNS, filters))["reactionRuns"]["nodes"]
        if len([r for r in runs if r["status"] != "RUNNING"]) >= count:
            return runs
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} finished run(s), got {runs}")


def drain(process: subprocess.Popen[str]) -> None:
    """Keep reading a child's output so its pipe never fills and blocks it."""
    assert process.stdout is not None
    threading.Thread(target=process.stdout.read, daemon=True).start()


async def wait_for_event(gql, event_id: str, within: float = 15) -> dict:
    """The event once it is DONE or FAILED, or as it is after `within` seconds."""
    query = "query($id: ID!) { event(id: $id) { status attempts lastError } }"
    deadline = time.monotonic() + within
    while True:
        event = (await gql(query, {"id": event_id}))["event"]
        if event["status"] in ("DONE", "FAILED") or time.monotonic() > deadline:
            return event
        await asyncio.sleep(0.05)


@lru_cache(maxsize=1)
def built_schema() -> strawberry.Schema:
    """The schema as development serves it, for tests that read it rather than query it."""
    return build_schema(Settings(loyalty_env="development"))


async def run_sql(database_url: str, *statements: str) -> list[tuple]:
    """The statements on the database as it is, through its own driver; the last one's rows."""
    rows: list[tuple] = []
    if database_url.startswith("sqlite://"):
        with sqlite3.connect(database_url.removeprefix("sqlite://")) as db:
            for statement in statements:
                rows = db.execute(statement).fetchall()
        return rows
    connection = await asyncpg.connect(database_url)
    try:
        for statement in statements:
            rows = [tuple(row) for row in await connection.fetch(statement)]
    finally:
        await connection.close()
    return rows


class Receiver:
    """A webhook receiver that fails the first `failures` requests with a 500."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.redirect_to: str | None = None
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.hold: asyncio.Event | None = None  # when set, answers wait for it

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        if self.hold is not None:
            await self.hold.wait()
        if self.redirect_to:
            raise web.HTTPFound(self.redirect_to)
        if len(self.requests) <= self.failures:
            return web.Response(status=500)
        return web.json_response({"ok": True})
