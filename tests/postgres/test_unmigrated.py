"""`serve` refuses an unmigrated PostgreSQL database until `loyalty-gateway migrate` runs."""

import asyncio

import httpx

from tests.conftest import create_pg_database, drop_pg_database
from tests.support import cli, free_port, serve, wait_for_line


def test_serve_refuses_an_unmigrated_database_then_runs_after_migrate():
    url, name = asyncio.run(create_pg_database())
    port = free_port()
    env = {"DATABASE_URL": url, "LOYALTY_ADMIN_TOKEN": "", "PORT": str(port)}
    try:
        refused = cli("serve", env=env)
        assert refused.returncode == 1
        assert "loyalty-gateway migrate" in refused.stderr
        assert "Uvicorn running" not in refused.stdout + refused.stderr

        migrated = cli("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        assert cli("migrate", env=env).returncode == 0

        server = serve(env)
        try:
            output = wait_for_line(server, "Uvicorn running")
            assert "lgw_" in output
            ready = httpx.get(f"http://127.0.0.1:{port}/readyz")
            assert ready.json() == {"status": "ready"}
        finally:
            server.terminate()
            server.wait(10)
    finally:
        asyncio.run(drop_pg_database(name))
