"""Wake-ups for new events and log entries. On PostgreSQL: NOTIFY in the caller's transaction
(delivered at commit, to every process). On SQLite, which runs in one process, the handlers
registered here are called at once: Tortoise serializes every SQLite query and transaction
on one lock, so whatever a woken dispatcher reads waits for the caller's transaction to end
and then sees its rows."""

from collections.abc import Callable

from tortoise.backends.base_postgres.client import BasePostgresClient

from loyalty_gateway.events.models import Event

_local: dict[str, list[Callable[[str], object]]] = {}


def on_local_notify(channel: str, handler: Callable[[str], object]) -> Callable[[], None]:
    """Call `handler(payload)` on each notify of `channel` in this process (SQLite); returns
    the function that stops it."""
    _local.setdefault(channel, []).append(handler)
    return lambda: _local[channel].remove(handler)


async def notify(channel: str, payload: str) -> None:
    """Send a short payload (an id: NOTIFY payloads must stay under 8000 bytes)."""
    connection = Event._meta.db
    if isinstance(connection, BasePostgresClient):
        await connection.execute_query("SELECT pg_notify($1, $2)", [channel, payload])
        return
    for handler in list(_local.get(channel, ())):
        handler(payload)
