"""Pure allocation arithmetic: which lots give how much, in cents and points."""

from dataclasses import dataclass
from decimal import Decimal

from loyalty_gateway.core.money import cents_to_points, points_to_cents


@dataclass(frozen=True)
class Take:
    lot_id: str
    cents: int
    points: int = 0
    uses: int = 0  # of a benefit


def take_cents(lots: list[tuple[str, int]], wanted: int) -> tuple[list[Take], int]:
    """Take up to `wanted` cents from (lot id, cents available) in order; return what is left."""
    takes: list[Take] = []
    for lot_id, available in lots:
        if wanted == 0:
            break
        cents = min(available, wanted)
        if cents > 0:
            takes.append(Take(lot_id, cents))
            wanted -= cents
    return takes, wanted


def take_points(
    lots: list[tuple[str, int]], wanted_cents: int, rate: Decimal
) -> tuple[list[Take], int]:
    """Cover up to `wanted_cents` with points, taking the points needed (rounded up) in order.

    Each take's cents are the part of the amount its points cover, so the takes' cents add
    up exactly to the amount covered; that amount is at most what the points are worth,
    rounded down to the cent.
    """
    worth = points_to_cents(sum(points for _, points in lots), rate)
    covered = min(wanted_cents, worth)
    needed = cents_to_points(covered, rate) if covered else 0
    takes: list[Take] = []
    taken_points = assigned_cents = 0
    for lot_id, available in lots:
        if taken_points == needed:
            break
        points = min(available, needed - taken_points)
        if points == 0:
            continue
        taken_points += points
        cents = min(covered, points_to_cents(taken_points, rate)) - assigned_cents
        if taken_points == needed:
            cents = covered - assigned_cents
        assigned_cents += cents
        takes.append(Take(lot_id, cents, points))
    return takes, wanted_cents - covered


def give_back(item_cents: int, item_points: int, cents: int) -> int:
    """Points to restore when `cents` of a point item's `item_cents` come back (rounded up)."""
    if cents >= item_cents:
        return item_points
    return min(item_points, -(-cents * item_points // item_cents))
