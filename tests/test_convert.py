"""The one conversion from a model row to its GraphQL type (`graphql/convert.py`), by
convention: a field added to a model and its type needs no conversion line."""

import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from types import SimpleNamespace

import pytest
import strawberry
from graphql import GraphQLInputObjectType, is_non_null_type
from graphql.pyutils import Undefined

from loyalty_gateway.graphql.convert import from_model
from tests.support import built_schema


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Thing:
    id: strawberry.ID
    price: Decimal
    discount: Decimal | None
    made_at: datetime
    made_local_at: datetime
    colour: Colour
    shade: Colour | None
    note: str | None = None
    owner_id: strawberry.Private[str | None] = None


ROW = SimpleNamespace(
    id=uuid.UUID("6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"),
    price_cents=1050,
    discount_cents=None,
    made_at=datetime(2027, 1, 1, 12, tzinfo=UTC),
    timezone="Australia/Melbourne",
    colour="red",
    shade=None,
    owner_id=uuid.UUID("7a2d2b64-1e3d-4d2f-8a6b-6c2c8b4d3f21"),
)


def test_each_field_is_read_by_convention():
    thing = from_model(Thing, ROW)
    assert thing.id == "6f1c1a53-0d2c-4c1e-9d7e-5f1b7a3c2e10"
    assert (thing.price, thing.discount) == (Decimal("10.50"), None)
    assert thing.made_local_at.isoformat() == "2027-01-01T23:00:00+11:00"
    assert (thing.colour, thing.shade) == (Colour.RED, None)
    assert thing.note is None  # absent from the row, with a default
    assert thing.owner_id == "7a2d2b64-1e3d-4d2f-8a6b-6c2c8b4d3f21"


def test_what_is_given_wins_and_what_is_missing_is_an_error():
    assert from_model(Thing, ROW, note="given").note == "given"
    row = SimpleNamespace(**{k: v for k, v in vars(ROW).items() if k != "colour"})
    with pytest.raises(TypeError, match=r"Thing\.colour"):
        from_model(Thing, row)


@dataclasses.dataclass
class Row:
    """A row whose class says which attributes it has: its reading is worked out once."""

    id: uuid.UUID
    price_cents: int
    discount_cents: int | None
    made_at: datetime
    timezone: str
    colour: str
    shade: str | None
    owner_id: uuid.UUID


def test_rows_of_one_class_are_read_as_any_row_is():
    expected = from_model(Thing, ROW)
    assert from_model(Thing, Row(**vars(ROW))) == expected
    other = {**vars(ROW), "price_cents": 99, "shade": "red"}
    again = from_model(Thing, Row(**other))  # the class's plan, made by the first row
    assert again == from_model(Thing, SimpleNamespace(**other))
    assert (again.price, again.shade) == (Decimal("0.99"), Colour.RED)


# What an update input leaves out of its create input, on purpose: a point definition's type
# never changes, and a rate keeps its handle.
LEFT_OUT = {"UpdatePointDefinitionInput": {"type"}, "UpdateRateInput": {"handle"}}


def test_an_update_input_takes_each_field_of_its_create_input_and_needs_none():
    """`patch_of`: a field added to a create input is in its update input too, optional and
    without a default (not sent: left alone)."""
    graph = built_schema()._schema
    paired = 0
    for name, update in graph.type_map.items():
        create = graph.type_map.get("Create" + name.removeprefix("Update"))
        if not name.startswith("Update") or not isinstance(create, GraphQLInputObjectType):
            continue
        paired += 1
        expected = set(create.fields) - LEFT_OUT.get(name, set())
        assert set(update.fields) == expected | {"id"}, name
        for field_name in expected:
            field = update.fields[field_name]
            assert not is_non_null_type(field.type), (name, field_name)
            assert field.default_value is Undefined, (name, field_name)
    assert paired == 9
