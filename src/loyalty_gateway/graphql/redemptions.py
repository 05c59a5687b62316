"""Redemptions: redeem, reverse, return; and the ledger of every value movement."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.benefits.models import Benefit as BenefitModel
from loyalty_gateway.core.money import from_cents
from loyalty_gateway.graphql.balances import BalancesType
from loyalty_gateway.graphql.benefits import Benefit
from loyalty_gateway.graphql.convert import FromModel, from_model, to_domain
from loyalty_gateway.graphql.described import ERRORS, IDEMPOTENCY_KEY
from loyalty_gateway.graphql.enums import (
    ItemType,
    LotKind,
    Movement,
    RedemptionType,
    Scope,
    Strategy,
)
from loyalty_gateway.graphql.errors import UserErrorType, answer, payload_mutation
from loyalty_gateway.graphql.ids import parse_id
from loyalty_gateway.graphql.permissions import (
    guarded_by,
    scoped_field,
    scoped_mutation,
    staff_only,
)
from loyalty_gateway.graphql.points import PointLot
from loyalty_gateway.graphql.rewards import Reward
from loyalty_gateway.graphql.scalars import Points
from loyalty_gateway.points.models import PointLot as PointLotModel
from loyalty_gateway.redemptions import ledger as ledger_service
from loyalty_gateway.redemptions import service
from loyalty_gateway.redemptions.models import Redemption as RedemptionModel
from loyalty_gateway.redemptions.models import RedemptionItem as RedemptionItemModel
from loyalty_gateway.rewards.models import Reward as RewardModel

if TYPE_CHECKING:
    from loyalty_gateway.graphql.profiles import Profile
    from loyalty_gateway.graphql.transactions import Transaction

ProfileRef = Annotated["Profile", strawberry.lazy("loyalty_gateway.graphql.profiles")]
TransactionRef = Annotated["Transaction", strawberry.lazy("loyalty_gateway.graphql.transactions")]


@guarded_by(Scope.REDEMPTIONS_READ)
@strawberry.type
class RedemptionItem(FromModel[RedemptionItemModel]):
    type: ItemType
    value: Decimal = strawberry.field(description="Dollars taken (or restored).")
    points: Points = strawberry.field(description="Points taken (or restored); 0 for rewards.")
    uses: int = strawberry.field(description="A benefit's uses taken (or given back); else 0.")
    reward_id: strawberry.Private[str | None]
    point_lot_id: strawberry.Private[str | None]
    benefit_id: strawberry.Private[str | None]

    @strawberry.field
    async def reward(self, info: Info) -> Reward | None:
        found = await info.context.loaders.row_of(RewardModel, self.reward_id)
        return Reward.from_model(found) if found else None

    @strawberry.field
    async def point_lot(self, info: Info) -> PointLot | None:
        found = await info.context.loaders.row_of(PointLotModel, self.point_lot_id)
        return PointLot.from_model(found) if found else None

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        found = await info.context.loaders.row_of(BenefitModel, self.benefit_id)
        return Benefit.from_model(found) if found else None


@guarded_by(Scope.REDEMPTIONS_READ)
@staff_only("meta")
@strawberry.type
class Redemption(FromModel[RedemptionModel]):
    id: strawberry.ID
    type: RedemptionType
    total: Decimal
    requested: Decimal = strawberry.field(description="The amount asked for (REDEEM).")
    transaction_external_id: str | None
    meta: JSON | None
    created_at: datetime
    profile_id: strawberry.Private[str]
    original_id: strawberry.Private[str | None]

    @strawberry.field
    async def items(self, info: Info) -> list[RedemptionItem]:
        items = await info.context.loaders.redemption_items.load(str(self.id))
        return [RedemptionItem.from_model(item) for item in items]

    @strawberry.field
    async def profile(self, info: Info) -> ProfileRef:
        from loyalty_gateway.graphql.profiles import Profile

        return Profile.from_model(await info.context.loaders.profile.load(self.profile_id))

    @strawberry.field(description="The REVERSAL that undid this redemption, if any.")
    async def reversed_by(self, info: Info) -> "Redemption | None":
        found = await info.context.loaders.reversal.load(str(self.id))
        return Redemption.from_model(found) if found else None

    @strawberry.field(description="For a REVERSAL or RETURN: the redemption it undid.")
    async def original(self, info: Info) -> "Redemption | None":
        found = await info.context.loaders.row_of(RedemptionModel, self.original_id)
        return Redemption.from_model(found) if found else None

    @scoped_field(Scope.TRANSACTIONS_READ)
    async def transaction(self, info: Info) -> TransactionRef | None:
        from loyalty_gateway.graphql.transactions import Transaction

        found = await info.context.loaders.transaction_by_redemption.load(str(self.id))
        return Transaction.from_model(found) if found else None


@strawberry.input
class RedemptionBenefitInput:
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A benefit of the profile (or give `handle`)."
    )
    handle: str | None = strawberry.field(
        default=None,
        description="A benefit definition's handle: the profile's live benefits of it, earliest "
        "expiry first (or give `id`).",
    )
    quantity: int = strawberry.field(default=1, description="How many uses (1 or more).")


@strawberry.input
class RedeemInput:
    profile_id: strawberry.ID
    amount: Decimal
    strategies: list[Strategy] | None = strawberry.field(
        default=None,
        description="REWARDS and/or POINTS, tried in this order (default [REWARDS]); and "
        "BENEFITS with `benefits`.",
    )
    strict: bool = strawberry.field(
        default=True,
        description="With too little balance: true refuses (INSUFFICIENT_BALANCE), "
        "false redeems what there is.",
    )
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)
    transaction_external_id: str | None = None
    meta: JSON | None = None
    benefits: list[RedemptionBenefitInput] | None = strawberry.field(
        default=None,
        description="With the BENEFITS strategy: the benefit uses to take, all or nothing "
        "(then `amount` may be 0).",
    )


@strawberry.type
class RedeemPayload:
    redemption: Redemption | None

    @strawberry.field
    async def balances(self) -> BalancesType | None:
        return await BalancesType.of_profile(
            self.redemption.profile_id if self.redemption else None
        )

    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class ReverseRedemptionInput:
    redemption_id: strawberry.ID
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class ReturnRedemptionInput:
    redemption_id: strawberry.ID
    amount: Decimal
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)
    benefits: list[RedemptionBenefitInput] | None = strawberry.field(
        default=None,
        description="Benefit uses to give back, of those the redemption took (then `amount` "
        "may be 0).",
    )


@guarded_by(Scope.REDEMPTIONS_READ)
@strawberry.type
class LedgerEntry:
    at: datetime
    movement: Movement
    kind: LotKind
    value: Decimal | None = strawberry.field(description="Dollars, for a reward movement.")
    points: Points | None = strawberry.field(description="Points, for a point movement.")
    lot_id: strawberry.ID
    redemption_id: strawberry.ID | None


MONEY_TOTALS = ("issued", "redeemed", "restored", "voided", "expired", "balance")
"""The reward totals, which the ledger keeps in cents."""


@strawberry.type
class RewardLedgerTotals:
    issued: Decimal
    redeemed: Decimal
    restored: Decimal
    voided: Decimal
    expired: Decimal
    balance: Decimal
    balanced: bool = strawberry.field(
        description="issued - redeemed + restored - voided - expired == balance"
    )


@strawberry.type
class PointLedgerTotals:
    issued: Points
    redeemed: Points
    restored: Points
    voided: Points
    expired: Points
    balance: Points
    pending: Points = strawberry.field(
        description="Points earned but not yet spendable: they count in `issued`, not in `balance`."
    )
    balanced: bool = strawberry.field(
        description="issued - redeemed + restored - voided - expired == balance + pending"
    )


@guarded_by(Scope.REDEMPTIONS_READ)
@strawberry.type
class Ledger:
    entries: list[LedgerEntry]
    rewards: RewardLedgerTotals
    points: PointLedgerTotals

    @classmethod
    def from_domain(cls, found: ledger_service.Ledger) -> "Ledger":
        money = found.rewards
        dollars = {name: from_cents(getattr(money, name)) for name in MONEY_TOTALS}
        return cls(
            entries=[
                from_model(
                    LedgerEntry,
                    entry,
                    value=from_cents(entry.amount) if entry.kind is LotKind.REWARD else None,
                    points=entry.amount if entry.kind is LotKind.POINT else None,
                )
                for entry in found.entries
            ],
            rewards=from_model(RewardLedgerTotals, money, **dollars),
            points=from_model(PointLedgerTotals, found.points),
        )


@strawberry.type
class RedemptionQueries:
    @scoped_field(Scope.REDEMPTIONS_READ)
    async def redemption(self, id: strawberry.ID) -> Redemption | None:
        found = await service.get_redemption(parse_id(id))
        return Redemption.from_model(found) if found else None

    @scoped_field(
        Scope.REDEMPTIONS_READ,
        description="Every value movement of a profile in time order, with totals that "
        "must balance. Null for an unknown profile.",
    )
    async def ledger(self, info: Info, profile_id: strawberry.ID) -> Ledger | None:
        profile = await info.context.loaders.profile.load(parse_id(profile_id, "profileId"))
        if profile is None:
            return None
        return Ledger.from_domain(await ledger_service.ledger(str(profile.id)))


def _benefit_requests(
    given: list[RedemptionBenefitInput] | None,
) -> list[service.BenefitRequest] | None:
    if given is None:
        return None
    return [to_domain(service.BenefitRequest, request) for request in given]


@strawberry.type
class RedemptionMutations:
    @scoped_mutation(Scope.REDEMPTIONS_WRITE)
    async def redeem(self, input: RedeemInput) -> RedeemPayload:
        benefits = _benefit_requests(input.benefits)
        data = to_domain(service.RedeemInput, input, benefits=benefits)
        return await answer(RedeemPayload, service.redeem(data, input.idempotency_key))

    @payload_mutation(RedeemPayload, Scope.REDEMPTIONS_WRITE)
    async def reverse_redemption(self, info: Info, input: ReverseRedemptionInput) -> RedeemPayload:
        window = info.context.settings.reversal_window_minutes
        work = service.reverse_redemption(str(input.redemption_id), input.idempotency_key, window)
        return await answer(RedeemPayload, work)

    @payload_mutation(RedeemPayload, Scope.REDEMPTIONS_WRITE)
    async def return_redemption(self, input: ReturnRedemptionInput) -> RedeemPayload:
        work = service.return_redemption(
            str(input.redemption_id),
            input.amount,
            input.idempotency_key,
            _benefit_requests(input.benefits),
        )
        return await answer(RedeemPayload, work)
