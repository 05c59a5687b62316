"""Input checks shared by the domains, so the database never sees a value it would refuse."""

from datetime import date
from typing import Any

from tortoise.models import Model

from loyalty_gateway.core.errors import ErrorCode, UserError, camel
from loyalty_gateway.core.time import check_calendar


def check_text(
    model: type[Model], values: dict[str, Any], fields: dict[str, str] | None = None
) -> None:
    """Strings must fit their column and hold no NUL character (PostgreSQL refuses both);
    dates and date-times must fall in the program's calendar. An error names the input field:
    `fields[column]`, else the column camelCased."""
    for name, value in values.items():
        field = (fields or {}).get(name, camel(name))
        if isinstance(value, date):  # datetimes too
            check_calendar(value, field)
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            raise UserError(ErrorCode.INVALID_INPUT, f"{field} contains a NUL character", field)
        max_length = getattr(model._meta.fields_map.get(name), "max_length", None)
        if max_length and len(value) > max_length:
            raise UserError(
                ErrorCode.INVALID_INPUT, f"{field} is longer than {max_length} characters", field
            )


def json_for_storage(value: Any, field: str = "meta") -> Any:
    """A JSON value for a Tortoise JSONField. The field reads any `str` as JSON text already
    encoded (`"hello"` failed as invalid JSON, `"[1]"` came back a list), so a JSON string
    cannot be stored as such: INVALID_INPUT, where an object, a list, a number, a boolean or
    null goes as it is."""
    if isinstance(value, str):
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"{field} must be a JSON object, list, number, boolean or null, not a string",
            field,
        )
    return value
