"""Custom scalars: Decimal money as a 2-decimal string, DateTime with an offset, JSON."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from loyalty_gateway.core.money import CENT, to_decimal


def _serialize_decimal(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def _parse_datetime(value: object) -> datetime:
    """ISO 8601; a value without an offset is local time in the input's `timezone`."""
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string")
    return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))


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

SCALAR_MAP: dict[object, ScalarDefinition] = {
    Quantity: QuantityScalar,
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
