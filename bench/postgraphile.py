"""PostGraphile v5 beside the gateway: installed from `bench/postgraphile/package-lock.json`
(Node 22 comes from the npm package `node`, since Debian's Node 20 is too old for it), run
with the amber preset over the bench's database, and asked the read scenarios in its own
naming. The balance is a computed column (`balances.sql`), as a PostGraphile user would
write it."""

import shutil
import subprocess
from pathlib import Path

import asyncpg
import httpx

from bench.load import Body, read_scenarios

HERE = Path(__file__).resolve().parent / "postgraphile"
NODE = HERE / "node_modules" / ".bin" / "node"
CLI = HERE / "node_modules" / "postgraphile" / "dist" / "cli-run.js"

BALANCE = """query Balance($id: UUID!) { profileByRowId(rowId: $id) { balances {
  rewardBalance pointBalance pointBalanceDollars combinedBalanceDollars } } }"""
PROFILES = """query ProfilesWithRewards($after: Cursor) {
  allProfiles(first: 50, after: $after, orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) {
    nodes { rowId email rewardsByProfileId(first: 10, orderBy: [EXPIRES_AT_ASC]) {
      nodes { rowId valueRemainingCents expiresAt rewardDefinitionByDefinitionId { handle } }
} } } }"""
CURSOR_AT = """query CursorAt($offset: Int!) { allProfiles(first: 1, offset: $offset,
  orderBy: [CREATED_AT_ASC, PRIMARY_KEY_ASC]) { pageInfo { endCursor } } }"""


def missing() -> str | None:
    """Why PostGraphile cannot run here, or None."""
    if shutil.which("npm") is None:
        return "npm is not installed"
    return None


def install() -> None:
    if not CLI.exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=HERE,
            check=True,
            stdout=subprocess.DEVNULL,
        )


async def prepare(dsn: str) -> None:
    """The SQL function PostGraphile exposes as `Profile.balances`."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute((HERE / "balances.sql").read_text())
    finally:
        await connection.close()


def command(port: int) -> tuple[list[str], dict[str, str]]:
    """The command and the environment beyond the database's address."""
    config = HERE / "graphile.config.mjs"
    return [str(NODE), str(CLI), "-C", str(config)], {"PORT": str(port), "POOL_MAX": "20"}


def cursor_at(url: str, offset: int) -> str | None:
    """PostGraphile's cursor after the first `offset` profiles (its cursors are its own)."""
    body = {"query": CURSOR_AT, "variables": {"offset": offset - 1}}
    answer = httpx.post(url, json=body, timeout=30).json()
    return answer["data"]["allProfiles"]["pageInfo"]["endCursor"]


def scenarios(ids: list[str], after: str | None) -> dict[str, Body]:
    """The read scenarios, as PostGraphile names them."""
    return read_scenarios(ids, after, BALANCE, PROFILES)
