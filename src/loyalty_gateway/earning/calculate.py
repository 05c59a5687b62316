"""What a sale earns for one point definition: its base amount times the rate that applies
(rate 1 when none does, or when rates are not checked), rounded to whole points.

The base is the amount given, else the sale's total. When no amount is given and one of the
definition's rates has product conditions, each item earns on its own: its line amount
(`priceSell` times `quantity`, negative for a return, nothing for a void line) at the rate that
applies to it (product conditions read the item), and items at the same rate earn together,
rounded once.
"""

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.money import to_decimal, whole_points
from loyalty_gateway.earning.models import Rate
from loyalty_gateway.earning.rates import Facts, resolve


@dataclass(frozen=True)
class Earned:
    rate: Rate | None  # None: rate 1
    base: Decimal
    points: int
    items: tuple[int, ...] = ()  # the positions of the items it was earned on; () the sale

    @property
    def multiplier(self) -> Decimal:
        return multiplier(self.rate)


def multiplier(rate: Rate | None) -> Decimal:
    """A rate's multiplier; 1 without one."""
    return rate.rate if rate is not None else Decimal(1)


def line_amount(item: dict[str, Any]) -> Decimal:
    """What an item of a sale's context counts for."""
    if item.get("is_void"):
        return Decimal(0)
    amount = to_decimal(item.get("price_sell")) * to_decimal(item.get("quantity", "1"))
    if not amount.is_finite():
        raise UserError(ErrorCode.INVALID_AMOUNT, "an item has no price or quantity", "items")
    return -amount if item.get("is_return") else amount


def _at(rate: Rate | None, base: Decimal, rounding: str, items: tuple[int, ...] = ()) -> Earned:
    return Earned(rate, base, whole_points(base * multiplier(rate), rounding), items)


def earnings(
    rates: list[Rate],
    facts: Facts,
    sale: dict[str, Any] | None,
    base: Decimal | None,
    rounding: str = "floor",
) -> list[Earned]:
    """What `sale` (a transaction's context, or None) earns at `rates` (the definition's
    candidates; empty when rates are not checked) for these facts."""
    items = (sale or {}).get("items") or []
    if base is None and items and any(rate.product_conditions is not None for rate in rates):
        groups: dict[str | None, tuple[Rate | None, Decimal, list[int]]] = {}
        for position, item in enumerate(items):
            amount = line_amount(item)
            if amount == 0:
                continue
            rate = resolve(rates, replace(facts, product=item))
            key = str(rate.id) if rate is not None else None
            _, total, positions = groups.get(key, (rate, Decimal(0), []))
            groups[key] = (rate, total + amount, [*positions, item.get("position", position)])
        return [_at(rate, total, rounding, tuple(p)) for rate, total, p in groups.values()]
    if base is None:
        if sale is None:
            raise UserError(ErrorCode.INVALID_INPUT, "no amount to earn on", "value")
        base = to_decimal(sale.get("total"))
    if not base.is_finite():
        raise UserError(ErrorCode.INVALID_AMOUNT, "the amount to earn on is not a number", "value")
    return [_at(resolve(rates, replace(facts, product=sale)), base, rounding)]
