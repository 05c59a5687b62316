"""`db/rows.insert` writes a row as Tortoise's `create` would: the same columns with the same
values (defaults, JSON, decimals, time zones, relations), read back alike by the ORM, and the
row it returns hydrates to what the ORM reads."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from tortoise.models import Model

from loyalty_gateway.db.rows import hydrate, insert
from loyalty_gateway.events.models import Event
from loyalty_gateway.rewards.models import Reward
from loyalty_gateway.transactions.models import Transaction, TransactionItem
from tests.support import create_definition

ISSUED = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def _fields(row: Model, *skip: str) -> dict[str, Any]:
    meta = row._meta
    return {
        name: getattr(row, name)
        for name in meta.fields_db_projection
        if name not in ("id", "created_at", *skip)
    }


async def _both_ways(
    model: type[Model], values: dict[str, Any], *skip: str, unique: dict[str, Any] | None = None
) -> None:
    """`values` through the ORM and through `insert` (with `unique` over them, for columns
    that must differ)."""
    created = await model.create(**values)
    [returned] = await insert(model, [{**values, **(unique or {})}])
    [inserted] = hydrate(model, [returned])
    by_orm = await model.get(pk=created.pk)
    read_back = await model.get(pk=inserted.pk)
    assert _fields(read_back, *skip) == _fields(by_orm, *skip)
    assert _fields(inserted, *skip) == _fields(read_back, *skip)
    assert read_back.pk != by_orm.pk
    if "created_at" in model._meta.fields_map:
        assert abs(read_back.created_at - by_orm.created_at) < timedelta(seconds=5)


async def test_a_reward_inserted_by_hand_reads_back_as_one_created_by_the_orm(gql, profile):
    definition = await create_definition(gql)
    await _both_ways(
        Reward,
        {
            "definition_id": definition["id"],
            "profile_id": profile["id"],
            "value_initial_cents": 1050,
            "value_remaining_cents": 1000,
            "value_at_issue_cents": 1000,
            "type": "fixed",
            "timezone": "Asia/Kathmandu",
            "issued_at": ISSUED,
            "expires_at": None,
            "external_id": None,
            "meta": {"note": "é", "nested": [1, None, {"x": True}]},
        },
    )


async def test_defaults_json_decimals_and_flags_are_stored_alike(gql, profile):
    await _both_ways(
        Transaction,
        {
            "profile_id": profile["id"],
            "request_hash": "h" * 64,
            "total_cents": 4995,
            "transacted_at": ISSUED,
            "timezone": "UTC",
            "tags": ["a", "b"],
        },
        "external_id",
        unique={"external_id": "inserted-by-hand"},
    )
    transaction = await Transaction.create(
        profile_id=profile["id"], request_hash="x", total_cents=1, transacted_at=ISSUED,
        timezone="UTC",
    )  # fmt: skip
    await _both_ways(
        TransactionItem,
        {
            "transaction_id": transaction.id,
            "position": 0,
            "name": "Socks",
            "quantity": Decimal("1.250"),
            "price_current_cents": 999,
            "price_sell_cents": 899,
            "is_return": True,
        },
        "position",
        unique={"position": 1},
    )


async def test_an_event_gets_its_key_from_the_database(profile):
    values = {"name": "test.inserted", "profile_id": profile["id"], "context": {"n": 1}}
    first, second = hydrate(Event, await insert(Event, [values, values]))
    assert second.id > first.id
    stored = await Event.get(id=second.id)
    assert (stored.status, stored.attempts, stored.context) == ("PENDING", 0, {"n": 1})
