"""Limits checked before execution: depth, aliases, tokens, and the cost of connection sizes."""

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
    return any(
        isinstance(s, FieldNode) and s.name.value in ("edges", "nodes", "pageInfo")
        for s in node.selection_set.selections
    )


def _cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    multiplier: int,
    seen: frozenset[str] = frozenset(),
) -> int:
    """Nodes a selection could return: connection sizes multiply down the tree."""
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None:
                continue
            size = _first(selection, variables)
            if size is None and _is_connection(selection):
                size = DEFAULT_PAGE
            if size is None:
                total += _cost(selection.selection_set, fragments, variables, multiplier, seen)
            else:
                inner = multiplier * size
                total += inner + _cost(selection.selection_set, fragments, variables, inner, seen)
        elif isinstance(selection, InlineFragmentNode):
            total += _cost(selection.selection_set, fragments, variables, multiplier, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            fragment = fragments[name]
            total += _cost(fragment.selection_set, fragments, variables, multiplier, seen | {name})
    return total


def cost_error(
    document: DocumentNode, variables: dict[str, Any], max_cost: int
) -> GraphQLError | None:
    """QUERY_TOO_COSTLY, before execution, for an operation that could return more than
    `max_cost` nodes."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    try:
        cost = sum(
            _cost(d.selection_set, fragments, variables, 1)
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        )
    except (TypeError, ValueError):
        return None  # a malformed `first`; validation reports it
    if cost <= max_cost:
        return None
    return GraphQLError(
        f"This query could return {cost} nodes; the limit is {max_cost}",
        extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": max_cost},
    )
