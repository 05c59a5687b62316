"""Limits on the work a document can cause, checked before validation and execution.

Every figure is taken over the document as it would be with its fragments expanded, because
that is what validation rules and execution walk: a 1 KB document whose fragments each
spread the next one twice expands to 2^30 fields. Each fragment is measured once and its
figures reused wherever it is spread, so the check costs time linear in the document's size
whatever the expansion would cost.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

from loyalty_gateway.graphql.pagination import DEFAULT_PAGE, MAX_PAGE


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int
    max_aliases: int
    max_fields: int
    max_cost: int


@dataclass(frozen=True)
class Shape:
    """What a selection set expands to. `cost` counts the nodes its connections could return
    for one parent: connection sizes multiply down the tree, so a selection under n parents
    costs n times `cost`."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0

    def __add__(self, other: "Shape") -> "Shape":
        return Shape(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.fields + other.fields,
            self.cost + other.cost,
        )


NOTHING = Shape()


def _first(node: FieldNode, variables: dict[str, Any]) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            return MAX_PAGE if given is None else int(given)
        return int(getattr(value, "value", MAX_PAGE))
    return None


def _is_connection(node: FieldNode) -> bool:
    return node.selection_set is not None and any(
        isinstance(s, FieldNode) and s.name.value in ("edges", "nodes", "pageInfo")
        for s in node.selection_set.selections
    )


class _Measure:
    """Measures selection sets, each fragment once. A fragment spread inside itself (which
    validation reports) and an unknown fragment count as nothing."""

    def __init__(self, document: DocumentNode, variables: dict[str, Any]) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.measured: dict[str, Shape] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> Shape:
        if name in self.measured:
            return self.measured[name]
        if name in self.in_progress or name not in self.fragments:
            return NOTHING
        self.in_progress.add(name)
        shape = self.selections(self.fragments[name].selection_set)
        self.in_progress.discard(name)
        self.measured[name] = shape
        return shape

    def field(self, node: FieldNode) -> Shape:
        own = Shape(aliases=1 if node.alias else 0, fields=1)
        if node.selection_set is None:
            return own
        inner = self.selections(node.selection_set)
        # As graphql-depth-limit (and strawberry) count it: introspection adds no depth.
        depth = 0 if node.name.value.startswith("__") else 1 + inner.depth
        size = _first(node, self.variables)
        if size is None and _is_connection(node):
            size = DEFAULT_PAGE
        cost = inner.cost if size is None else size + size * inner.cost
        return Shape(depth, own.aliases + inner.aliases, own.fields + inner.fields, cost)

    def selections(self, selection_set: SelectionSetNode | None) -> Shape:
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selections(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total


def measure(document: DocumentNode, variables: dict[str, Any]) -> dict[str, Shape]:
    """Each operation's shape, by name (`""` for an anonymous one)."""
    measure = _Measure(document, variables)
    return {
        d.name.value if d.name else "": measure.selections(d.selection_set)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def _exceeded(name: str, shape: Shape, limits: QueryLimits) -> Iterator[GraphQLError]:
    label = f"'{name}'" if name else "The operation"
    checks = (
        (shape.depth, limits.max_depth, "QUERY_TOO_DEEP", "depth", "maxDepth",
         f"{label} exceeds maximum operation depth of {limits.max_depth}"),
        (shape.aliases, limits.max_aliases, "TOO_MANY_ALIASES", "aliases", "maxAliases",
         f"{shape.aliases} aliases found. Allowed: {limits.max_aliases}"),
        (shape.fields, limits.max_fields, "TOO_MANY_FIELDS", "fields", "maxFields",
         f"{label} selects {shape.fields} fields once its fragments are expanded;"
         f" the limit is {limits.max_fields}"),
        (shape.cost, limits.max_cost, "QUERY_TOO_COSTLY", "cost", "maxCost",
         f"This query could return {shape.cost} nodes; the limit is {limits.max_cost}"),
    )  # fmt: skip
    for figure, limit, code, figure_key, limit_key, message in checks:
        if figure > limit:
            extensions = {"code": code, figure_key: figure, limit_key: limit}
            yield GraphQLError(message, extensions=extensions)


def limit_errors(
    document: DocumentNode,
    variables: dict[str, Any],
    limits: QueryLimits,
    query: str | None = None,
) -> list[GraphQLError]:
    """One error per limit that an operation of the document exceeds. With the document's
    `query` text, its shapes are kept per text and per value of the variables they read."""
    try:
        if query is None:
            shapes = measure(document, variables)
        else:
            shapes = _measured(query, document, variables)
    except (TypeError, ValueError):
        return []  # a malformed `first`; validation reports it
    return [error for name, shape in shapes.items() for error in _exceeded(name, shape, limits)]


CACHED_SHAPES = 1000
_READS: dict[str, tuple[str, ...]] = {}
_SHAPES: dict[tuple[str, tuple[Any, ...]], dict[str, Shape]] = {}


def _measured(query: str, document: DocumentNode, variables: dict[str, Any]) -> dict[str, Shape]:
    """`measure`, kept per query text and the values of the variables given as `first`
    (the only ones a shape depends on): measuring walked every field on every request."""
    names = _READS.get(query)
    if names is None:
        names = _READS[query] = _first_variables(document)
    values = tuple(variables.get(name) for name in names)
    if not all(value is None or type(value) is int for value in values):
        return measure(document, variables)  # measure raises what a wrong type deserves
    key = (query, values)
    found = _SHAPES.get(key)
    if found is None:
        if len(_SHAPES) >= CACHED_SHAPES:
            _SHAPES.clear()
            _READS.clear()
        found = _SHAPES[key] = measure(document, variables)
    return found


def _first_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables the document gives as `first` anywhere (fragments included)."""
    found: set[str] = set()

    def visit(selection_set: SelectionSetNode | None) -> None:
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                for argument in node.arguments or ():
                    if argument.name.value == "first" and isinstance(argument.value, VariableNode):
                        found.add(argument.value.name.value)
            visit(getattr(node, "selection_set", None))

    for definition in document.definitions:
        visit(getattr(definition, "selection_set", None))
    return tuple(sorted(found))
