"""How a redemption is written: its row, an item per lot, the value each item moves out of
(or back into) its lot, and for a reversal or return what each original item got back. On
PostgreSQL that is one statement (`write_together`); through the ORM it was a statement per
row and per lot, and most of a redeem's CPU."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from loyalty_gateway.benefits.models import Benefit
from loyalty_gateway.db.rows import Part, inserting
from loyalty_gateway.points.models import PointLot
from loyalty_gateway.profiles.context import write_in_context
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.redemptions.allocation import Take
from loyalty_gateway.redemptions.models import ItemType, Redemption, RedemptionItem
from loyalty_gateway.rewards.models import Reward


@dataclass(frozen=True)
class Move:
    """Value moved between a lot and a new item: out of the lot (sign -1) for a redeem,
    back into it (+1) for a reversal or return, restoring `source`, the item it undoes."""

    kind: ItemType
    take: Take
    source: RedemptionItem | None = None


LOT_COLUMNS = {
    ItemType.REWARD: (Reward._meta.db_table, "value_remaining_cents", "cents"),
    ItemType.POINT: (PointLot._meta.db_table, "points_remaining", "points"),
    ItemType.BENEFIT: (Benefit._meta.db_table, "redemptions_remaining", "uses"),
}
"""Per kind of item: the lot table, what is left in it, and the part of a take it moves (a
benefit's NULL, unlimited uses, stays NULL)."""


def _lot_changes(moves: Sequence[Move], sign: int) -> list[Part]:
    """One UPDATE per lot (a lot twice in one statement would change only once)."""
    changes: dict[tuple[ItemType, str], int] = defaultdict(int)
    for move in moves:
        changes[(move.kind, move.take.lot_id)] += sign * getattr(
            move.take, LOT_COLUMNS[move.kind][2]
        )
    parts = []
    for (kind, lot_id), change in changes.items():
        table, column, _ = LOT_COLUMNS[kind]
        sql = f"UPDATE {table} SET {column} = {column} + %s WHERE id = %s"
        parts.append(Part(sql, (change, lot_id), writes=table))
    return parts


def _restorations(moves: Sequence[Move]) -> list[Part]:
    """What each undone item got back, added to what it had got back before: one UPDATE per
    item, summed (a return may give back to one item twice, as two of its requests name
    it, and one statement would apply only one UPDATE of a row)."""
    back: dict[str, tuple[int, int, int]] = {}
    for move in moves:
        if move.source is not None:
            cents, points, uses = back.get(str(move.source.id), (0, 0, 0))
            take = move.take
            back[str(move.source.id)] = (cents + take.cents, points + take.points, uses + take.uses)
    table = RedemptionItem._meta.db_table
    sql = (
        f"UPDATE {table} SET restored_cents = restored_cents + %s, "
        "restored_points = restored_points + %s, restored_uses = restored_uses + %s WHERE id = %s"
    )
    return [Part(sql, (*amounts, item_id)) for item_id, amounts in back.items()]


async def record(
    values: dict[str, Any],
    moves: Sequence[Move],
    sign: int,
    profile: Profile,
    reverses: tuple[str, datetime] | None = None,
) -> tuple[Redemption, list[RedemptionItem], dict[str, Any]]:
    """Write a redemption (`values`, its fields) and its items, move their value (`sign`),
    and mark `reverses` (original id, when) reversed; in the caller's transaction, under
    the profile's lock. With the profile's context as the write leaves it."""
    values = {"id": uuid4(), **values}
    insert_redemption, _ = inserting(Redemption, [values])
    insert_items, items = inserting(
        RedemptionItem,
        [
            {
                "redemption_id": values["id"],
                "type": move.kind.value,
                "reward_id": move.take.lot_id if move.kind is ItemType.REWARD else None,
                "point_lot_id": move.take.lot_id if move.kind is ItemType.POINT else None,
                "benefit_id": move.take.lot_id if move.kind is ItemType.BENEFIT else None,
                "value_cents": move.take.cents,
                "points": move.take.points,
                "uses": move.take.uses,
                "source_item_id": move.source.id if move.source else None,
            }
            for move in moves
        ],
    )
    parts = [insert_redemption, insert_items, *_lot_changes(moves, sign), *_restorations(moves)]
    if reverses is not None:
        original, at = reverses
        table = Redemption._meta.db_table
        parts.append(Part(f"UPDATE {table} SET reversed_at = %s WHERE id = %s", (at, original)))
    [redemption], context = await write_in_context(Redemption, parts, profile)
    return redemption, items, context
