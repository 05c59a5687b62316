"""Stored API tokens kept in memory on PostgreSQL: read once, and revoked everywhere at once."""

import asyncio
import hashlib
import os
import time
from collections.abc import Callable

import asyncpg

from loyalty_gateway.auth.cache import token_cache
from loyalty_gateway.auth.models import ApiToken
from tests.support import CLI, count_queries

PROFILES = "{ profiles(first: 1) { totalCount } }"


async def stored(token: str) -> ApiToken:
    return await ApiToken.get(token_hash=hashlib.sha256(token.encode()).hexdigest())


async def until(condition: Callable[[], bool], within: float = 5) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"not within {within} s"
        await asyncio.sleep(0.01)


async def until_refused(gql, token: str, within: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < within:
        body = await gql.raw(PROFILES, token=token)
        if body.get("errors") and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED":
            return time.monotonic() - began
        await asyncio.sleep(0.02)
    raise AssertionError(f"the revoked token still worked after {within} s")


async def test_a_stored_token_is_read_once_then_kept(gql, token_with):
    token = await token_with("profiles:read")
    await gql(PROFILES, token=token)
    with count_queries() as counter:
        await gql(PROFILES, token=token)
    assert not [s for s in counter.statements if "API_TOKEN" in s], counter.statements


async def test_a_revocation_in_another_process_reaches_the_server_at_once(gql, server, token_with):
    token = await token_with("profiles:read")
    await gql(PROFILES, token=token)  # now in the server's cache
    revoke = await asyncio.create_subprocess_exec(
        CLI,
        "token",
        "revoke",
        str((await stored(token)).id),
        env={**os.environ, "DATABASE_URL": server.settings.database_url},
        stdout=asyncio.subprocess.DEVNULL,
    )
    assert await revoke.wait() == 0
    assert await until_refused(gql, token, within=1.0) < 1.0


async def test_a_lost_listen_connection_drops_what_was_cached(gql, server, token_with):
    token = await token_with("profiles:read")
    await gql(PROFILES, token=token)
    connection = await asyncpg.connect(server.settings.database_url)
    try:
        # The server's LISTEN connection goes; a revocation written meanwhile is not heard.
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN %' AND datname = current_database()"
        )
        await until(lambda: not token_cache.enabled)
        await connection.execute(
            "UPDATE api_token SET revoked_at = now() WHERE id = $1", (await stored(token)).id
        )
    finally:
        await connection.close()
    await until(lambda: token_cache.enabled)  # the listener is back, and so is the cache
    body = await gql.raw(PROFILES, token=token)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
