"""Relay-style connections whose opaque cursors hold the sort key of their row (keyset
pages, `db/keyset.py`): `first`/`after` read on from a row, `last`/`before` back from one."""

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.field import StrawberryField

from loyalty_gateway.db.keyset import Column, Key, Order, Slice, Window
from loyalty_gateway.graphql.errors import bad_input

MAX_PAGE = 100
DEFAULT_PAGE = 20
Node = TypeVar("Node")


@strawberry.type(description="Where a page lies in its list, and the cursors to go on from.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    order: strawberry.Private[Order]
    first_key: strawberry.Private[Key | None]
    last_key: strawberry.Private[Key | None]

    @strawberry.field(
        description="The first item's cursor: pass it as `before` for the page before; null on "
        "an empty page."
    )
    def start_cursor(self) -> str | None:
        return None if self.first_key is None else encode_cursor(self.order, self.first_key)

    @strawberry.field(description="The last item's cursor: pass it as `after` for the next page.")
    def end_cursor(self) -> str | None:
        return None if self.last_key is None else encode_cursor(self.order, self.last_key)


@strawberry.type(description="An item of a page, with the cursor that points at it.")
class Edge(Generic[Node]):
    @strawberry.field(
        description="Opaque: pass it as `after` to read on after this item, or as `before` to "
        "read back from it. Items added or removed elsewhere in the list do not move it."
    )
    def cursor(self) -> str:
        """Encoded only when asked for: most pages are read for their nodes alone."""
        return encode_cursor(self.order, self.key)

    node: Node = strawberry.field(description="The item.")
    order: strawberry.Private[Order]
    key: strawberry.Private[Key]


@strawberry.type(
    description="A page of a list: `first` items (at most 100) after `after`, or the `last` "
    "items before `before`."
)
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(description="The page's items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page lies in the list.")
    total_count: int = strawberry.field(description="How many items the whole list has.")

    @strawberry.field(description="The page's items, without cursors.")
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]


def encode_cursor(order: Order, key: Key) -> str:
    values = [
        value.isoformat()
        if isinstance(value, datetime)
        else str(value)
        if isinstance(value, UUID)
        else value
        for value in key
    ]
    text = json.dumps([order.name, values], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode()


def _value(column: Column, raw: Any) -> Any:
    if raw is None and column.nullable:
        return None
    if column.kind is datetime and isinstance(raw, str):
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            raise ValueError(raw)
        return parsed
    if column.kind is UUID and isinstance(raw, str):
        return UUID(raw)
    if column.kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise ValueError(raw)


def decode_cursor(order: Order, cursor: str, argument: str) -> Key:
    """The sort key in a cursor this list gave; anything else (another list's cursor, an
    offset cursor of earlier versions, a tampered one) is BAD_USER_INPUT."""
    try:
        name, values = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if name != order.name or len(values) != len(order.columns):
            raise ValueError(cursor)
        return tuple(_value(column, raw) for column, raw in zip(order.columns, values, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise bad_input(f"'{cursor[:64]}' is not a valid {argument} cursor for this list") from None


def page(
    order: Order,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Window:
    """The window `first`/`after` (or `last`/`before`) ask for: at most 100 rows, 20 by
    default; `first` and `last` are not given together."""
    if first is not None and last is not None:
        raise bad_input("Give 'first' or 'last', not both")
    limit = DEFAULT_PAGE if first is None and last is None else first if last is None else last
    if limit is None or limit < 0 or limit > MAX_PAGE:
        raise bad_input(f"'first' and 'last' must be between 0 and {MAX_PAGE}, got {limit}")
    return Window(
        limit=limit,
        after=decode_cursor(order, after, "after") if after else None,
        before=decode_cursor(order, before, "before") if before else None,
        from_end=last is not None,
    )


_PAGE_ARGUMENTS = {
    "first": int | None,
    "after": str | None,
    "last": int | None,
    "before": str | None,
}


class Paged(FieldExtension):
    """A list field's `first`, `after`, `last` and `before`, written once: they stand where
    its resolver has a `window` parameter, and the resolver gets the `Window` they ask for
    in `order`."""

    def __init__(self, order: Order) -> None:
        self.order = order

    def apply(self, field: StrawberryField) -> None:
        """Run at each schema build: from the resolver's own arguments every time."""
        assert field.base_resolver is not None
        arguments = list(field.base_resolver.arguments)
        at = [a.python_name for a in arguments].index("window")
        arguments[at : at + 1] = [
            StrawberryArgument(name, None, StrawberryAnnotation(kind), default=None)
            for name, kind in _PAGE_ARGUMENTS.items()
        ]
        field.arguments = arguments

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        first, after, last, before = (kwargs.pop(name, None) for name in _PAGE_ARGUMENTS)
        window = page(self.order, first, after, last, before)
        return await next_(source, info, window=window, **kwargs)


def connection(found: Slice[Any], nodes: Sequence[Node]) -> Connection[Node]:
    """The page of `found`, whose rows became `nodes` (one each, in order)."""
    window, order = found.window, found.order
    keys = [order.key(row) for row in found.rows]
    edges = [Edge(node=node, order=order, key=key) for key, node in zip(keys, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=window.before is not None if window.from_end else found.more,
            has_previous_page=found.more if window.from_end else window.after is not None,
            order=order,
            first_key=keys[0] if keys else None,
            last_key=keys[-1] if keys else None,
        ),
        total_count=found.total,
    )
