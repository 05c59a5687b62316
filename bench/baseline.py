"""The yardstick: a minimal Starlette + asyncpg app answering the benchmark's operations with
hand-written SQL (one statement where one suffices, json_agg for the list), in the same JSON
shape as the gateway. Run: uvicorn bench.baseline:app (DATABASE_URL in the environment)."""

import base64
import os
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from loyalty_gateway.db import PooledConnection  # the gateway's pool, minus the ORM

BALANCE = """
SELECT
  (SELECT COALESCE(SUM(r.value_remaining_cents), 0) FROM reward r
     JOIN reward_definition d ON d.id = r.definition_id
    WHERE r.profile_id = $1 AND r.voided_at IS NULL AND r.value_remaining_cents > 0
      AND (r.expires_at IS NULL OR r.expires_at > now()) AND d.type <> 'percentage') AS rewards,
  (SELECT COALESCE(SUM(points_remaining), 0) FROM point_lot
    WHERE profile_id = $1 AND voided_at IS NULL AND points_remaining > 0
      AND (expires_at IS NULL OR expires_at > now())) AS points,
  (SELECT points_to_dollars_rate FROM program_settings WHERE id = 1) AS rate
"""
PROFILES = """
SELECT COALESCE(json_agg(row_to_json(p) ORDER BY p.created_at, p.id), '[]') FROM (
  SELECT p.id, p.email, p.created_at, (
    SELECT json_build_object('nodes', COALESCE(json_agg(json_build_object(
      'id', r.id, 'valueRemaining', to_char(r.value_remaining_cents / 100.0, 'FM999999990.00'),
      'expiresAt', r.expires_at, 'definition', json_build_object('handle', d.handle))
      ORDER BY r.expires_at NULLS LAST, r.issued_at, r.id), '[]'))
    FROM (SELECT * FROM reward WHERE profile_id = p.id
          ORDER BY expires_at NULLS LAST, issued_at, id LIMIT 10) r
    JOIN reward_definition d ON d.id = r.definition_id) AS rewards
  FROM profile p %s ORDER BY p.created_at, p.id LIMIT 50) p
"""
FIRST_PAGE = PROFILES % ""
PAGE_AFTER = PROFILES % "WHERE (p.created_at, p.id) > ($1, $2)"
LOTS = """
SELECT r.id, r.value_remaining_cents
  FROM reward r JOIN reward_definition d ON d.id = r.definition_id
 WHERE r.profile_id = $1 AND r.voided_at IS NULL AND r.value_remaining_cents > 0
   AND (r.expires_at IS NULL OR r.expires_at > now()) AND d.type <> 'percentage'
 ORDER BY r.expires_at NULLS LAST, r.issued_at, r.id
"""


def money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


async def floor(pool: asyncpg.Pool, variables: dict) -> dict:
    return {"__typename": "Query"}


async def balance(pool: asyncpg.Pool, variables: dict) -> dict:
    row = await pool.fetchrow(BALANCE, variables["id"])
    rewards, points = int(row["rewards"]), int(row["points"])
    point_cents = int((Decimal(points) * row["rate"] * 100).to_integral_value(ROUND_FLOOR))
    balances = {
        "rewardBalance": money(rewards),
        "pointBalance": points,
        "pointBalanceDollars": money(point_cents),
        "combinedBalanceDollars": money(rewards + point_cents),
    }
    return {"profile": {"balances": balances}}


async def profiles(pool: asyncpg.Pool, variables: dict) -> dict:
    """A page of 50 by creation, after the gateway's cursor (base64 of `["profiles",
    [created_at, id]]`) when there is one."""
    if variables.get("after"):
        _, (created, profile) = orjson.loads(base64.urlsafe_b64decode(variables["after"]))
        nodes = await pool.fetchval(PAGE_AFTER, datetime.fromisoformat(created), profile)
    else:
        nodes = await pool.fetchval(FIRST_PAGE)
    return {"profiles": {"nodes": orjson.loads(nodes)}}


async def redeem(pool: asyncpg.Pool, variables: dict) -> dict:
    data = variables["input"]
    cents = int(Decimal(data["amount"]) * 100)
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(
            "SELECT id FROM profile WHERE id = $1 FOR UPDATE", data["profileId"]
        )
        left, takes = cents, []
        for lot in await connection.fetch(LOTS, data["profileId"]):
            take = min(left, lot["value_remaining_cents"])
            takes.append((lot["id"], take))
            left -= take
            if left == 0:
                break
        if left:
            return {"redeem": {"redemption": None, "errors": [{"code": "INSUFFICIENT_BALANCE"}]}}
        redemption = await connection.fetchval(
            """INSERT INTO redemption (id, profile_id, type, total_cents, requested_cents,
               created_at) VALUES (gen_random_uuid(), $1, 'REDEEM', $2, $2, now()) RETURNING id""",
            data["profileId"],
            cents,
        )
        await connection.executemany(
            "UPDATE reward SET value_remaining_cents = value_remaining_cents - $2 WHERE id = $1",
            takes,
        )
        await connection.executemany(
            """INSERT INTO redemption_item (id, redemption_id, type, reward_id, value_cents, points,
               uses, restored_cents, restored_points, restored_uses, created_at)
               VALUES (gen_random_uuid(), $1, 'REWARD', $2, $3, 0, 0, 0, 0, 0, now())""",
            [(redemption, lot, take) for lot, take in takes],
        )
        await connection.execute(
            """INSERT INTO event (name, profile_id, context, depth, status, attempts, created_at)
               VALUES ('redemption.created', $1, $2, 0, 'PENDING', 0, now())""",
            data["profileId"],
            orjson.dumps({"id": str(redemption), "total": money(cents)}).decode(),
        )
    return {"redeem": {"redemption": {"id": str(redemption), "total": money(cents)}, "errors": []}}


async def issue_reward(pool: asyncpg.Pool, variables: dict) -> dict:
    data = variables["input"]
    async with pool.acquire() as connection, connection.transaction():
        definition = await connection.fetchrow(
            "SELECT id, value_cents, type, period FROM reward_definition WHERE handle = $1",
            data["rewardDefinitionHandle"],
        )
        reward = await connection.fetchval(
            """INSERT INTO reward (id, definition_id, profile_id, value_initial_cents,
               value_remaining_cents, value_at_issue_cents, type, timezone, issued_at,
               expires_at, created_at)
               VALUES (gen_random_uuid(), $1, $2, $3, $3, $3, $6, $4, now(),
                       date_trunc('day', now()) + make_interval(days => $5 + 1)
                         - interval '1 second', now())
               RETURNING id""",
            definition["id"],
            data["profileId"],
            definition["value_cents"],
            data["timezone"],
            definition["period"],
            definition["type"],
        )
        await connection.execute(
            """INSERT INTO event (name, profile_id, context, depth, status, attempts, created_at)
               VALUES ('reward.created', $1, $2, 0, 'PENDING', 0, now())""",
            data["profileId"],
            orjson.dumps({"id": str(reward)}).decode(),
        )
    return {"issueReward": {"reward": {"id": str(reward)}, "errors": []}}


async def create_transaction(pool: asyncpg.Pool, variables: dict) -> dict:
    data = variables["input"]
    async with pool.acquire() as connection, connection.transaction():
        transaction = await connection.fetchval(
            """INSERT INTO transaction (id, profile_id, external_id, request_hash, total_cents,
               is_void, transacted_at, timezone, tags, created_at)
               VALUES (gen_random_uuid(), $1, $2, '', $3, false, $4, $5, '[]', now())
               RETURNING id""",
            data["profileId"],
            data["externalId"],
            int(Decimal(data["total"]) * 100),
            datetime.fromisoformat(data["transactedAt"].replace("Z", "+00:00")),
            data["timezone"],
        )
        await connection.executemany(
            """INSERT INTO transaction_item (id, transaction_id, position, name, quantity,
               price_current_cents, price_sell_cents, is_void, is_return, tags)
               VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $5, false, false, '[]')""",
            [
                (
                    transaction,
                    index,
                    item["name"],
                    Decimal(str(item["quantity"])),
                    int(Decimal(str(item["priceSell"])) * 100),
                )
                for index, item in enumerate(data["items"])
            ],
        )
        await connection.execute(
            """INSERT INTO event (name, profile_id, context, depth, status, attempts, created_at)
               VALUES ('transaction.created', $1, $2, 0, 'PENDING', 0, now())""",
            data["profileId"],
            orjson.dumps({"id": str(transaction)}).decode(),
        )
    return {"createTransaction": {"transaction": {"id": str(transaction)}, "errors": []}}


OPERATIONS = {
    "Floor": floor,
    "Balance": balance,
    "ProfilesWithRewards": profiles,
    "Redeem": redeem,
    "IssueReward": issue_reward,
    "CreateTransaction": create_transaction,
}


@asynccontextmanager
async def lifespan(app: Starlette):  # noqa: ANN201
    dsn = os.environ["DATABASE_URL"]
    app.state.pool = await asyncpg.create_pool(
        dsn, min_size=4, max_size=20, connection_class=PooledConnection
    )
    yield
    await app.state.pool.close()


async def graphql(request: Request) -> Response:
    body = orjson.loads(await request.body())
    handler = OPERATIONS[body["operationName"]]
    data = await handler(request.app.state.pool, body.get("variables") or {})
    return Response(orjson.dumps({"data": data}), media_type="application/json")


app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], lifespan=lifespan)
