"""A real server for the whole run: uvicorn on a loopback port, on SQLite or PostgreSQL.

`TEST_BACKEND=postgres` (with `TEST_DATABASE_URL`) runs the suite on PostgreSQL; each run
creates its own database and drops it at the end.
"""

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from aiohttp import web

from loyalty_gateway.app import create_app
from loyalty_gateway.auth import service as auth
from loyalty_gateway.db import migrate
from loyalty_gateway.settings import Settings
from tests.support import (
    ADMIN_TOKEN,
    TIER_LADDER,
    GraphQLClient,
    Receiver,
    cli,
    create_profile,
    drain,
    free_port,
    serve,
    wait_for_line,
)

CORS_ORIGIN = "http://localhost:3000"
BACKEND = os.environ.get("TEST_BACKEND", "sqlite")
# What only PostgreSQL can prove runs in the PostgreSQL run; the SQLite run does not collect it.
collect_ignore = [] if BACKEND == "postgres" else ["postgres"]


def postgres_admin_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.exit("TEST_BACKEND=postgres needs TEST_DATABASE_URL", returncode=2)
    return url


def with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def create_pg_database() -> tuple[str, str]:
    admin = postgres_admin_url()
    name = "lg_test_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin, name), name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(postgres_admin_url())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class Server:
    url: str
    settings: Settings

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"


@contextlib.asynccontextmanager
async def fresh_database(folder: Path) -> AsyncIterator[str]:
    """The URL of a new, empty database on the backend under test: a SQLite file in
    `folder`, or a PostgreSQL database dropped afterwards."""
    if BACKEND != "postgres":
        yield f"sqlite://{folder / 'loyalty.db'}"
        return
    database_url, pg_name = await create_pg_database()
    try:
        yield database_url
    finally:
        await drop_pg_database(pg_name)


@contextlib.contextmanager
def serving(folder: Path, **env: str) -> Iterator[Server]:
    """`loyalty-gateway serve` in a process of its own, on a fresh migrated database (a SQLite
    file in `folder`, or a PostgreSQL database dropped afterwards), with `env` over the test
    settings: for what the session's server is not configured for."""
    pg_name = None
    if BACKEND == "postgres":
        database_url, pg_name = asyncio.run(create_pg_database())
    else:
        database_url = f"sqlite://{folder / 'loyalty.db'}"
    port = free_port()
    env = {
        "DATABASE_URL": database_url,
        "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN,
        "PORT": str(port),
        **env,
    }
    try:
        migrated = cli("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        process = serve(env)
        try:
            wait_for_line(process, "Uvicorn running")
            drain(process)
            yield Server(f"http://127.0.0.1:{port}", Settings(database_url=database_url))
        finally:
            process.terminate()
            process.wait(10)
    finally:
        if pg_name:
            asyncio.run(drop_pg_database(pg_name))


@contextlib.asynccontextmanager
async def own_server(folder: Path, **env: str) -> AsyncIterator[Server]:
    """`serving`, for async tests: started and stopped off the event loop the session's
    server runs on."""
    running = serving(folder, **env)
    server = await asyncio.to_thread(running.__enter__)
    try:
        yield server
    finally:
        await asyncio.to_thread(running.__exit__, None, None, None)


@pytest.fixture(scope="session")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Server]:
    async with fresh_database(tmp_path_factory.mktemp("db")) as database_url:
        port = free_port()
        settings = Settings(
            database_url=database_url,
            loyalty_admin_token=ADMIN_TOKEN,
            host="127.0.0.1",
            port=port,
            cors_origins=[CORS_ORIGIN],
            ws_init_timeout_seconds=1,
            subscription_check_seconds=0.3,
            # Longer than any wait a test allows: reactions must start on a wake-up, not a poll.
            dispatcher_poll_seconds=5,
            rate_limit_per_second=100_000,
            rate_limit_burst=100_000,
        )
        await migrate(settings)
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
        uv = uvicorn.Server(config)
        task = asyncio.create_task(uv.serve())
        while not uv.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        try:
            yield Server(url=f"http://127.0.0.1:{port}", settings=settings)
        finally:
            uv.should_exit = True
            await task


@pytest.fixture(scope="session")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def gql(http: httpx.AsyncClient, server: Server) -> GraphQLClient:
    return GraphQLClient(http, server.graphql_url)


@pytest.fixture
async def profile(gql: GraphQLClient) -> dict:
    """A new profile for one test (the run shares one database)."""
    return await create_profile(gql)


@pytest.fixture
async def token_with():
    """Create a stored API token with the given scopes; returns its plain text."""

    async def make(*scopes: str) -> str:
        _, plain = await auth.create_token("test " + " ".join(scopes), list(scopes))
        return plain

    return make


@pytest.fixture(scope="session")
async def tier_ladder(gql: GraphQLClient) -> dict[str, dict]:
    """The one tier ladder of the run (tiers are program-wide): bronze, silver, gold, tier-2."""
    query = """mutation($input: CreateTierDefinitionInput!) {
      createTierDefinition(input: $input) { tierDefinition { id handle valueMin } errors { code } }
    }"""
    ladder = {}
    for tier in TIER_LADDER:
        data = (await gql(query, {"input": tier}))["createTierDefinition"]
        assert data["errors"] == [], data["errors"]
        ladder[tier["handle"]] = data["tierDefinition"]
    return ladder


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A webhook receiver on a free local port (`receiver.url`)."""
    port = free_port()
    target = Receiver()
    app = web.Application()
    app.router.add_post("/hook", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    target.url = f"http://127.0.0.1:{port}/hook"
    yield target
    await runner.cleanup()
