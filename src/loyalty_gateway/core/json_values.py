"""Walking a JSON value (what a request decoded): every limit on JSON input (nesting, size,
integer range, NUL characters) reads it through `nodes`, iteratively, however deep it nests."""

from collections.abc import Iterator


def nodes(value: object) -> Iterator[tuple[object, int]]:
    """Every value inside `value`, objects and lists included, with how deep it nests (`value`
    itself is 0), depth first."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        yield item, depth
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def leaves(value: object) -> Iterator[object]:
    """Every object key and every value that is not an object or a list."""
    for item, _ in nodes(value):
        if isinstance(item, dict):
            yield from item.keys()
        elif not isinstance(item, list):
            yield item
