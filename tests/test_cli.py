"""The `loyalty-gateway` command as a new user runs it."""

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import cli, drain, free_port, serve, wait_for_line

ROOT = Path(__file__).resolve().parents[1]


def test_schema_file_matches_export_schema():
    exported = cli("export-schema", env={})
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == (ROOT / "schema.graphql").read_text(), (
        "schema.graphql is stale: run `loyalty-gateway export-schema > schema.graphql`"
    )


def test_token_create_list_revoke(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'cli.db'}", "LOYALTY_ADMIN_TOKEN": ""}
    migrated = cli("migrate", env=env)
    assert migrated.returncode == 0
    assert "applied models.0001_initial" in migrated.stderr.splitlines()
    assert "Database is up to date." in migrated.stdout
    created = cli(
        "token", "create", "--name", "pos", "--scope", "rewards:read", "profiles:read", env=env
    )
    assert created.returncode == 0, created.stderr
    fields = dict(line.split(":", 1) for line in created.stdout.splitlines())
    token_id, plain = fields["id"].strip(), fields["token"].strip()
    assert plain.startswith("lgw_")
    listed = cli("token", "list", env=env).stdout
    assert token_id in listed and "active" in listed and plain not in listed
    assert cli("token", "revoke", token_id, env=env).returncode == 0
    assert "revoked" in cli("token", "list", env=env).stdout
    bad_scope = cli("token", "create", "--name", "x", "--scope", "root", env=env)
    assert bad_scope.returncode != 0


def test_serve_migrates_sqlite_prints_a_token_once_and_answers(tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'data' / 'loyalty.db'}",
        "LOYALTY_ADMIN_TOKEN": "",
        "PORT": str(port),
    }
    first = serve(env)
    try:
        output = wait_for_line(first, "Uvicorn running")
    finally:
        first.terminate()
        first.wait(10)
    token = next(word for word in output.split() if word.startswith("lgw_"))
    assert "curl -s" in output and f"Bearer {token}" in output

    second = serve(env)
    try:
        output = wait_for_line(second, "Uvicorn running")
        assert "lgw_" not in output
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        response = httpx.post(
            f"{base}/graphql",
            json={"query": "{ profiles(first: 5) { totalCount nodes { id email } } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.json() == {"data": {"profiles": {"totalCount": 0, "nodes": []}}}
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"})
        assert "graphiql" in page.text.lower()
    finally:
        second.terminate()
        second.wait(10)


def test_tiers_evaluate_command(tmp_path):
    env = {"DATABASE_URL": f"sqlite://{tmp_path / 'tiers.db'}", "LOYALTY_ADMIN_TOKEN": ""}
    assert cli("migrate", env=env).returncode == 0
    result = cli("tiers", "evaluate", "--now", "2030-01-01T00:00:00", env=env)
    assert result.returncode == 0, result.stderr
    assert "Reviewed 0 profile(s)" in result.stdout


DRIFT_CHECK = """
import asyncio
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector
from loyalty_gateway.db import tortoise_config
from loyalty_gateway.settings import Settings

async def main():
    config = tortoise_config(Settings(database_url="sqlite://:memory:"))
    async with tortoise_cli_context(config) as ctx:
        writers = await MigrationAutodetector(ctx.apps, config["apps"]).changes()
    print("pending:", [writer.name for writer in writers])

asyncio.run(main())
"""


def test_models_and_committed_migrations_agree():
    """What `tortoise makemigrations` would write: nothing, or a migration is missing."""
    result = subprocess.run(
        [sys.executable, "-c", DRIFT_CHECK], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("pending: []"), result.stdout


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'loyalty.db'}",
        "LOYALTY_ENV": "production",
        "LOYALTY_SECRET_KEY": "k" * 40,
        "LOYALTY_ADMIN_TOKEN": "admin-" + "x" * 30,
        "PORT": str(port),
    }
    process = serve(env)
    try:
        startup = wait_for_line(process, "Uvicorn running")
        response = httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "rq-77"})
        assert response.headers["x-request-id"] == "rq-77"
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
    output = startup + rest
    assert "lgw_" not in output  # no admin token printed to a production log
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any("Uvicorn running" in entry["message"] for entry in entries)
    [access] = [entry for entry in entries if entry["request_id"] == "rq-77"]
    assert access["logger"] == "uvicorn.access" and "/healthz" in access["message"]
    assert {"time", "level", "logger", "message", "request_id"} <= set(access)


def test_demo_loads_a_program_to_explore_with_progress_and_only_once(tmp_path):
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'demo.db'}",
        "LOYALTY_ADMIN_TOKEN": "demo-admin-token",
        "PORT": str(port),
    }
    offered = cli("demo", "--offer", env=env)
    assert offered.returncode == 0 and "`loyalty-gateway demo` loads" in offered.stdout
    loaded = cli("demo", "--profiles", "12", env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "demo: profiles 12/12" in loaded.stderr.splitlines()
    assert "Demo program loaded" in loaded.stdout
    again = cli("demo", env=env)
    assert again.returncode == 2 and "already loaded" in again.stderr
    assert cli("demo", "--offer", env=env).stdout == ""
    process = serve(env)
    query = """{ profiles(first: 50) { totalCount nodes { tier { handle } birthDate
      benefits { totalCount nodes { definition { handle } } }
      transactions { totalCount } } } automations { name query } }"""
    try:
        wait_for_line(process, "Uvicorn running")
        drain(process)
        deadline = time.monotonic() + 20
        while True:
            data = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": query},
                headers={"Authorization": "Bearer demo-admin-token"},
            ).json()["data"]
            automations, data = data["automations"], data["profiles"]
            gold = [p for p in data["nodes"] if (p["tier"] or {}).get("handle") == "gold"]
            rewarded = [p for p in gold if p["benefits"]["totalCount"] == 1]
            if (gold and len(rewarded) == len(gold)) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(10)
    assert data["totalCount"] == 12
    assert all(p["transactions"]["totalCount"] >= 1 for p in data["nodes"])
    assert gold, "some demo profiles reach gold"
    assert rewarded == gold, "the gold reaction issued free-alterations to each gold profile"
    assert {p["benefits"]["nodes"][0]["definition"]["handle"] for p in gold} == {"free-alterations"}
    assert all(p["birthDate"] for p in data["nodes"])
    birthday = {"name": "Birthday reward", "query": {"==": [{"var": "birthday_today"}, True]}}
    assert automations == [birthday]


def test_production_refuses_weak_secrets(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite://{tmp_path / 'loyalty.db'}",
        "LOYALTY_ENV": "production",
        "LOYALTY_SECRET_KEY": "k" * 40,
        "LOYALTY_ADMIN_TOKEN": "a",
    }
    result = cli("serve", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: LOYALTY_ADMIN_TOKEN must have 32 characters or more when LOYALTY_ENV=production"
        " (it grants every scope)"
    )
    result = cli("serve", env={**env, "LOYALTY_SECRET_KEY": "short", "LOYALTY_ADMIN_TOKEN": ""})
    assert result.returncode == 2 and "LOYALTY_SECRET_KEY" in result.stderr
