"""Between GraphQL and the domain, field by field, by convention: from a GraphQL input to the
domain's input, and from a model row to its GraphQL type, so that a field added to a model,
its type and its input needs no line of conversion code."""

import dataclasses
import inspect
import operator
from collections.abc import Callable
from enum import Enum
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

import strawberry
from tortoise.models import Model

from loyalty_gateway.core.money import from_cents
from loyalty_gateway.core.time import zone

T = TypeVar("T")
M = TypeVar("M", bound=Model)


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


Reader = Callable[[Any], Any]


def _reader(model: Any, name: str) -> Reader | None:
    """How a row of `model`'s class gives the value of a field `name`: its attribute of that
    name; else `<name>_cents` as dollars; else, for `<stem>_local_at`, `<stem>_at` in the
    row's `timezone`; None when it has none of them."""
    if hasattr(model, name):
        return operator.attrgetter(name)
    if hasattr(model, f"{name}_cents"):
        cents = operator.attrgetter(f"{name}_cents")

        def dollars(row: Any) -> Any:
            value = cents(row)
            return None if value is None else from_cents(value)

        return dollars
    stem = name.removesuffix("_local_at")
    if stem != name and hasattr(model, f"{stem}_at"):
        at = operator.attrgetter(f"{stem}_at")

        def local(row: Any) -> Any:
            value = at(row)
            return None if value is None else value.astimezone(zone(row.timezone))

        return local
    return None


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    read: Reader | None
    required: bool  # no default: a row without a value for it is an error
    enum: type[Enum] | None


_PLANS: dict[tuple[type, type], list[_Field]] = {}


def _plan(cls: type, model: Any) -> list[_Field]:
    """How each field of `cls` is read from `model`: worked out once per pair of classes
    for rows whose class says which attributes they have (Tortoise models loaded whole,
    dataclasses), for each row otherwise."""
    whole = isinstance(model, Model) and not model._partial
    if not (whole or dataclasses.is_dataclass(model)):
        return _fields(cls, model)
    key = (cls, type(model))
    if key not in _PLANS:
        _PLANS[key] = _fields(cls, model)
    return _PLANS[key]


def _fields(cls: type, model: Any) -> list[_Field]:
    enums = _enums(cls)
    return [
        _Field(
            field.name,
            _reader(model, field.name),
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
            enums.get(field.name),
        )
        for field in dataclasses.fields(cls)  # strawberry types are dataclasses
        if field.init
    ]


def from_model(cls: type[T], model: Any, **given: Any) -> T:
    """An instance of the GraphQL type `cls` (private fields included) from `model`: what
    `given` names, else what `_reader` finds, ids (UUIDs) as strings and enum fields (and
    lists of them) as their enum. A field with a default may be missing from the row; any
    other is an error."""
    values = {}
    for field in _plan(cls, model):
        if field.name in given:
            values[field.name] = given[field.name]
            continue
        if field.read is None:
            if field.required:
                raise TypeError(f"{cls.__name__}.{field.name}: no such value on {model!r}")
            continue
        value = field.read(model)
        if isinstance(value, UUID):
            value = str(value)
        elif field.enum is not None and isinstance(value, list):
            value = [field.enum(each) for each in value]
        elif field.enum is not None and value is not None and not isinstance(value, Enum):
            value = field.enum(value)
        values[field.name] = value
    return cls(**values)


class FromModel(Generic[M]):
    """A GraphQL type read from its row (an `M`) by `from_model` alone."""

    @classmethod
    def from_model(cls, model: M) -> Self:
        return from_model(cls, model)


def given(data: object, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The input's fields that were sent (UNSET ones left out), in snake_case."""
    return {
        key: value
        for key, value in vars(data).items()
        if value is not strawberry.UNSET and key not in exclude
    }


def patch_of(create: type, without: tuple[str, ...] = ()) -> Callable[[type[T]], type[T]]:
    """Makes a class an update input (applied before `strawberry.input`): its own fields (an
    `id`, a field it describes otherwise), then every field of the create input `create` but
    those `without`, each optional and UNSET unless sent (`given` leaves those out), with the
    description it has there."""

    def patched(cls: type[T]) -> type[T]:
        annotations = inspect.get_annotations(cls)
        for field in create.__strawberry_definition__.fields:  # type: ignore[attr-defined]  # a strawberry input
            if field.python_name in annotations or field.python_name in without:
                continue
            annotations[field.python_name] = field.type_annotation.annotation | None
            default = strawberry.field(default=strawberry.UNSET, description=field.description)
            setattr(cls, field.python_name, default)
        cls.__annotations__ = annotations
        return cls

    return patched


def to_domain(cls: type[T], data: object, **overrides: Any) -> T:
    """The domain input `cls` (a dataclass) from a GraphQL input: each of its fields that
    `data` sent (the domain's default for the others), `overrides` first."""
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]  # cls is a dataclass
    values = {key: value for key, value in given(data).items() if key in names}
    return cls(**{**values, **overrides})
