"""PostgreSQL NOTIFY in the caller's transaction (delivered at commit); nothing on SQLite."""

from tortoise.backends.base_postgres.client import BasePostgresClient

from loyalty_gateway.events.models import Event


async def notify(channel: str, payload: str) -> None:
    """Send a short payload (an id: NOTIFY payloads must stay under 8000 bytes)."""
    connection = Event._meta.db
    if isinstance(connection, BasePostgresClient):
        await connection.execute_query("SELECT pg_notify($1, $2)", [channel, payload])
