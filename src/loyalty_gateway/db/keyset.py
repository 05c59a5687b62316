"""Pages by keyset: a list has an order (its sort columns, the last one unique), and a page is
the rows strictly after (or before) one row's sort key, never an offset. Rows written or
removed elsewhere do not shift a page, and a deep page costs what the first one does.

The same order pages a query in SQL (`page_of`) and a list a loader already read in that
order (`window_of`)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Column:
    name: str
    kind: type[datetime] | type[UUID] | type[int]
    nullable: bool = False  # only for lists paged in memory (`window_of`)


@dataclass(frozen=True)
class Order:
    """How a list is sorted: `columns` in turn, the last one unique, all ascending or all
    descending; `comparable` turns a key into what Python sorts the list by, for an order
    SQL cannot spell as plain columns (earliest expiry first, no expiry last)."""

    name: str
    columns: tuple[Column, ...]
    descending: bool = False
    comparable: Callable[[Key], Any] = field(default=lambda key: key)

    def key(self, row: Any) -> Key:
        return tuple(getattr(row, column.name) for column in self.columns)

    def sort_key(self, row: Any) -> Any:
        return self.comparable(self.key(row))

    def ordering(self, reverse: bool = False) -> list[str]:
        down = self.descending != reverse
        return [("-" if down else "") + column.name for column in self.columns]


def by_creation(name: str, at: str = "created_at", newest_first: bool = False) -> Order:
    """The usual order of a list: by when each row was made (`at`), then id."""
    return Order(name, (Column(at, datetime), Column("id", UUID)), descending=newest_first)


@dataclass(frozen=True)
class Window:
    """Which rows a page holds: at most `limit` of them, strictly after `after` and before
    `before`; the first ones of that span, or with `from_end` the last ones (`last`)."""

    limit: int
    after: Key | None = None
    before: Key | None = None
    from_end: bool = False


@dataclass(frozen=True)
class Slice(Generic[M]):
    """A window's rows in list order, with whether more lie beyond its far end and how many
    rows the whole list has."""

    rows: list[M]
    more: bool
    total: int
    order: Order
    window: Window


def _beyond(order: Order, key: Key, after: bool) -> Q:
    """Rows strictly after `key` in list order, or strictly before it: (a, b) > (x, y) as
    `a >= x AND (a > x OR (a = x AND b > y))`, whose first bound an index on the columns can
    seek to (the OR alone makes PostgreSQL read the index from its start)."""
    op = "gt" if after != order.descending else "lt"
    names = [column.name for column in order.columns]
    clauses = [
        Q(**dict(zip(names[:index], key[:index], strict=True)), **{f"{name}__{op}": key[index]})
        for index, name in enumerate(names)
    ]
    beyond = Q(*clauses, join_type="OR")
    if len(names) == 1:
        return beyond
    return Q(Q(**{f"{names[0]}__{op}e": key[0]}), beyond)


async def page_of(query: QuerySet[M], order: Order, window: Window) -> Slice[M]:
    """The window of `query` in `order` (whose columns hold no NULL), in two statements: the
    count and the page."""
    total = await query.count()
    if window.after is not None:
        query = query.filter(_beyond(order, window.after, after=True))
    if window.before is not None:
        query = query.filter(_beyond(order, window.before, after=False))
    rows = list(
        await query.order_by(*order.ordering(reverse=window.from_end)).limit(window.limit + 1)
    )
    more = len(rows) > window.limit
    rows = rows[: window.limit]
    if window.from_end:
        rows.reverse()
    return Slice(rows, more, total, order, window)


def window_of(rows: Sequence[M], order: Order, window: Window) -> Slice[M]:
    """The window of `rows`, a whole list already in `order`."""
    inside = list(rows)
    sign = -1 if order.descending else 1
    if window.after is not None:
        after = order.comparable(window.after)
        inside = [row for row in inside if _compare(order.sort_key(row), after) == sign]
    if window.before is not None:
        before = order.comparable(window.before)
        inside = [row for row in inside if _compare(order.sort_key(row), before) == -sign]
    if window.from_end:
        chosen = inside[max(len(inside) - window.limit, 0) :]
    else:
        chosen = inside[: window.limit]
    return Slice(chosen, len(inside) > len(chosen), len(rows), order, window)


def _compare(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)
