"""Between GraphQL and the domain, field by field, by convention: from a GraphQL input to the
domain's input, and from a model row to its GraphQL type, so that a field added to a model,
its type and its input needs no line of conversion code."""

import dataclasses
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

import strawberry

from loyalty_gateway.core.money import from_cents
from loyalty_gateway.core.time import zone

T = TypeVar("T")
_ABSENT = object()


_ENUMS: dict[type, dict[str, type[Enum]]] = {}


def _enums(cls: type) -> dict[str, type[Enum]]:
    """The type's enum-typed fields (optional ones too) and their enum classes, worked out
    once per type."""
    if cls in _ENUMS:
        return _ENUMS[cls]
    found = {}
    for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]  # every strawberry type has it
        kind = getattr(field.type, "of_type", field.type)
        wrapped = getattr(kind, "wrapped_cls", None)
        if isinstance(wrapped, type) and issubclass(wrapped, Enum):
            found[field.python_name] = wrapped
    _ENUMS[cls] = found
    return found


def _read(model: Any, name: str) -> Any:
    """The row's value for a field `name`: its attribute of that name; else `<name>_cents`
    as dollars; else, for `<stem>_local_at`, `<stem>_at` in the row's `timezone`."""
    if hasattr(model, name):
        return getattr(model, name)
    if hasattr(model, f"{name}_cents"):
        cents = getattr(model, f"{name}_cents")
        return None if cents is None else from_cents(cents)
    stem = name.removesuffix("_local_at")
    if stem != name and hasattr(model, f"{stem}_at"):
        at = getattr(model, f"{stem}_at")
        return None if at is None else at.astimezone(zone(model.timezone))
    return _ABSENT


def from_model(cls: type[T], model: Any, **given: Any) -> T:
    """An instance of the GraphQL type `cls` (private fields included) from `model`: what
    `given` names, else what `_read` finds, ids (UUIDs) as strings and enum fields (and
    lists of them) as their enum. A field with a default may be missing from the row; any
    other is an error."""
    enums = _enums(cls)
    values = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # strawberry types are dataclasses
        if not field.init:
            continue
        if field.name in given:
            values[field.name] = given[field.name]
            continue
        value = _read(model, field.name)
        if value is _ABSENT:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                raise TypeError(f"{cls.__name__}.{field.name}: no such value on {model!r}")
            continue
        if isinstance(value, UUID):
            value = str(value)
        elif field.name in enums and isinstance(value, list):
            value = [enums[field.name](each) for each in value]
        elif field.name in enums and value is not None and not isinstance(value, Enum):
            value = enums[field.name](value)
        values[field.name] = value
    return cls(**values)


def given(data: object, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The input's fields that were sent (UNSET ones left out), in snake_case."""
    return {
        key: value
        for key, value in vars(data).items()
        if value is not strawberry.UNSET and key not in exclude
    }


def to_domain(cls: type[T], data: object, **overrides: Any) -> T:
    """The domain input `cls` (a dataclass) from a GraphQL input: each of its fields that
    `data` sent (the domain's default for the others), `overrides` first."""
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]  # cls is a dataclass
    values = {key: value for key, value in given(data).items() if key in names}
    return cls(**{**values, **overrides})
