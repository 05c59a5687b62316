"""The only way domain code announces a change: an event row in the caller's transaction."""

from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from loyalty_gateway.db.riders import ride
from loyalty_gateway.db.rows import hydrate, inserting, written
from loyalty_gateway.events.models import Event
from loyalty_gateway.events.notify import notify

EVENTS_CHANNEL = "loyalty_events"
# Events written while a reaction runs are one level deeper than the event that started it.
chain_depth: ContextVar[int] = ContextVar("chain_depth", default=0)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, UUID):
        return str(value)
    return value


PAYLOAD_SQL = "CAST(id AS TEXT) || COALESCE(' ' || CAST(profile_id AS TEXT), '')"
"""The EVENTS_CHANNEL payload of a new event row, `"<event id> <profile id>"` (or the id
alone), as `profile_of` reads it."""


def _notify_sql(dialect: str) -> str:
    """What the insert returns beside the row: on PostgreSQL the notify is sent by the same
    statement (delivered at commit); on SQLite the payload, for the local handlers."""
    if dialect == "postgres":
        return f", pg_notify('{EVENTS_CHANNEL}', {PAYLOAD_SQL}) AS notified"
    return f", {PAYLOAD_SQL} AS payload"


Announcement = tuple[str, dict[str, Any], str | None]
"""An event to write: its name, its context and its profile (if any)."""


async def emit(name: str, context: dict[str, Any], profile_id: str | None = None) -> int:
    """Write an event row and announce it, in one statement; call inside the transaction of
    the change it describes. A write riding on the transaction (`db/riders.py`: the running
    mutation's audit entry) goes in the same statement on PostgreSQL, given the event's
    subject. Returns the event's id (the row, context and all, is not read back)."""
    [event_id] = await emit_all([(name, context, profile_id)])
    return event_id


async def emit_all(events: list[Announcement]) -> list[int]:
    """`emit` for several events of one change, in one statement, in order (none for no
    events)."""
    return [int(row["id"]) for row in await _emitted(events, "id")] if events else []


async def emit_row(name: str, context: dict[str, Any], profile_id: str | None = None) -> Event:
    """`emit`, returning the event as stored, for a caller that shows it."""
    [event] = hydrate(Event, await _emitted([(name, context, profile_id)], "*"))
    return event


async def _emitted(events: list[Announcement], columns: str) -> list[dict[str, Any]]:
    depth = chain_depth.get()
    values = [
        {"name": name, "profile_id": profile_id, "context": _jsonable(context), "depth": depth}
        for name, context, profile_id in events
    ]
    _, context, profile_id = events[0]
    dialect = Event._meta.db.capabilities.dialect
    riding = ride([str(found) for found in (context.get("id"), profile_id) if found])
    parts = [inserting(Event, values)[0], *([riding] if riding is not None else [])]
    rows = await written(Event, parts, columns + _notify_sql(dialect))
    if dialect != "postgres":
        for row in rows:
            await notify(EVENTS_CHANNEL, row["payload"])
    return rows


def profile_of(payload: str) -> str | None:
    """The profile an EVENTS_CHANNEL payload (`"<event id> <profile id>"`) names, if any."""
    _, _, profile_id = payload.partition(" ")
    return profile_id or None
