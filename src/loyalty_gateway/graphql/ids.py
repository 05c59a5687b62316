"""Query arguments that must be UUIDs: a malformed one is BAD_USER_INPUT."""

import uuid

from loyalty_gateway.graphql.errors import bad_input


def parse_id(value: str, argument: str = "id") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise bad_input(f"'{value}' is not a valid {argument}") from None
