"""Custom scalars: Decimal money as a 2-decimal string, DateTime with an offset, JSON."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NewType

import strawberry
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

from loyalty_gateway.core.money import CENT, to_decimal


def _serialize_decimal(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _parse_datetime(value: object) -> datetime:
    """ISO 8601; a value without an offset is local time in the input's `timezone`."""
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"DateTime must be ISO 8601, got {value!r}") from None


def _parse_date(value: object) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _bad(f"Date must be YYYY-MM-DD, got {value!r}") from None


def _serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='Money: a string with 2 decimals ("10.00"). Input accepts a string or a number.',
    serialize=_serialize_decimal,
    parse_value=to_decimal,
)
DateTimeScalar = strawberry.scalar(
    name="DateTime",
    description="ISO 8601 date-time. Output always has an offset; input without one is read "
    "as local time in the accompanying `timezone`.",
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

Quantity = NewType("Quantity", Decimal)
QuantityScalar = strawberry.scalar(
    name="Quantity",
    description='A non-negative quantity with up to 3 decimals, as a string ("1", "0.5"); '
    "input accepts a string or a number.",
    serialize=lambda value: format(Decimal(value).normalize(), "f"),
    parse_value=to_decimal,
)

DateScalar = strawberry.scalar(
    name="Date",
    description="An ISO 8601 date (YYYY-MM-DD).",
    serialize=lambda value: value.isoformat(),
    parse_value=_parse_date,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    date: DateScalar,
    Quantity: QuantityScalar,
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
