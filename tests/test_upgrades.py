"""Upgrading a database keeps what it holds: a reward written before migration 0011 renamed
the value columns to `*_cents` has the same value after it, and the CHECK constraint still
holds on the renamed columns. Each migration runs in a process of its own (Tortoise's state
is global); rows are written and read through the database's own driver."""

import asyncio
import sqlite3
import subprocess
import sys

import asyncpg
import pytest

from tests.conftest import fresh_database
from tests.support import run_sql

MIGRATE = """
import asyncio, sys
from tortoise import Tortoise
from tortoise.migrations.api import migrate
from loyalty_gateway.db import tortoise_config
from loyalty_gateway.settings import Settings

async def main():
    try:
        config = tortoise_config(Settings(database_url=sys.argv[1]))
        await migrate(config=config, target=sys.argv[2])
    finally:
        await Tortoise.close_connections()

asyncio.run(main())
"""
PROFILE = "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"
DEFINITION = "7a2d2b64-1e3d-4d2f-8a6b-6c2c8b4d3f21"
REWARD = "8b3e3c75-2f4e-4e3a-9b7c-7d3d9c5e4a32"
BEFORE = [
    f"INSERT INTO profile (id, email, email_normalized, tags, created_at, updated_at) VALUES "
    f"('{PROFILE}', 'old@example.com', 'old@example.com', '[]', '2025-01-01 00:00:00+00:00', "
    "'2025-01-01 00:00:00+00:00')",
    f"INSERT INTO reward_definition (id, name, handle, value_cents, type, period_type, "
    "is_assignable, is_extendable, is_reassignable, is_published, tags, created_at, updated_at) "
    f"VALUES ('{DEFINITION}', 'Old', 'old', 1500, 'fixed', 'days', false, false, false, false, "
    "'[]', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00')",
    f"INSERT INTO reward (id, definition_id, profile_id, value_initial, value_remaining, "
    "value_at_issue, type, timezone, issued_at, created_at) "
    f"VALUES ('{REWARD}', '{DEFINITION}', '{PROFILE}', 1500, 1250, 1500, 'fixed', 'UTC', "
    "'2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00')",
]
AFTER = [
    f"SELECT value_initial_cents, value_remaining_cents, value_at_issue_cents FROM reward "
    f"WHERE id = '{REWARD}'",
]


async def migrate_to(database_url: str, target: str) -> None:
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", MIGRATE, database_url, target],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


async def test_a_reward_keeps_its_value_through_the_cents_rename(tmp_path):
    async with fresh_database(tmp_path) as database_url:
        await migrate_to(database_url, "models.0010_reward_applied_transaction")
        await run_sql(database_url, *BEFORE)
        await migrate_to(database_url, "models.0011_reward_columns_in_cents")
        after = await run_sql(database_url, *AFTER)
        overdrawn = f"UPDATE reward SET value_remaining_cents = 1600 WHERE id = '{REWARD}'"
        with pytest.raises((sqlite3.IntegrityError, asyncpg.CheckViolationError)):
            await run_sql(database_url, overdrawn)
    assert after == [(1500, 1250, 1500)]
