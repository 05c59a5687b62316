"""Database wiring: the Tortoise config, migrations and the readiness check."""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.connection import get_connection
from tortoise.exceptions import DBConnectionError
from tortoise.migrations.api import migrate as run_migrations
from tortoise.migrations.executor import MigrationExecutor

from loyalty_gateway.core.time import DateOnly
from loyalty_gateway.settings import Settings

# sqlite3 binds a value through the adapter of its exact type, and Tortoise registers one for
# `datetime` alone: a date given alone for a DateTime (`DateOnly`, a datetime) is stored as
# Tortoise stores any other (tortoise/backends/sqlite/executor.py), not refused by the driver.
sqlite3.register_adapter(DateOnly, lambda value: value.isoformat(" "))

MODEL_MODULES = [
    "loyalty_gateway.profiles.models",
    "loyalty_gateway.rewards.models",
    "loyalty_gateway.points.models",
    "loyalty_gateway.earning.models",
    "loyalty_gateway.events.models",
    "loyalty_gateway.idempotency.models",
    "loyalty_gateway.auth.models",
    "loyalty_gateway.program.models",
    "loyalty_gateway.redemptions.models",
    "loyalty_gateway.transactions.models",
    "loyalty_gateway.tiers.models",
    "loyalty_gateway.benefits.models",
    "loyalty_gateway.reactions.models",
]
MIGRATIONS_MODULE = "loyalty_gateway.migrations"


class DatabaseNotMigrated(RuntimeError):
    pass


# What the database being away looks like: no route or connection, a connection cut or shut
# down by the server, the server not taking connections, or out of connection slots.
_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    DBConnectionError,
)


def _caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Whether `error`, or an error it was raised from, is one of `kinds`."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, kinds):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database is away (rather than that a query or the code is
    wrong)."""
    return _caused_by(error, _UNAVAILABLE)


def lock_timed_out(error: BaseException) -> bool:
    """Whether `error` is a row lock waited for longer than LOCK_TIMEOUT_SECONDS."""
    return _caused_by(error, (asyncpg.exceptions.LockNotAvailableError,))


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg ships no types
    """A pooled PostgreSQL connection returned to the pool without asyncpg's reset query
    (`RESET ALL; UNLISTEN *; CLOSE ALL; pg_advisory_unlock_all()`), a round trip on every
    release. Nothing here leaves session state on a pooled connection: transactions end with
    their block (asyncpg still rolls back an open one), locks are row locks, and LISTEN runs
    on the hub's own connection."""

    def get_reset_query(self) -> str:
        return ""


def _connection(url: str, pool_max: int, lock_timeout_seconds: float) -> dict[str, Any] | str:
    """PostgreSQL through our asyncpg engine; a wait for a lock (a profile row another change
    holds, a table a migration alters) gives up after `lock_timeout_seconds` instead of
    hanging its request."""
    if url.startswith(("postgres://", "postgresql://")):
        config = expand_db_url(url)
        config["engine"] = "loyalty_gateway.postgres"  # asyncpg, with a fix (see there)
        config["credentials"]["minsize"] = 1
        config["credentials"]["maxsize"] = pool_max
        config["credentials"]["connection_class"] = PooledConnection
        lock_timeout = f"{round(lock_timeout_seconds * 1000)}ms"
        config["credentials"]["server_settings"] = {"lock_timeout": lock_timeout}
        return config
    return url


def tortoise_config(settings: Settings) -> dict[str, Any]:
    return {
        "connections": {
            "default": _connection(
                settings.database_url, settings.db_pool_max, settings.lock_timeout_seconds
            )
        },
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def ensure_sqlite_directory(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite://"):
        path = settings.database_url.removeprefix("sqlite://").split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate(
    settings: Settings, progress: Callable[[str, str, str], object] | None = None
) -> None:
    """Apply every pending migration, then close the connections it opened. `progress` hears
    (event, app, migration) as each one starts and is done."""
    ensure_sqlite_directory(settings)
    try:
        await run_migrations(config=tortoise_config(settings), progress=progress)
    finally:
        await Tortoise.close_connections()


async def pending_migrations(settings: Settings) -> list[str]:
    ensure_sqlite_directory(settings)
    config = tortoise_config(settings)
    await Tortoise.init(config=config, init_connections=False)
    try:
        executor = MigrationExecutor(get_connection("default"), config["apps"])
        steps = await executor.plan()
        return [f"{step.migration.app_label}.{step.migration.name}" for step in steps]
    finally:
        await Tortoise.close_connections()


async def prepare_database(settings: Settings) -> None:
    """Migrate the embedded SQLite database; refuse an unmigrated PostgreSQL one."""
    if not settings.is_postgres:
        await migrate(settings)
        return
    pending = await pending_migrations(settings)
    if pending:
        raise DatabaseNotMigrated(
            f"The database has {len(pending)} unapplied migration(s) ({', '.join(pending)}); "
            "run `loyalty-gateway migrate` first."
        )
