"""Input objects built from their GraphQL values by a plan made once per type.

Strawberry converts a mutation's arguments field by field on every request, resolving each
field's type annotation and GraphQL name again each time (`convert_argument`): under
`make bench` that was a quarter of a `createTransaction`'s CPU (five items) and a twentieth
of a `redeem`'s. Strawberry lets an input type build its own value (`from_input` on its
definition); `plan_inputs` gives every input type of the schema a builder that knows, from
the first call on, which field names to look for, what to leave as it is (scalars and enums
graphql-core has already parsed) and what to build in turn. The result is the input
Strawberry would have built: `tests/test_input_plans.py` compares the two on generated
values of every input type."""

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from graphql import GraphQLInputObjectType
from strawberry import Schema
from strawberry.exceptions import UnsupportedTypeError
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType

Convert = Callable[[Any], Any]


def _kept(value: Any) -> Any:
    return value


class InputPlan:
    """One input type's builder: its fields' GraphQL names, Python names and converters,
    and the None an unsent field without a default gets (as Strawberry does, so that a
    nullable field need not declare one)."""

    def __init__(self, definition: StrawberryObjectDefinition, schema: Schema) -> None:
        self.definition = definition
        self.names = schema.config.name_converter
        self.scalars = schema.schema_converter.scalar_registry
        self.fields: list[tuple[str, str, Convert]] | None = None
        self.implicit = {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }

    def __call__(self, cls: type, value: Mapping[str, Any], _context: InputContext) -> Any:
        return self.build(cls, value)

    def build(self, cls: type, value: Mapping[str, Any]) -> Any:
        fields = self.fields if self.fields is not None else self._fields()
        kwargs = dict(self.implicit)
        for name, python_name, convert in fields:
            if name in value:
                kwargs[python_name] = convert(value[name])
        return cls(**kwargs)

    def _fields(self) -> list[tuple[str, str, Convert]]:
        """Worked out at the first call: by then every lazy type has been resolved."""
        self.fields = [
            (
                self.names.from_field(field),
                field.python_name,
                _converter(field.resolve_type(type_definition=self.definition), self.scalars),
            )
            for field in self.definition.fields
        ]
        return self.fields


def _converter(type_: StrawberryType | type, scalars: Mapping[object, Any]) -> Convert:
    """How a value of `type_` becomes its Python value; None stays None for every type."""
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, scalars)
    if isinstance(type_, LazyType):
        return _converter(type_.resolve_type(), scalars)
    if isinstance(type_, StrawberryList):
        each = _converter(type_.of_type, scalars)
        if each is _kept:  # copied all the same: graphql-core shares a default between requests
            return lambda value: None if value is None else list(value)
        return lambda value: None if value is None else [each(item) for item in value]
    if isinstance(type_, StrawberryEnumDefinition) or has_enum_definition(type_):
        return _kept  # graphql-core has parsed it to the enum's value
    if is_scalar(type_, scalars):
        return _kept  # parsed by the scalar
    if has_object_definition(type_):
        plan, cls = type_.__strawberry_definition__.from_input, type_
        if isinstance(plan, InputPlan):
            return lambda value: None if value is None else plan.build(cls, value)
    raise UnsupportedTypeError(type_)


def plan_inputs(schema: Schema) -> None:
    """Give each input type of `schema` its plan (once: the types are shared between the
    schemas a process builds, and a plan depends on nothing else of theirs)."""
    for named in schema._schema.type_map.values():
        if not isinstance(named, GraphQLInputObjectType):
            continue
        definition = named.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        if definition.from_input is None:
            definition.from_input = InputPlan(definition, schema)
