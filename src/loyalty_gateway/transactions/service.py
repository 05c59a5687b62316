"""Transactions: posted once per externalId, optionally linked to the redemption they used."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from uuid import uuid4

from tortoise.exceptions import IntegrityError

from loyalty_gateway.balances.locks import lock_profile
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.money import from_cents, to_cents
from loyalty_gateway.core.time import happened_at, zone
from loyalty_gateway.db.columns import check_text, json_for_storage
from loyalty_gateway.db.keyset import by_creation
from loyalty_gateway.db.rows import by_ids, find_row, inserting, write_together
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import Made, request_digest, run_once
from loyalty_gateway.profiles.context import profile_in_context
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.redemptions.models import Redemption, RedemptionType
from loyalty_gateway.transactions.models import Transaction, TransactionItem

MAX_ITEMS = 1000
MAX_QUANTITY = Decimal(10) ** 9


@dataclass
class TransactionItemInput:
    name: str
    quantity: Decimal
    price_current: Decimal
    price_sell: Decimal
    product_variant_id: str | None = None
    sku: str | None = None
    price_original: Decimal | None = None
    price_margin: Decimal | None = None
    is_void: bool = False
    is_return: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass
class CreateTransactionInput:
    total: Decimal
    transacted_at: datetime
    timezone: str
    items: Sequence[TransactionItemInput]
    profile_id: str | None = None
    external_id: str | None = None
    receipt_ref: str | None = None
    total_original: Decimal | None = None
    margin: Decimal | None = None
    is_void: bool = False
    location_id: str | None = None
    tags: list[str] = field(default_factory=list)
    meta: Any = None
    redemption_id: str | None = None


def _optional_cents(value: Decimal | None, field_name: str) -> int | None:
    return None if value is None else to_cents(value, field_name)


def _item_row(position: int, item: TransactionItemInput) -> dict[str, Any]:
    prefix = f"items.{position}."
    if not item.quantity.is_finite() or item.quantity < 0 or item.quantity > MAX_QUANTITY:
        raise UserError(ErrorCode.INVALID_INPUT, "quantity must be 0 or more", prefix + "quantity")
    if item.quantity != item.quantity.quantize(Decimal("0.001")):
        raise UserError(
            ErrorCode.INVALID_INPUT, "quantity has more than 3 decimals", prefix + "quantity"
        )
    row = {
        "position": position,
        "name": item.name,
        "product_variant_id": item.product_variant_id,
        "sku": item.sku,
        "quantity": item.quantity,
        "price_current_cents": to_cents(item.price_current, prefix + "priceCurrent"),
        "price_sell_cents": to_cents(item.price_sell, prefix + "priceSell"),
        "price_original_cents": _optional_cents(item.price_original, prefix + "priceOriginal"),
        "price_margin_cents": _optional_cents(item.price_margin, prefix + "priceMargin"),
        "is_void": item.is_void,
        "is_return": item.is_return,
        "tags": list(item.tags),
    }
    check_text(TransactionItem, {k: v for k, v in row.items() if isinstance(v, str)})
    return row


EVENT_CONTEXTS = {
    "transaction.created": frozenset(
        {
            "id", "profile_id", "external_id", "receipt_ref", "total", "is_void",
            "transacted_at", "transacted_local_at", "timezone", "location_id", "tags", "meta",
            "redemption_id", "items", "profile",
        }
    ),
}  # fmt: skip


def transaction_context(
    transaction: Transaction, items: list[TransactionItem], profile: dict[str, Any] | None
) -> dict[str, Any]:
    """Transaction fields at the root and the profile nested, as Omneo's contexts are."""
    tz = zone(transaction.timezone)
    return {
        "id": str(transaction.id),
        "profile_id": str(transaction.profile_id) if transaction.profile_id else None,
        "external_id": transaction.external_id,
        "receipt_ref": transaction.receipt_ref,
        "total": from_cents(transaction.total_cents),
        "is_void": transaction.is_void,
        "transacted_at": transaction.transacted_at,
        "transacted_local_at": transaction.transacted_at.astimezone(tz),
        "timezone": transaction.timezone,
        "location_id": transaction.location_id,
        "tags": transaction.tags,
        "meta": transaction.meta,
        "redemption_id": str(transaction.redemption_id) if transaction.redemption_id else None,
        "items": [
            {
                "position": item.position,
                "name": item.name,
                "product_variant_id": item.product_variant_id,
                "sku": item.sku,
                "quantity": str(item.quantity),
                "price_sell": from_cents(item.price_sell_cents),
                "is_void": item.is_void,
                "is_return": item.is_return,
                "tags": item.tags,
            }
            for item in items
        ],
        "profile": profile,
    }


async def _check_link(transaction_profile_id: str | None, redemption_id: str) -> Redemption:
    """The redemption, locked under its profile, if it may be linked to this transaction."""
    found = await find_row(Redemption, redemption_id, "redemption", "redemptionId")
    if transaction_profile_id is None or str(found.profile_id) != str(transaction_profile_id):
        raise UserError(
            ErrorCode.PROFILE_MISMATCH,
            "The redemption belongs to another profile than the transaction",
            "redemptionId",
        )
    await lock_profile(str(found.profile_id))
    [redemption] = await by_ids(Redemption, [str(found.id)])  # again, now that it is locked
    if redemption.type != RedemptionType.REDEEM.value:
        raise UserError(
            ErrorCode.INVALID_INPUT, "Only a REDEEM redemption can be linked", "redemptionId"
        )
    if redemption.reversed_at is not None:
        raise UserError(
            ErrorCode.REDEMPTION_REVERSED, "A reversed redemption cannot be linked", "redemptionId"
        )
    if await Transaction.filter(redemption_id=redemption.id).exists():
        raise UserError(
            ErrorCode.REDEMPTION_ALREADY_LINKED,
            "The redemption is already linked to a transaction",
            "redemptionId",
        )
    return redemption


async def _profile_and_waiting(
    profile_id: str, external_id: str | None
) -> tuple[Profile, dict[str, Any], str | None]:
    """The sale's profile, its context (a sale moves no balance, so the event carries it as
    read here) and the id of the earliest redemption of this profile that named this
    externalId and waits for its transaction (not linked, not reversed): one statement."""
    if external_id is None:
        profile, context, _ = await profile_in_context(profile_id)
        return profile, context, None
    profile, context, row = await profile_in_context(profile_id, _waiting_sql(), [external_id])
    waiting = row["waiting_redemption_id"]
    return profile, context, None if waiting is None else str(waiting)


@lru_cache(maxsize=1)
def _waiting_sql() -> str:
    """That redemption's id as a column over the profile `p`, for the externalId (`%s`)."""
    redemptions, transactions = Redemption._meta.db_table, Transaction._meta.db_table
    return (
        f", (SELECT r.id FROM {redemptions} r WHERE r.profile_id = p.id "
        "AND r.transaction_external_id = %s "
        f"AND r.type = '{RedemptionType.REDEEM.value}' AND r.reversed_at IS NULL "
        f'AND NOT EXISTS (SELECT 1 FROM "{transactions}" t WHERE t.redemption_id = r.id) '
        "ORDER BY r.created_at, r.id LIMIT 1) AS waiting_redemption_id"
    )


async def link_named_transaction(redemption: Redemption) -> None:
    """A redemption that names a transaction's externalId is linked to it at once when the
    transaction exists, with `linkTransaction`'s rules; one that is created later links
    itself (`_create`). Call inside the redemption's transaction."""
    external_id = redemption.transaction_external_id
    if external_id is None:
        return
    transaction = await Transaction.select_for_update().get_or_none(external_id=external_id)
    if transaction is None:
        return
    if str(transaction.profile_id) != str(redemption.profile_id):
        raise UserError(
            ErrorCode.PROFILE_MISMATCH,
            f"Transaction {external_id} belongs to another profile",
            "transactionExternalId",
        )
    if transaction.redemption_id is not None:
        raise UserError(
            ErrorCode.TRANSACTION_ALREADY_LINKED,
            f"Transaction {external_id} already has a redemption",
            "transactionExternalId",
        )
    transaction.redemption = redemption
    await transaction.save(update_fields=["redemption_id"])


async def _emit_created(
    transaction: Transaction, items: list[TransactionItem], profile: dict[str, Any] | None
) -> None:
    await outbox.emit(
        "transaction.created",
        transaction_context(transaction, items, profile),
        str(transaction.profile_id) if transaction.profile_id else None,
    )


def _checked_columns(data: CreateTransactionInput) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The transaction's own columns (not its id, profile, redemption or digest) and its
    items', checked."""
    tz = zone(data.timezone)
    check_text(
        Transaction,
        {
            "external_id": data.external_id,
            "receipt_ref": data.receipt_ref,
            "location_id": data.location_id,
        },
    )
    if len(data.items) > MAX_ITEMS:
        raise UserError(ErrorCode.INVALID_INPUT, f"At most {MAX_ITEMS} items", "items")
    rows = [_item_row(position, item) for position, item in enumerate(data.items)]
    values = {
        "external_id": data.external_id,
        "receipt_ref": data.receipt_ref,
        "total_cents": to_cents(data.total, "total"),
        "total_original_cents": _optional_cents(data.total_original, "totalOriginal"),
        "margin_cents": _optional_cents(data.margin, "margin"),
        "is_void": data.is_void,
        "transacted_at": happened_at(data.transacted_at, tz, "transactedAt"),
        "timezone": data.timezone,
        "location_id": data.location_id,
        "tags": list(data.tags),
        "meta": json_for_storage(data.meta),
    }
    return values, rows


async def sale_preview(data: CreateTransactionInput) -> dict[str, Any]:
    """The context `transaction.created` would carry for this input; nothing is written."""
    values, rows = _checked_columns(data)
    profile, context = None, None
    if data.profile_id is not None:
        profile, context, _ = await profile_in_context(data.profile_id)
    transaction = Transaction(id=uuid4(), profile_id=profile.id if profile else None, **values)
    items = [TransactionItem(**row) for row in rows]
    return transaction_context(transaction, items, context)


async def _create(
    data: CreateTransactionInput, digest: str, made: Made[Transaction]
) -> dict[str, Any]:
    values, rows = _checked_columns(data)
    profile_id, context, waiting = None, None, None
    if data.profile_id is not None:
        named = data.external_id if data.redemption_id is None else None
        profile, context, waiting = await _profile_and_waiting(data.profile_id, named)
        profile_id = str(profile.id)
    linked = data.redemption_id or waiting
    redemption = await _check_link(profile_id, linked) if linked is not None else None
    values = {
        **values,
        "id": uuid4(),
        "profile_id": profile_id,
        "request_hash": digest,
        "redemption_id": redemption.id if redemption else None,
    }
    parts, items = [inserting(Transaction, [values])[0]], list[TransactionItem]()
    if rows:  # the transaction and its items in one statement on PostgreSQL
        insert_items, items = inserting(
            TransactionItem, [{**row, "transaction_id": values["id"]} for row in rows]
        )
        parts.append(insert_items)
    [transaction] = await write_together(Transaction, parts)
    await _emit_created(transaction, items, context)
    return made.keep(transaction)


async def create_transaction(
    data: CreateTransactionInput, idempotency_key: str | None = None
) -> Transaction:
    """Post a transaction. The same externalId with the same content returns the stored one;
    with other content it is DUPLICATE_EXTERNAL_ID. Without an externalId, `idempotencyKey`
    deduplicates retries.

    An externalId is not looked up first: a new sale (the usual case) is one statement
    fewer. A repeat fails (on the externalId's unique index, or earlier: the redemption it
    links is linked already), rolls back, and is answered from the stored sale, as a racing
    twin is."""
    request = {k: v for k, v in vars(data).items() if k != "items"}
    request["items"] = [vars(item) for item in data.items]
    digest = request_digest(request)
    made = Made(Transaction, "transaction_id")
    if data.external_id is not None:
        try:
            result = await run_once(
                "createTransaction", None, request, lambda: _create(data, digest, made)
            )
        except (IntegrityError, UserError):
            existing = await by_ids(Transaction, [data.external_id], field="external_id")
            if not existing:
                raise
            return _same_or_duplicate(existing[0], digest)
    else:
        result = await run_once(
            "createTransaction", idempotency_key, request, lambda: _create(data, digest, made)
        )
    return await made.row(result)


def _same_or_duplicate(existing: Transaction, digest: str) -> Transaction:
    if existing.request_hash != digest:
        raise UserError(
            ErrorCode.DUPLICATE_EXTERNAL_ID,
            "A different transaction with this externalId exists",
            "externalId",
        )
    return existing


async def link_transaction(transaction_id: str, redemption_id: str) -> Transaction:
    """Link a sale to the redemption that paid for it, with its audit entry."""
    transaction_id = require_uuid(transaction_id, "transactionId")
    made = Made(Transaction, "transaction_id")

    async def link() -> dict[str, Any]:
        transaction = await find_row(Transaction, transaction_id, "transaction", "transactionId")
        redemption = await _check_link(transaction.profile_id, redemption_id)
        transaction = await Transaction.select_for_update().get(id=transaction_id)
        if transaction.redemption_id is not None:
            raise UserError(
                ErrorCode.TRANSACTION_ALREADY_LINKED,
                "The transaction already has a redemption",
                "transactionId",
            )
        transaction.redemption = redemption
        await transaction.save(update_fields=["redemption_id"])
        return made.keep(transaction)

    return await made.row(await run_once("linkTransaction", None, {}, link))


async def get_transaction(
    transaction_id: str | None, external_id: str | None
) -> Transaction | None:
    if transaction_id is not None:
        return await Transaction.get_or_none(id=transaction_id)
    return await Transaction.get_or_none(external_id=external_id)


async def items_for(transaction_ids: list[str]) -> dict[str, list[TransactionItem]]:
    grouped: dict[str, list[TransactionItem]] = {tid: [] for tid in transaction_ids}
    for item in await TransactionItem.filter(transaction_id__in=transaction_ids).order_by(
        "transaction_id", "position"
    ):
        grouped[str(item.transaction_id)].append(item)
    return grouped


TRANSACTION_ORDER = by_creation("transactions", "transacted_at", newest_first=True)


async def transactions_for_profiles(profile_ids: list[str]) -> dict[str, list[Transaction]]:
    grouped: dict[str, list[Transaction]] = {pid: [] for pid in profile_ids}
    for transaction in await Transaction.filter(profile_id__in=profile_ids).order_by(
        *TRANSACTION_ORDER.ordering()
    ):
        grouped[str(transaction.profile_id)].append(transaction)
    return grouped


async def transactions_by_redemption(redemption_ids: list[str]) -> dict[str, Transaction]:
    found = await Transaction.filter(redemption_id__in=redemption_ids)
    return {str(t.redemption_id): t for t in found}
