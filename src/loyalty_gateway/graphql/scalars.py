"""Custom scalars: Decimal money as a 2-decimal string, DateTime with an offset, JSON."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NewType

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
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

INT64 = range(-(2**63), 2**63)
ECMA_404 = (
    "https://ecma-international.org/wp-content/uploads/ECMA-404_2nd_edition_december_2017.pdf"
)


def json_leaves(value: object) -> Iterator[object]:
    """Every object key and every value that is not an object or a list, depth first."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        else:
            yield item


def _parse_json(value: object) -> object:
    """Any JSON value, with integers inside the signed 64-bit range: the database's JSON
    columns and the response encoder hold no more."""
    for item in json_leaves(value):
        if isinstance(item, int) and not isinstance(item, bool) and item not in INT64:
            raise _bad("JSON integers must fit in 64 bits (use a string for longer numbers)")
    return value


JSONScalar = strawberry.scalar(
    name="JSON",
    description="The `JSON` scalar type represents JSON values as specified by "
    f"[ECMA-404]({ECMA_404}).",
    specified_by_url=ECMA_404,
    serialize=lambda value: value,
    parse_value=_parse_json,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {
    JSON: JSONScalar,
    date: DateScalar,
    Quantity: QuantityScalar,
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
