"""Ids as GraphQL shows and takes them: UUIDs as they are, and rows the database numbers
(events, audit entries, log entries) as `Event:26`, what has no row of its own after what it
belongs to (`Balances:<profile id>`), so that no two objects of different types share an id
(Apollo's and Relay's caches key on it). A malformed id is BAD_USER_INPUT."""

import uuid
from typing import Any

from tortoise.models import Model

from loyalty_gateway.graphql.errors import bad_input


def parse_id(value: str, argument: str = "id") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_input(f"'{value}' is not a valid {argument}") from None


def typed_id(kind: str, key: object) -> str:
    return f"{kind}:{key}"


def parse_numbered_id(value: str, kind: str, argument: str = "id") -> int:
    """The row number in `Kind:n`; the bare number that earlier versions gave is taken too."""
    prefix, _, number = value.rpartition(":")
    if prefix in ("", kind) and number.isascii() and number.isdigit() and len(number) < 19:
        return int(number)
    raise bad_input(f"'{value[:64]}' is not a valid {argument} (an id such as '{kind}:26')")


async def by_id_or_handle(model: type[Model], id: str | None, handle: str | None) -> Any:
    """A definition by `id` or by `handle` (exactly one); None when there is none."""
    if (id is None) == (handle is None):
        raise bad_input("Give exactly one of 'id' and 'handle'")
    if id is not None:
        return await model.get_or_none(id=parse_id(id))
    return await model.get_or_none(handle=handle)
