"""`make bench`: seed PostgreSQL, start the gateway (one uvicorn worker) and the hand-written
baseline, drive both with the same requests, and report each figure beside its ratio to the
baseline from the same run. Results: bench/results/<date>.json and BENCHMARKS.md."""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from bench import postgraphile, wrk
from bench.load import UNIQUE, drive, read_scenarios
from bench.seed import seed
from loyalty_gateway.graphql.pagination import encode_cursor
from loyalty_gateway.profiles.service import PROFILE_ORDER

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCOPES = [
    "profiles:read",
    "definitions:read",
    "rewards:read",
    "rewards:write",
    "redemptions:read",
    "redemptions:write",
    "transactions:read",
    "transactions:write",
]
"""What a point-of-sale token holds: the bench calls as a stored API token, as clients do."""
BALANCE = """query Balance($id: ID!) { profile(id: $id) { balances {
  rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars } } }"""
PROFILES = """query ProfilesWithRewards($after: String) { profiles(first: 50, after: $after) {
  nodes { id email rewards(first: 10) { nodes { id valueRemaining expiresAt
  definition { handle } } } } } }"""
PAGE = 400
"""`page400` reads the list of 50 at this page (or the last, in a smaller database)."""
REDEEM = """mutation Redeem($input: RedeemInput!) { redeem(input: $input) {
  redemption { id total } errors { code } } }"""


ISSUE = """mutation IssueReward($input: IssueRewardInput!) { issueReward(input: $input) {
  reward { id } errors { code } } }"""
TRANSACTION = """mutation CreateTransaction($input: CreateTransactionInput!) {
  createTransaction(input: $input) { transaction { id } errors { code } } }"""


def transaction(rng: random.Random, ids: list[str]) -> dict:
    items = [
        {"name": f"Item {i}", "quantity": "1", "priceCurrent": "9.99", "priceSell": "9.99"}
        for i in range(5)
    ]
    return {
        "operationName": "CreateTransaction",
        "query": TRANSACTION,
        "variables": {
            "input": {
                "profileId": rng.choice(ids),
                "externalId": UNIQUE,
                "total": "49.95",
                "transactedAt": "2026-11-01T10:00:00Z",
                "timezone": "UTC",
                "items": items,
            }
        },
    }


def scenarios(ids: list[str], after: str | None = None) -> dict:
    """The gateway's requests, by scenario; `after` is the cursor of page 400's start."""
    hot = ids[:10]
    return {
        **read_scenarios(ids, after, BALANCE, PROFILES),
        "redeem_spread": lambda rng: {
            "operationName": "Redeem",
            "query": REDEEM,
            "variables": {"input": {"profileId": rng.choice(ids), "amount": "0.01"}},
        },
        "issue_reward": lambda rng: {
            "operationName": "IssueReward",
            "query": ISSUE,
            "variables": {
                "input": {
                    "profileId": rng.choice(ids),
                    "timezone": "UTC",
                    "rewardDefinitionHandle": "bench-reward",
                }
            },
        },
        "create_transaction": lambda rng: transaction(rng, ids),
        "redeem_hot": lambda rng: {
            "operationName": "Redeem",
            "query": REDEEM,
            "variables": {"input": {"profileId": rng.choice(hot), "amount": "0.01"}},
        },
        "redeem_hot1": lambda rng: {
            "operationName": "Redeem",
            "query": REDEEM,
            "variables": {"input": {"profileId": hot[0], "amount": "0.01"}},
        },
    }


def gateway_command(port: int, workers: int) -> list[str]:
    """The gateway as `serve` runs it: uvicorn's factory reads the settings from the
    environment."""
    return [
        str(BIN / "uvicorn"),
        "loyalty_gateway.app:app_from_environment",
        "--factory",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--workers",
        str(workers),
    ]


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{command} did not start")


async def ledger_violations(dsn: str) -> int:
    """Lots whose remaining value is not value at issue - taken + restored."""
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetchval("""
            SELECT count(*) FROM reward r LEFT JOIN (
              SELECT reward_id, SUM(CASE WHEN m.type = 'REDEEM' THEN i.value_cents
                                         ELSE -i.value_cents END) AS net
                FROM redemption_item i JOIN redemption m ON m.id = i.redemption_id
               WHERE i.reward_id IS NOT NULL GROUP BY reward_id) t ON t.reward_id = r.id
             WHERE r.value_at_issue_cents - COALESCE(t.net, 0) <> r.value_remaining_cents""")
    finally:
        await connection.close()


def create_token(env: dict[str, str]) -> str:
    created = subprocess.run(
        [BIN / "loyalty-gateway", "token", "create", "--name", "bench", "--scope", *SCOPES],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return next(line.split(":", 1)[1].strip() for line in created.splitlines() if "token:" in line)


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [BIN / "loyalty-gateway", "migrate"],
        env={**os.environ, **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def prepare(admin: str, name: str, profiles: int) -> tuple[str, dict, str, list[str]]:
    """The database `name` beside `admin`'s, made anew, migrated and seeded: its URL, the
    gateway's environment over it, a stored API token and the profiles' ids."""
    connection = await asyncpg.connect(admin)
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    dsn = admin.rsplit("/", 1)[0] + "/" + name
    env = {
        "DATABASE_URL": dsn,
        "DISPATCHER_IN_SERVE": "false",
        "RATE_LIMIT_PER_SECOND": "1000000",
        "RATE_LIMIT_BURST": "1000000",
        "LOYALTY_ENV": "development",
    }
    await asyncio.to_thread(migrate, env)
    token = await asyncio.to_thread(create_token, env)
    return dsn, env, token, await seed(dsn, profiles)


async def main(args: argparse.Namespace) -> dict:
    dsn, env, token, ids = await prepare(args.database_url, "loyalty_bench", args.profiles)
    depth = min((PAGE - 1) * 50, len(ids) - 1)
    servers = {
        "gateway": start(gateway_command(8101, args.workers), env, 8101),
        "baseline": start(
            [
                str(BIN / "uvicorn"),
                "bench.baseline:app",
                "--port",
                "8102",
                "--log-level",
                "warning",
            ],
            env,
            8102,
        ),
    }
    ports = {"gateway": 8101, "baseline": 8102}
    cursor = await page_cursor(dsn, depth)
    bodies = {side: scenarios(ids, cursor) for side in ports}
    absent = postgraphile.missing()
    if absent is None:
        await asyncio.to_thread(postgraphile.install)
        await postgraphile.prepare(dsn)
        command, extra = postgraphile.command(8103)
        servers["postgraphile"] = start(command, {**env, **extra}, 8103)
        ports["postgraphile"] = 8103
        after = postgraphile.cursor_at("http://127.0.0.1:8103/graphql", depth)
        bodies["postgraphile"] = postgraphile.scenarios(ids, after)
    else:
        print(f"PostGraphile left out: {absent}", flush=True)
    generator = args.load if args.load != "auto" else ("wrk" if wrk.available() else "python")
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "profiles": args.profiles,
        "connections": args.connections,
        "workers": args.workers,
        "duration_s": args.duration,
        "load_generator": generator,
        "scenarios": {},
        "postgraphile": "5.1.5 (amber preset, Node 22)" if absent is None else f"absent: {absent}",
    }
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        for scenario in bodies["gateway"]:
            if args.only and scenario not in args.only:
                continue
            row = {}
            writes = bodies["gateway"][scenario](random.Random(0))["query"].startswith("mutation")
            for target in ports:
                body = bodies[target].get(scenario)
                if body is None:  # PostGraphile is asked the reads only
                    continue
                url = f"http://127.0.0.1:{ports[target]}/graphql"
                load = (url, headers, body, args.connections, args.warmup, args.duration)
                if generator == "wrk":
                    row[target] = await asyncio.to_thread(wrk.run, *load)
                else:
                    row[target] = (await drive(*load)).summary()
                if writes:  # the ledger after each side's writes, not only at the end
                    row[target]["ledger_violations"] = await ledger_violations(dsn)
                print(f"{scenario:14} {target:9} {row[target]}", flush=True)
            row["ratio"] = round(row["gateway"]["rps"] / row["baseline"]["rps"], 3)
            if "postgraphile" in row:
                versus = row["gateway"]["rps"] / row["postgraphile"]["rps"]
                row["ratio_to_postgraphile"] = round(versus, 3)
            results["scenarios"][scenario] = row
        results["ledger_violations"] = await ledger_violations(dsn)
    finally:
        for process in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    return results


async def page_cursor(dsn: str, depth: int) -> str:
    """The gateway's cursor after the first `depth` profiles (as `profiles` writes it)."""
    connection = await asyncpg.connect(dsn)
    try:
        row = await connection.fetchrow(
            "SELECT created_at, id FROM profile ORDER BY created_at, id OFFSET $1 LIMIT 1",
            depth - 1,
        )
    finally:
        await connection.close()
    return encode_cursor(PROFILE_ORDER, (row["created_at"], row["id"]))


def report(results: dict) -> str:
    lines = [
        "| scenario | baseline req/s | PostGraphile req/s | gateway req/s | ratio to baseline "
        "| ratio to PostGraphile | gateway p50 ms | gateway p99 ms | PostGraphile p99 ms "
        "| ledger violations after baseline / gateway |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in results["scenarios"].items():
        other = row.get("postgraphile", {})
        versus = row.get("ratio_to_postgraphile")
        lines.append(
            f"| {name} | {row['baseline']['rps']} | {other.get('rps', '-')} | "
            f"{row['gateway']['rps']} | {row['ratio']}x | "
            f"{'-' if versus is None else f'{versus}x'} | {row['gateway']['p50_ms']} | "
            f"{row['gateway']['p99_ms']} | {other.get('p99_ms', '-')} | "
            f"{row['baseline'].get('ledger_violations', '-')} / "
            f"{row['gateway'].get('ledger_violations', '-')} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--workers", type=int, default=1, help="gateway uvicorn workers")
    parser.add_argument(
        "--load",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (auto), else the Python client",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="the results file (default: bench/results/<date>.json, or <date>-workersN.json)",
    )
    arguments = parser.parse_args()
    outcome = asyncio.run(main(arguments))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    suffix = f"-workers{arguments.workers}" if arguments.workers > 1 else ""
    target = arguments.out or ROOT / "bench" / "results" / f"{stamp}{suffix}.json"
    if arguments.only and target.exists():
        # A partial run updates its scenarios in the file instead of replacing it.
        earlier = json.loads(target.read_text())
        earlier["scenarios"].update(outcome["scenarios"])
        earlier["ledger_violations"] = outcome["ledger_violations"]
        earlier["updated"] = outcome["date"]  # when the scenarios it ran were measured
        outcome = {**earlier, "scenarios": earlier["scenarios"]}
    target.write_text(json.dumps(outcome, indent=2) + "\n")
    print(report(outcome))
    print(f"ledger violations: {outcome['ledger_violations']}")
