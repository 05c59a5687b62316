"""Custom scalars: Decimal as an exact string (money with 2 decimals), DateTime with an
offset, JSON."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NewType

import strawberry
from graphql import FloatValueNode, GraphQLError, IntValueNode, StringValueNode, ValueNode
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

from loyalty_gateway.core.json_values import leaves, nodes
from loyalty_gateway.core.money import CENT, NumberText, parse_json_float, to_decimal
from loyalty_gateway.core.time import DateOnly


def _serialize_decimal(value: Decimal) -> str:
    """At least two decimals (money, in whole cents, always has two), never fewer than the
    value has (a rate such as 0.005 keeps its third)."""
    exact = Decimal(value)
    exponent = exact.as_tuple().exponent
    return str(exact if isinstance(exponent, int) and exponent <= -2 else exact.quantize(CENT))


def _bad(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _parse_datetime(value: object) -> datetime:
    """ISO 8601; a value without an offset is local time in the input's `timezone`, and a
    date alone is a DateOnly (midnight, known to have been a day)."""
    text = str(value).strip()
    parsed: datetime
    try:
        if len(text) == len("2027-04-07"):
            parsed = DateOnly.fromisoformat(text)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"DateTime must be ISO 8601, got {str(value)[:64]!r}") from None
    return parsed


def _parse_date(value: object) -> date:
    try:
        parsed = date.fromisoformat(str(value).strip())
    except ValueError:
        raise _bad(f"Date must be YYYY-MM-DD, got {str(value)[:64]!r}") from None
    return parsed


def _serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _decimal_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> Decimal:
    """A literal in the document, read from its text (a float would lose digits)."""
    if isinstance(node, IntValueNode | FloatValueNode):
        return Decimal(node.value)
    if isinstance(node, StringValueNode):
        return to_decimal(node.value)
    return Decimal("NaN")


DecimalScalar = strawberry.scalar(
    name="Decimal",
    description='An exact decimal as a string: money with 2 decimals ("10.00"), a rate with as '
    'many as it has ("0.005"). Input accepts a plain decimal string ("10", "10.5") or a '
    "number; money must be exact at two decimals.",
    serialize=_serialize_decimal,
    parse_value=to_decimal,
    parse_literal=_decimal_literal,
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
    parse_literal=_decimal_literal,
)

if TYPE_CHECKING:  # to the type checker a count of points is an int, as the domain holds it
    Points = int
else:  # to GraphQL, its own scalar (SCALAR_MAP)
    Points = NewType("Points", int)
MAX_SAFE_POINTS = 2**53 - 1  # the largest integer JavaScript clients hold exactly


def _points(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_SAFE_POINTS:
        raise _bad(f"Points must be whole numbers between -{MAX_SAFE_POINTS} and {MAX_SAFE_POINTS}")
    return value


def _points_literal(node: ValueNode, _variables: dict[str, Any] | None = None) -> int:
    if not isinstance(node, IntValueNode):
        raise _bad("Points must be a whole number")
    return _points(int(node.value))


PointsScalar = strawberry.scalar(
    name="Points",
    description="A count of points: a whole number (JSON integer) from -(2^53-1) to 2^53-1, the "
    "range JavaScript holds exactly, in input and output alike (GraphQL's Int stops at 2^31-1).",
    serialize=_points,
    parse_value=_points,
    parse_literal=_points_literal,
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


MAX_JSON_DEPTH = 32


def _plain(value: object) -> object:
    """`value` with every NumberText made a plain float (nothing downstream needs the text)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, NumberText):
        return float(value)
    return value


def _parse_json(value: object) -> object:
    """Any JSON value nested at most 32 deep, with integers inside the signed 64-bit range and
    strings without NUL: the database's JSON columns and the response encoder hold no more."""
    if max(depth for _, depth in nodes(value)) > MAX_JSON_DEPTH:
        raise _bad(f"JSON values may nest at most {MAX_JSON_DEPTH} levels deep")
    for item in leaves(value):
        if isinstance(item, int) and not isinstance(item, bool) and item not in INT64:
            raise _bad("JSON integers must fit in 64 bits (use a string for longer numbers)")
        if isinstance(item, str) and "\x00" in item:
            raise _bad("JSON strings must not contain NUL (\\u0000) characters")
    return _plain(value)


def decode_request_json(data: str | bytes) -> object:
    """A request body or WebSocket message: UTF-8 JSON whose top level is an object, else
    JSONDecodeError (HTTP 400, WebSocket close 4400). Floats keep their text where the float
    would lose digits (money must be read exactly)."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise json.JSONDecodeError("The body is not UTF-8", "", 0) from None
    value = json.loads(text, parse_float=parse_json_float)
    if not isinstance(value, dict):
        raise json.JSONDecodeError("The body must be a JSON object", text, 0)
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
    Points: PointsScalar,
    Decimal: DecimalScalar,
    datetime: DateTimeScalar,
}
