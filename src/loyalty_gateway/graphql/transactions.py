"""Transactions: post one (with the redemption it used), link one, read them."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.core.money import from_cents
from loyalty_gateway.graphql.convert import FromModel, from_model, to_domain
from loyalty_gateway.graphql.described import ERRORS, TIMEZONE_IN, TIMEZONE_OUT
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, answer, bad_input, payload_mutation
from loyalty_gateway.graphql.ids import parse_id
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field, staff_only
from loyalty_gateway.graphql.scalars import Quantity
from loyalty_gateway.redemptions.models import Redemption as RedemptionModel
from loyalty_gateway.transactions import service
from loyalty_gateway.transactions.models import Transaction as TransactionModel
from loyalty_gateway.transactions.models import TransactionItem as TransactionItemModel

if TYPE_CHECKING:
    from loyalty_gateway.graphql.profiles import Profile
    from loyalty_gateway.graphql.redemptions import Redemption

ProfileRef = Annotated["Profile", strawberry.lazy("loyalty_gateway.graphql.profiles")]
RedemptionRef = Annotated["Redemption", strawberry.lazy("loyalty_gateway.graphql.redemptions")]


def _dollars(cents: int | None) -> Decimal | None:
    return None if cents is None else from_cents(cents)


@guarded_by(Scope.TRANSACTIONS_READ)
@staff_only("price_margin", "tags")
@strawberry.type
class TransactionItem:
    name: str
    product_variant_id: str | None
    sku: str | None
    quantity: Quantity
    price_current: Decimal
    price_sell: Decimal
    price_original: Decimal | None
    price_margin: Decimal | None
    is_void: bool
    is_return: bool
    tags: list[str]

    @classmethod
    def from_model(cls, model: TransactionItemModel) -> "TransactionItem":
        return from_model(cls, model, quantity=Decimal(model.quantity))


@guarded_by(Scope.TRANSACTIONS_READ)
@staff_only("margin", "tags", "meta")
@strawberry.type
class Transaction(FromModel[TransactionModel]):
    id: strawberry.ID
    external_id: str | None
    receipt_ref: str | None
    total: Decimal
    total_original: Decimal | None
    margin: Decimal | None
    is_void: bool
    transacted_at: datetime
    transacted_local_at: datetime
    timezone: str = strawberry.field(description=TIMEZONE_OUT)
    location_id: str | None
    tags: list[str]
    meta: JSON | None
    refunded_at: datetime | None = strawberry.field(
        description="When `refundTransaction` took back what it earned; null: never."
    )
    created_at: datetime
    profile_id: strawberry.Private[str | None]
    redemption_id: strawberry.Private[str | None]

    @strawberry.field
    async def items(self, info: Info) -> list[TransactionItem]:
        items = await info.context.loaders.transaction_items.load(str(self.id))
        return [TransactionItem.from_model(item) for item in items]

    @strawberry.field
    async def profile(self, info: Info) -> ProfileRef | None:
        from loyalty_gateway.graphql.profiles import Profile

        if self.profile_id is None:
            return None
        return Profile.from_model(await info.context.loaders.profile.load(self.profile_id))

    @scoped_field(Scope.REDEMPTIONS_READ)
    async def redemption(self, info: Info) -> RedemptionRef | None:
        from loyalty_gateway.graphql.redemptions import Redemption

        found = await info.context.loaders.row_of(RedemptionModel, self.redemption_id)
        return Redemption.from_model(found) if found else None


@strawberry.input
class TransactionItemInput(service.TransactionItemInput):
    """The domain's line item as GraphQL takes it: the quantity is its own scalar."""

    quantity: Quantity
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class CreateTransactionInput(service.CreateTransactionInput):
    """The domain's sale as GraphQL takes it: ids, JSON and its items as GraphQL types, and
    the idempotency key, which the domain takes beside it."""

    timezone: str = strawberry.field(description=TIMEZONE_IN)
    items: list[TransactionItemInput]
    profile_id: strawberry.ID | None = None
    tags: list[str] = strawberry.field(default_factory=list)
    meta: JSON | None = None
    redemption_id: strawberry.ID | None = None
    idempotency_key: str | None = strawberry.field(
        default=None, description="Deduplicates retries when there is no externalId."
    )


@strawberry.input
class LinkTransactionInput:
    transaction_id: strawberry.ID
    redemption_id: strawberry.ID


@strawberry.type
class TransactionPayload:
    transaction: Transaction | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


def domain_input(data: CreateTransactionInput) -> service.CreateTransactionInput:
    items = [to_domain(service.TransactionItemInput, item) for item in data.items]
    return to_domain(service.CreateTransactionInput, data, items=items)


@strawberry.type
class TransactionQueries:
    @scoped_field(
        Scope.TRANSACTIONS_READ,
        description="A transaction by `id` or by `externalId` (give one).",
    )
    async def transaction(
        self, id: strawberry.ID | None = None, external_id: str | None = None
    ) -> Transaction | None:
        if (id is None) == (external_id is None):
            raise bad_input("Give exactly one of 'id' and 'externalId'")
        found = await service.get_transaction(parse_id(id) if id is not None else None, external_id)
        return Transaction.from_model(found) if found else None


@strawberry.type
class TransactionMutations:
    @payload_mutation(TransactionPayload, Scope.TRANSACTIONS_WRITE)
    async def create_transaction(self, input: CreateTransactionInput) -> TransactionPayload:
        work = service.create_transaction(domain_input(input), input.idempotency_key)
        return await answer(TransactionPayload, work)

    @payload_mutation(TransactionPayload, Scope.TRANSACTIONS_WRITE)
    async def link_transaction(self, input: LinkTransactionInput) -> TransactionPayload:
        work = service.link_transaction(str(input.transaction_id), str(input.redemption_id))
        return await answer(TransactionPayload, work)
