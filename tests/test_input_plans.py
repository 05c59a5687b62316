"""Input plans (`graphql/inputs.py`) against Strawberry's own conversion: on generated values
of every input type of the schema, the two build equal inputs of the same classes."""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument

from loyalty_gateway.graphql.inputs import InputPlan
from loyalty_gateway.graphql.schema import build_schema
from loyalty_gateway.settings import Settings

SCHEMA = build_schema(Settings())
INPUTS = sorted(
    (t for t in SCHEMA._schema.type_map.values() if isinstance(t, GraphQLInputObjectType)),
    key=lambda t: t.name,
)
LEAVES = st.one_of(st.text(max_size=5), st.integers(), st.decimals(allow_nan=False), st.booleans())


def _values(kind: GraphQLInputType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values as graphql-core hands them on after coercion: parsed scalars, enum values,
    lists, and dicts of the fields sent (a nullable one may be absent or null)."""
    if isinstance(kind, GraphQLNonNull):
        return _present(kind.of_type, depth)
    return st.one_of(st.none(), _present(kind, depth))


def _present(kind: GraphQLInputType, depth: int) -> st.SearchStrategy[Any]:
    if isinstance(kind, GraphQLList):
        return st.lists(_values(kind.of_type, depth + 1), max_size=3)
    if isinstance(kind, GraphQLEnumType):
        return st.sampled_from([value.value for value in kind.values.values()])
    if isinstance(kind, GraphQLInputObjectType):
        return _objects(kind, depth + 1)
    return LEAVES


def _objects(kind: GraphQLInputObjectType, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    required = {n: _values(f.type, depth) for n, f in kind.fields.items() if _required(f.type)}
    optional = {n: _values(f.type, depth) for n, f in kind.fields.items() if n not in required}
    return st.fixed_dictionaries(required, optional=optional)


def _required(kind: GraphQLInputType) -> bool:
    return isinstance(kind, GraphQLNonNull)


@contextmanager
def strawberry_alone() -> Iterator[None]:
    """Strawberry's conversion as it is without the plans."""
    definitions = [t.extensions[GraphQLCoreConverter.DEFINITION_BACKREF] for t in INPUTS]
    plans = [definition.from_input for definition in definitions]
    for definition in definitions:
        definition.from_input = None
    try:
        yield
    finally:
        for definition, plan in zip(definitions, plans, strict=True):
            definition.from_input = plan


def _convert(value: Any, cls: type) -> Any:
    return convert_argument(
        value, cls, SCHEMA.schema_converter.scalar_registry, SCHEMA.config, path=("input",)
    )


def _same(built: Any, expected: Any) -> None:
    """Equal, of the same classes all the way down (dataclass equality checks the class
    of the instance it is called on only)."""
    assert type(built) is type(expected)
    assert built == expected
    if isinstance(expected, list):
        for each, other in zip(built, expected, strict=True):
            _same(each, other)
    elif hasattr(expected, "__dataclass_fields__"):
        for name in expected.__dataclass_fields__:
            _same(getattr(built, name), getattr(expected, name))


def test_every_input_type_has_a_plan():
    for kind in INPUTS:
        definition = kind.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        assert isinstance(definition.from_input, InputPlan), kind.name


@pytest.mark.parametrize("kind", INPUTS, ids=lambda kind: kind.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_plan_builds_what_strawberry_builds(kind: GraphQLInputObjectType, data: Any) -> None:
    value = data.draw(_objects(kind, 0))
    cls = kind.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin
    with strawberry_alone():
        expected = _convert(value, cls)
    built = _convert(value, cls)
    _same(built, expected)


def test_a_list_is_copied_not_shared():
    """graphql-core hands every request that omits a list the same default list: a plan
    copies it, as Strawberry does, so that a resolver changing it changes nothing else."""
    kind = next(t for t in INPUTS if t.name == "RedeemInput")
    cls = kind.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin
    strategies = ["REWARDS"]
    built = _convert({"profileId": "p", "amount": Decimal(1), "strategies": strategies}, cls)
    assert built.strategies == strategies and built.strategies is not strategies
