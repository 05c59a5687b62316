"""Transactions: posted once per externalId, optionally linked to the redemption they used."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.locks import lock_profile
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.money import from_cents, to_cents
from loyalty_gateway.core.time import happened_at, zone
from loyalty_gateway.db.columns import check_text, json_for_storage
from loyalty_gateway.db.keyset import by_creation
from loyalty_gateway.events import outbox
from loyalty_gateway.idempotency.service import request_digest, run_once
from loyalty_gateway.profiles.context import profile_context
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
    items: list[TransactionItemInput]
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
                "name": item.name,
                "product_variant_id": item.product_variant_id,
                "sku": item.sku,
                "quantity": str(item.quantity),
                "price_sell": from_cents(item.price_sell_cents),
                "is_return": item.is_return,
                "tags": item.tags,
            }
            for item in items
        ],
        "profile": profile,
    }


async def _check_link(transaction_profile_id: str | None, redemption_id: str) -> Redemption:
    """The redemption, locked under its profile, if it may be linked to this transaction."""
    found = await Redemption.get_or_none(id=require_uuid(redemption_id, "redemptionId"))
    if found is None:
        raise UserError(ErrorCode.NOT_FOUND, f"No redemption {redemption_id}", "redemptionId")
    if transaction_profile_id is None or str(found.profile_id) != str(transaction_profile_id):
        raise UserError(
            ErrorCode.PROFILE_MISMATCH,
            "The redemption belongs to another profile than the transaction",
            "redemptionId",
        )
    await lock_profile(str(found.profile_id))
    redemption = await Redemption.get(id=found.id)
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


async def _redemption_naming(profile_id: str | None, external_id: str | None) -> Redemption | None:
    """The earliest redemption of this profile that named this externalId and waits for its
    transaction (not linked, not reversed), checked as `linkTransaction` checks it."""
    if profile_id is None or external_id is None:
        return None
    waiting = await Redemption.filter(
        profile_id=profile_id,
        transaction_external_id=external_id,
        type=RedemptionType.REDEEM.value,
        reversed_at=None,
    ).order_by("created_at", "id")
    linked = set(
        await Transaction.filter(redemption_id__in=[r.id for r in waiting]).values_list(
            "redemption_id", flat=True
        )
    )
    for redemption in waiting:
        if redemption.id not in linked:
            return await _check_link(profile_id, str(redemption.id))
    return None


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


async def _emit_created(transaction: Transaction) -> None:
    items = await TransactionItem.filter(transaction_id=transaction.id).order_by("position")
    profile_ctx = None
    if transaction.profile_id:
        profile = await Profile.get(id=transaction.profile_id)
        profile_ctx = await profile_context(profile)
    await outbox.emit(
        "transaction.created",
        transaction_context(transaction, items, profile_ctx),
        str(transaction.profile_id) if transaction.profile_id else None,
    )


async def _create(data: CreateTransactionInput, digest: str) -> dict[str, Any]:
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
    profile_id = None
    if data.profile_id is not None:
        profile_id = require_uuid(data.profile_id, "profileId")
        if not await Profile.exists(id=profile_id):
            raise UserError(ErrorCode.NOT_FOUND, f"No profile with id {profile_id}", "profileId")
    redemption: Redemption | None
    if data.redemption_id is not None:
        redemption = await _check_link(profile_id, data.redemption_id)
    else:
        redemption = await _redemption_naming(profile_id, data.external_id)
    transaction = await Transaction.create(
        profile_id=profile_id,
        external_id=data.external_id,
        request_hash=digest,
        receipt_ref=data.receipt_ref,
        total_cents=to_cents(data.total, "total"),
        total_original_cents=_optional_cents(data.total_original, "totalOriginal"),
        margin_cents=_optional_cents(data.margin, "margin"),
        is_void=data.is_void,
        transacted_at=happened_at(data.transacted_at, tz, "transactedAt"),
        timezone=data.timezone,
        location_id=data.location_id,
        tags=list(data.tags),
        meta=json_for_storage(data.meta),
        redemption=redemption,
    )
    await TransactionItem.bulk_create(
        [TransactionItem(transaction=transaction, **row) for row in rows]
    )
    await _emit_created(transaction)
    return {"transaction_id": str(transaction.id)}


async def create_transaction(
    data: CreateTransactionInput, idempotency_key: str | None = None
) -> Transaction:
    """Post a transaction. The same externalId with the same content returns the stored one;
    with other content it is DUPLICATE_EXTERNAL_ID. Without an externalId, `idempotencyKey`
    deduplicates retries."""
    request = {k: v for k, v in vars(data).items() if k != "items"}
    request["items"] = [vars(item) for item in data.items]
    digest = request_digest(request)
    if data.external_id is not None:
        existing = await Transaction.get_or_none(external_id=data.external_id)
        if existing is not None:
            return _same_or_duplicate(existing, digest)
        try:
            result = await run_once(
                "createTransaction", None, request, lambda: _create(data, digest)
            )
        except IntegrityError:
            existing = await Transaction.get_or_none(external_id=data.external_id)
            if existing is None:
                raise
            return _same_or_duplicate(existing, digest)
    else:
        result = await run_once(
            "createTransaction", idempotency_key, request, lambda: _create(data, digest)
        )
    return await Transaction.get(id=result["transaction_id"])


def _same_or_duplicate(existing: Transaction, digest: str) -> Transaction:
    if existing.request_hash != digest:
        raise UserError(
            ErrorCode.DUPLICATE_EXTERNAL_ID,
            "A different transaction with this externalId exists",
            "externalId",
        )
    return existing


async def link_transaction(transaction_id: str, redemption_id: str) -> Transaction:
    transaction_id = require_uuid(transaction_id, "transactionId")
    async with in_transaction():
        transaction = await Transaction.get_or_none(id=transaction_id)
        if transaction is None:
            raise UserError(
                ErrorCode.NOT_FOUND, f"No transaction {transaction_id}", "transactionId"
            )
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
    return transaction


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
