"""Lots (rewards, point awards, benefits): their status in Python, ORM and SQL form, voiding,
and the order they are spent in."""

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cache, cached_property, reduce
from typing import Any, TypeVar
from uuid import UUID

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.locks import lock_profile
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.keyset import Column, Key, Order

M = TypeVar("M", bound=Model)


class LotStatus(Enum):
    ACTIVE = "ACTIVE"
    PENDING = "PENDING"  # point lots only: earned, spendable from `available_at`
    EXPIRED = "EXPIRED"
    USED = "USED"
    VOID = "VOID"


@dataclass(frozen=True)
class _Test:
    """One test of one column of a lot, in the three forms a rule needs."""

    column: str
    test: str  # one of _PYTHON's keys

    def holds(self, lot: object, now: datetime) -> bool:
        return _PYTHON[self.test](getattr(lot, self.column), now)

    def q(self, now: datetime) -> Q:
        lookup, value = _ORM[self.test]
        filters: dict[str, Any] = {f"{self.column}{lookup}": now if value is _NOW else value}
        return Q(**filters)

    def sql(self, alias: str, now: str) -> str:
        return f"{alias}.{self.column} {_SQL[self.test].format(now=now)}"


_NOW = object()
_PYTHON: dict[str, Callable[[Any, datetime], bool]] = {
    "null": lambda value, now: value is None,
    "set": lambda value, now: value is not None,
    "zero": lambda value, now: value == 0,
    "positive": lambda value, now: value is not None and value > 0,
    "past": lambda value, now: value is not None and value <= now,
    "future": lambda value, now: value is not None and value > now,
}
_ORM: dict[str, tuple[str, object]] = {
    "null": ("", None),
    "set": ("__isnull", False),
    "zero": ("", 0),
    "positive": ("__gt", 0),
    "past": ("__lte", _NOW),
    "future": ("__gt", _NOW),
}
_SQL = {
    "null": "IS NULL",
    "set": "IS NOT NULL",
    "zero": "= 0",
    "positive": "> 0",
    "past": "<= {now}",
    "future": "> {now}",
}

_Clause = tuple[_Test, ...]
"""Tests of which at least one holds."""


@dataclass(frozen=True)
class LotKind:
    """The status rule of one kind of lot, written once as clauses of column tests, from
    which come the Python check, the ORM filter and the SQL fragment. A lot is VOID once
    voided; else USED with nothing remaining; else EXPIRED at or after `expires_at`; else,
    for a kind with a `pending` column, PENDING until that time; else ACTIVE. `unlimited`:
    a remaining count of NULL means no limit (a benefit's uses)."""

    remaining: str
    unlimited: bool = False
    pending: str | None = None

    @cached_property
    def statuses(self) -> tuple[LotStatus, ...]:
        """The statuses a lot of this kind can be in."""
        return tuple(s for s in LotStatus if s is not LotStatus.PENDING or self.pending)

    @cache  # noqa: B019  # a handful of kinds, each alive as long as the process
    def clauses(self, status: LotStatus) -> tuple[_Clause, ...]:
        """The clauses that all hold for a lot in `status` (worked out once: a lot's status
        is asked for on every read of it)."""
        not_void: _Clause = (_Test("voided_at", "null"),)
        left: _Clause = (_Test(self.remaining, "positive"),)
        if self.unlimited:
            left = (_Test(self.remaining, "null"), *left)
        live = [not_void, left, (_Test("expires_at", "null"), _Test("expires_at", "future"))]
        available: list[_Clause] = []
        if self.pending is not None:
            available = [(_Test(self.pending, "null"), _Test(self.pending, "past"))]
        by_status: dict[LotStatus, list[_Clause]] = {
            LotStatus.VOID: [(_Test("voided_at", "set"),)],
            LotStatus.USED: [not_void, (_Test(self.remaining, "zero"),)],
            LotStatus.EXPIRED: [not_void, left, (_Test("expires_at", "past"),)],
            LotStatus.PENDING: [*live, (_Test(self.pending or "", "future"),)],
            LotStatus.ACTIVE: [*live, *available],
        }
        if status not in self.statuses:
            raise ValueError(f"a {self.remaining} lot is never {status.value}")
        return tuple(by_status[status])

    def status(self, lot: object, now: datetime) -> LotStatus:
        """The status of a loaded lot."""
        for status in self.statuses:
            if all(any(t.holds(lot, now) for t in c) for c in self.clauses(status)):
                return status
        raise AssertionError(f"no status holds for {lot!r}")  # the statuses cover every lot

    def active_q(self, now: datetime) -> Q:
        """The ORM filter of live lots: the ones balances count and redemptions take from."""
        return self._q(LotStatus.ACTIVE, now)

    def q(self, statuses: Iterable[Enum], now: datetime) -> Q | None:
        """Lots in any of `statuses` (any enum with LotStatus's values); None when no status
        is asked for."""
        chosen = [LotStatus(status.value) for status in dict.fromkeys(statuses)]
        if not chosen:
            return None
        return reduce(operator.or_, (self._q(status, now) for status in chosen))

    def _q(self, status: LotStatus, now: datetime) -> Q:
        clauses = [reduce(operator.or_, (t.q(now) for t in c)) for c in self.clauses(status)]
        return reduce(operator.and_, clauses)

    def sql(self, status: LotStatus, alias: str, now: str) -> str:
        """The status as an SQL condition on table alias `alias`, `now` a parameter."""
        clauses = [" OR ".join(t.sql(alias, now) for t in c) for c in self.clauses(status)]
        return " AND ".join(f"({clause})" for clause in clauses)

    def status_sql(self, alias: str, now: str) -> str:
        """The status itself, as SQL text (`'ACTIVE'`...): each status's condition in turn."""
        cases = " ".join(f"WHEN {self.sql(s, alias, now)} THEN '{s.value}'" for s in self.statuses)
        return f"CASE {cases} END"


REWARD_LOTS = LotKind("value_remaining_cents")
POINT_LOTS = LotKind("points_remaining", pending="available_at")
BENEFIT_LOTS = LotKind("redemptions_remaining", unlimited=True)


async def void_lot(
    model: type[M], lot_id: str, reason: str, field: str, inactive_code: ErrorCode
) -> M:
    """Void a reward or benefit once, under its profile's lock; its value stays for the ledger."""
    lot_id = require_uuid(lot_id, field)
    label = model.__name__.lower()
    async with in_transaction():
        found = await model.get_or_none(id=lot_id)
        if found is None:
            raise UserError(ErrorCode.NOT_FOUND, f"No {label} {lot_id}", field)
        await lock_profile(str(found.profile_id))  # type: ignore[attr-defined]  # every lot model has profile_id
        lot = await model.get(id=lot_id)
        if lot.voided_at is not None:  # type: ignore[attr-defined]  # rewards and benefits have it
            raise UserError(inactive_code, f"The {label} is already void", field)
        lot.voided_at = utcnow()
        lot.void_reason = reason
        await lot.save(update_fields=["voided_at", "void_reason"])
    return lot


async def lots_by_profile(
    model: type[M], kind: LotKind, profile_ids: list[str], statuses: Iterable[Enum]
) -> dict[str, list[M]]:
    """Every lot of these profiles in any of `statuses` (all when none), in one query, each
    profile's in spending order."""
    query = model.filter(profile_id__in=profile_ids)
    status_q = kind.q(statuses, utcnow())
    if status_q is not None:
        query = query.filter(status_q)
    grouped: dict[str, list[M]] = {profile_id: [] for profile_id in profile_ids}
    for lot in sorted(await query, key=spending_order):
        grouped[str(lot.profile_id)].append(lot)  # type: ignore[attr-defined]  # every lot model has profile_id
    return grouped


SpendingKey = tuple[bool, datetime, datetime, str]


def spending_key(key: Key) -> SpendingKey:
    """Earliest expiry first, no expiry last; ties by issue time, then id."""
    expires_at, issued_at, lot_id = key
    return (expires_at is None, expires_at or issued_at, issued_at, str(lot_id))


def lot_order(name: str) -> Order:
    """The order a profile's lots are spent and listed in."""
    columns = (
        Column("expires_at", datetime, nullable=True),
        Column("issued_at", datetime),
        Column("id", UUID),
    )
    return Order(name, columns, comparable=spending_key)


def spending_key_sql(expires_at: str, issued_at: str, lot_id: str) -> str:
    """`spending_key` as an SQL row of these expressions: row comparison orders lots as Python
    does (UUIDs sort as their text)."""
    return f"({expires_at} IS NULL), COALESCE({expires_at}, {issued_at}), {issued_at}, {lot_id}"


def spending_order_sql(alias: str) -> str:
    """`spending_key` as an SQL ORDER BY over the lot table `alias`."""
    return spending_key_sql(f"{alias}.expires_at", f"{alias}.issued_at", f"{alias}.id")


def spending_order(lot: Any) -> SpendingKey:
    return spending_key((lot.expires_at, lot.issued_at, lot.id))


REWARD_ORDER, POINT_ORDER, BENEFIT_ORDER = map(lot_order, ("rewards", "points", "benefits"))
