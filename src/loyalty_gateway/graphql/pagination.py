"""Relay-style connections with opaque offset cursors."""

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from loyalty_gateway.graphql.errors import bad_input

MAX_PAGE = 100
DEFAULT_PAGE = 20
Node = TypeVar("Node")


@strawberry.type(description="Where a page lies in its list, and the cursors to go on from.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items come before this page.")
    start_cursor: str | None = strawberry.field(
        description="The first item's cursor; null on an empty page."
    )
    end_cursor: str | None = strawberry.field(
        description="The last item's cursor: pass it as `after` for the next page."
    )


@strawberry.type(description="An item of a page, with the cursor that points at it.")
class Edge(Generic[Node]):
    cursor: str = strawberry.field(description="Opaque: pass it as `after` to continue after it.")
    node: Node = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list: `first` items (at most 100) after `after`.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(description="The page's items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where the page lies in the list.")
    total_count: int = strawberry.field(description="How many items the whole list has.")

    @strawberry.field(description="The page's items, without cursors.")
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        prefix, _, number = text.partition(":")
        offset = int(number)
        if prefix != "o" or offset < 0:
            raise ValueError(cursor)
        return offset
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise bad_input(f"'{cursor}' is not a valid cursor") from None


def page(first: int | None, after: str | None) -> Page:
    """Validate `first`/`after`: first is 0..100 (default 20)."""
    limit = DEFAULT_PAGE if first is None else first
    if limit < 0 or limit > MAX_PAGE:
        raise bad_input(f"'first' must be between 0 and {MAX_PAGE}, got {limit}")
    offset = decode_cursor(after) + 1 if after else 0
    return Page(offset=offset, limit=limit)


def connection(nodes: list[Node], total: int, at: Page) -> Connection[Node]:
    edges = [
        Edge(cursor=encode_cursor(at.offset + index), node=node) for index, node in enumerate(nodes)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=at.offset + len(nodes) < total,
            has_previous_page=at.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
