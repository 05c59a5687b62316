"""Input checks shared by the domains, so the database never sees a value it would refuse."""

from typing import Any

from tortoise.models import Model

from loyalty_gateway.core.errors import ErrorCode, UserError, camel


def check_text(model: type[Model], values: dict[str, Any]) -> None:
    """Strings must fit their column and hold no NUL character (PostgreSQL refuses both)."""
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        field = camel(name)
        if "\x00" in value:
            raise UserError(ErrorCode.INVALID_INPUT, f"{field} contains a NUL character", field)
        max_length = getattr(model._meta.fields_map.get(name), "max_length", None)
        if max_length and len(value) > max_length:
            raise UserError(
                ErrorCode.INVALID_INPUT, f"{field} is longer than {max_length} characters", field
            )
