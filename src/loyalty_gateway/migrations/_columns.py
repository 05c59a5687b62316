"""The columns and operations the migrations are written with.

Tortoise rebuilds the schema's history from the migrations on every `migrate` and
`makemigrations`, so a helper here must keep returning exactly what it returns: a new shape of
column gets a new helper. The loader skips this module (its name starts with `_`).
"""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import Field, OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint
from tortoise.migrations.operations import FieldLike, Operation

Column = tuple[str, FieldLike]


def migration(after: str | None, operations: list[Operation]) -> type[migrations.Migration]:
    """The `Migration` class of a module: the first one when `after` is None."""
    history = {"initial": True} if after is None else {"dependencies": [("models", after)]}
    return type(
        "Migration",
        (migrations.Migration,),
        {"initial": False, **history, "operations": operations},
    )


def uuid_key() -> Column:
    return ("id", fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True))


def serial_key() -> Column:
    return ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True))


def moment(name: str, *, null: bool = True) -> Column:
    """A timestamp column set by the code (not `auto_now`)."""
    if null:
        return (name, fields.DatetimeField(null=True, auto_now=False, auto_now_add=False))
    return (name, fields.DatetimeField(auto_now=False, auto_now_add=False))


def texts(*names: str) -> list[Column]:
    """Optional free-text columns."""
    return [(name, fields.TextField(null=True, unique=False)) for name in names]


def flags(**defaults: bool) -> list[Column]:
    return [(name, fields.BooleanField(default=value)) for name, value in defaults.items()]


def created_at() -> Column:
    return ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True))


def updated_at() -> Column:
    return ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False))


def json(name: str, **options: Any) -> Column:
    return (name, fields.JSONField(**options, encoder=JSON_DUMPS, decoder=loads))


def link(
    to: str,
    source_field: str,
    related_name: str,
    on_delete: OnDelete = OnDelete.RESTRICT,
    *,
    null: bool = False,
    one_to_one: bool = False,
) -> Field[Any]:
    """A foreign key (or one-to-one) column to `models.<to>`'s id, with its constraint."""
    kind: Callable[..., Field[Any]] = fields.OneToOneField if one_to_one else fields.ForeignKeyField
    return kind(
        f"models.{to}",
        source_field=source_field,
        db_constraint=True,
        to_field="id",
        related_name=related_name,
        on_delete=on_delete,
        **({"null": True} if null else {}),
    )


def create(name: str, table: str, columns: list[Column], **options: Any) -> ops.CreateModel:
    """A table of the `models` app keyed by `id`; `options` are the model's other Meta."""
    return ops.CreateModel(
        name=name,
        fields=columns,
        options={"table": table, "app": "models", "pk_attr": "id", **options},
        bases=["Model"],
    )


def add(model_name: str, *columns: Column) -> list[ops.AddField]:
    return [ops.AddField(model_name=model_name, name=name, field=field) for name, field in columns]


def index(model_name: str, *columns: str) -> ops.AddIndex:
    return ops.AddIndex(model_name=model_name, index=Index(fields=list(columns)))


def check(model_name: str, name: str, condition: str) -> ops.AddConstraint:
    """A CHECK constraint (CreateModel leaves them out on tortoise-orm 1.1.9)."""
    return ops.AddConstraint(
        model_name=model_name, constraint=CheckConstraint(check=condition, name=name)
    )
