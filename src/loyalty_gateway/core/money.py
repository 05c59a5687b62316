"""Money is integer cents inside and a 2-decimal string outside; never a float."""

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from loyalty_gateway.core.errors import ErrorCode, UserError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12


# A plain decimal in ASCII digits: no `1_0`, no Arabic-Indic digits, no exponent, no `Infinity`.
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)


class NumberText(float):
    """A JSON number whose float lost digits of its text (`1.0000000000000000000001` is
    1.0 as a float); it keeps the text, so money read from it is read exactly."""

    text: str

    def __new__(cls, text: str) -> "NumberText":
        number = super().__new__(cls, text)
        number.text = text
        return number


def parse_json_float(text: str) -> float:
    """`parse_float` for request bodies: a float, or a NumberText when the float is not
    exactly what the text said."""
    number = float(text)
    return number if Decimal(repr(number)) == Decimal(text) else NumberText(text)


def to_decimal(value: object) -> Decimal:
    """Read a Decimal, a plain decimal string, an int or a JSON number as a Decimal,
    exactly; NaN for anything else."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal("NaN")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(value.text if isinstance(value, NumberText) else repr(value))
    if isinstance(value, str) and PLAIN_DECIMAL.fullmatch(value.strip()):
        return Decimal(value.strip())
    return Decimal("NaN")


def to_cents(amount: Decimal, field: str, *, allow_zero: bool = True) -> int:
    """Convert a money amount to cents; reject NaN, infinities, negatives and sub-cent digits."""
    if not amount.is_finite():
        raise UserError(ErrorCode.INVALID_AMOUNT, "Amount must be a number", field)
    if amount < 0:
        raise UserError(ErrorCode.INVALID_AMOUNT, "Amount must not be negative", field)
    if amount > MAX_AMOUNT:
        raise UserError(ErrorCode.INVALID_AMOUNT, f"Amount is above {MAX_AMOUNT:,}", field)
    if amount == 0 and not allow_zero:
        raise UserError(ErrorCode.INVALID_AMOUNT, "Amount must be greater than zero", field)
    if amount != amount.quantize(CENT):
        raise UserError(ErrorCode.INVALID_AMOUNT, "Amount has more than 2 decimals", field)
    return int(amount.quantize(CENT) * 100)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def points_to_cents(points: int, rate: Decimal) -> int:
    """Dollar value of points, rounded down to the cent."""
    return int((Decimal(points) * rate * 100).to_integral_value(rounding=ROUND_FLOOR))


def points_to_cents_sql(points: str, rate: str) -> str:
    """`points_to_cents` in PostgreSQL, over two SQL expressions (numeric is exact)."""
    return f"floor(({points})::numeric * ({rate})::numeric * 100)::bigint"


def money_sql(cents: str) -> str:
    """Integer cents as the `Decimal` scalar shows money: text with two decimals ("10.00")."""
    return f"(({cents})::numeric / 100)::numeric(20, 2)::text"


def cents_to_points(cents: int, rate: Decimal) -> int:
    """Points needed to cover an amount, rounded up."""
    return int((Decimal(cents) / 100 / rate).to_integral_value(rounding=ROUND_CEILING))


ROUNDING = {"floor": ROUND_FLOOR, "round": ROUND_HALF_UP, "ceil": ROUND_CEILING}
"""How a fractional number of points becomes whole: down (the default), half up, or up."""


def whole_points(value: object, rounding: str = "floor") -> int:
    """Points from a number, a numeric string or a rule's result, rounded to a whole number."""
    if rounding not in ROUNDING:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"rounding must be one of {', '.join(ROUNDING)}, got {rounding!r}",
            "rounding",
        )
    amount = to_decimal(value)
    if not amount.is_finite():
        raise UserError(
            ErrorCode.INVALID_AMOUNT, f"points must be a number, got {value!r}", "points"
        )
    return int(amount.to_integral_value(rounding=ROUNDING[rounding]))
