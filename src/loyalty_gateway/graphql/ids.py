"""Query arguments that must be UUIDs: a malformed one is BAD_USER_INPUT."""

import uuid
from typing import Any

from tortoise.models import Model

from loyalty_gateway.graphql.errors import bad_input


def parse_id(value: str, argument: str = "id") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_input(f"'{value}' is not a valid {argument}") from None


async def by_id_or_handle(model: type[Model], id: str | None, handle: str | None) -> Any:
    """A definition by `id` or by `handle` (exactly one); None when there is none."""
    if (id is None) == (handle is None):
        raise bad_input("Give exactly one of 'id' and 'handle'")
    if id is not None:
        return await model.get_or_none(id=parse_id(id))
    return await model.get_or_none(handle=handle)
