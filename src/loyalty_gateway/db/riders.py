"""A write that rides on another statement of the same transaction, so it costs no round
trip of its own: whoever has one to write (the audit log, for the running mutation) sets
`rider`; a statement that can carry it (an event's) asks `ride` for its part."""

from collections.abc import Callable
from contextvars import ContextVar

from loyalty_gateway.db.rows import Part

Rider = Callable[[list[str]], Part | None]
"""Given the ids the carrying statement writes, the part to carry now, or None."""
rider: ContextVar[Rider | None] = ContextVar("rider", default=None)


def ride(ids: list[str]) -> Part | None:
    offered = rider.get()
    return offered(ids) if offered is not None else None
