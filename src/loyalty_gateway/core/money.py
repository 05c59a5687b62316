"""Money is integer cents inside and a 2-decimal string outside; never a float."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from loyalty_gateway.core.errors import ErrorCode, UserError

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10) ** 12


def to_decimal(value: object) -> Decimal:
    """Read a string, int or float as a Decimal via its text; NaN when it is not a number."""
    if isinstance(value, bool):
        return Decimal("NaN")
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
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


def cents_to_points(cents: int, rate: Decimal) -> int:
    """Points needed to cover an amount, rounded up."""
    return int((Decimal(cents) / 100 / rate).to_integral_value(rounding=ROUND_CEILING))
