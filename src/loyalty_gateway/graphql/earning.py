"""Earning: point definitions, rates, `calculateEarning` and `refundTransaction`."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.earning import definitions, rates, refunds
from loyalty_gateway.earning.calculate import Earned
from loyalty_gateway.earning.models import Earning as EarningRecord
from loyalty_gateway.earning.models import PointDefinition as PointDefinitionModel
from loyalty_gateway.earning.models import Rate as RateModel
from loyalty_gateway.earning.service import Sale, calculate_earning
from loyalty_gateway.graphql.convert import FromModel, from_model, given, patch_of
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import IssuePeriodType, PeriodType, PointType, Scope
from loyalty_gateway.graphql.errors import UserErrorType, attempt, payload_mutation
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field, scoped_mutation
from loyalty_gateway.graphql.scalars import Points
from loyalty_gateway.graphql.transactions import CreateTransactionInput, Transaction, domain_input
from loyalty_gateway.transactions.service import sale_preview


@guarded_by(Scope.DEFINITIONS_READ)
@strawberry.type
class PointDefinition(FromModel[PointDefinitionModel]):
    id: strawberry.ID
    name: str
    handle: str
    type: PointType
    description: str | None
    period: int | None
    period_type: PeriodType
    absolute_expiry: datetime | None
    issue_period: int | None
    issue_period_type: IssuePeriodType
    created_at: datetime
    updated_at: datetime


async def definition_of(info: Info, definition_id: str | None) -> PointDefinition | None:
    """The point definition a lot or a tier point entry was earned by, if any."""
    found = await info.context.loaders.row_of(PointDefinitionModel, definition_id)
    return PointDefinition.from_model(found) if found else None


def multiplier(value: Decimal) -> Decimal:
    """A rate as it is shown: no trailing zeros past the second decimal."""
    return Decimal(value).normalize()


@guarded_by(Scope.DEFINITIONS_READ)
@strawberry.type
class Rate:
    id: strawberry.ID
    handle: str
    name: str
    rate: Decimal
    starts_at: datetime | None
    ends_at: datetime | None
    profile_conditions: JSON | None
    product_conditions: JSON | None
    location_id: str | None
    code: str | None
    issue_period: int | None
    issue_period_type: IssuePeriodType
    is_published: bool
    is_archived: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, model: RateModel, handle: str) -> "Rate":
        return from_model(cls, model, handle=handle, rate=multiplier(model.rate))


@strawberry.input
class CreatePointDefinitionInput:
    name: str
    handle: str
    type: PointType
    description: str | None = None
    period: int | None = None
    period_type: PeriodType = PeriodType.DAYS
    absolute_expiry: datetime | None = None
    issue_period: int | None = None
    issue_period_type: IssuePeriodType = IssuePeriodType.DAYS


@strawberry.input
@patch_of(CreatePointDefinitionInput, without=("type",))
class UpdatePointDefinitionInput:
    id: strawberry.ID


@strawberry.input
class CreateRateInput:
    handle: str
    name: str
    rate: Decimal
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    profile_conditions: JSON | None = None
    product_conditions: JSON | None = None
    location_id: str | None = None
    code: str | None = None
    issue_period: int | None = None
    issue_period_type: IssuePeriodType = IssuePeriodType.DAYS
    is_published: bool = True


@strawberry.input
@patch_of(CreateRateInput, without=("handle",))
class UpdateRateInput:
    id: strawberry.ID


@strawberry.input
class ArchiveRateInput:
    id: strawberry.ID


@strawberry.input
class CalculateEarningInput:
    transaction: CreateTransactionInput
    code: str | None = None
    handles: list[str] | None = None


@strawberry.input
class RefundTransactionInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.type
class PointDefinitionPayload:
    point_definition: PointDefinition | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class RatePayload:
    rate: Rate | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class Earning:
    definition: PointDefinition
    base: Decimal
    rate: Decimal
    matched_rate: Rate | None
    points: Points
    item_positions: list[int]
    available_at: datetime | None


@strawberry.type
class CalculateEarningPayload:
    earnings: list[Earning] | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class RefundTransactionPayload:
    transaction: Transaction | None
    points_taken_back: Points | None
    tier_points_taken_back: Points | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


def _rate(model: RateModel | None, handle: str) -> Rate | None:
    return Rate.from_model(model, handle) if model is not None else None


async def _handle_of(rate: RateModel) -> str:
    definition = await PointDefinitionModel.get(id=rate.definition_id)
    return definition.handle


def _earning(definition: PointDefinitionModel, earned: Earned) -> Earning:
    record = EarningRecord(definition, earned.rate, None)
    return Earning(
        definition=PointDefinition.from_model(definition),
        base=earned.base,
        rate=multiplier(earned.multiplier),
        matched_rate=_rate(earned.rate, definition.handle),
        points=earned.points,
        item_positions=list(earned.items),
        available_at=record.available_at(utcnow())
        if definition.type == definitions.PointType.POINTS.value
        else None,
    )


@strawberry.type
class EarningQueries:
    @scoped_field(Scope.DEFINITIONS_READ)
    async def point_definitions(self, type: PointType | None = None) -> list[PointDefinition]:
        found = await definitions.list_definitions(type)
        return [PointDefinition.from_model(d) for d in found]

    @scoped_field(Scope.DEFINITIONS_READ)
    async def rates(
        self,
        handle: Annotated[
            str | None, strawberry.argument(description="Only those of this point definition.")
        ] = None,
        include_archived: bool = False,
    ) -> list[Rate]:
        found = await rates.list_rates(handle, include_archived)
        return [Rate.from_model(rate, rate.definition.handle) for rate in found]


@strawberry.type
class EarningMutations:
    @payload_mutation(PointDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def create_point_definition(
        self, input: CreatePointDefinitionInput
    ) -> PointDefinitionPayload:
        found, errors = await attempt(definitions.POINT_DEFINITIONS.create(given(input)))
        return PointDefinitionPayload(
            point_definition=PointDefinition.from_model(found) if found else None, errors=errors
        )

    @payload_mutation(PointDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def update_point_definition(
        self, input: UpdatePointDefinitionInput
    ) -> PointDefinitionPayload:
        work = definitions.update_definition(str(input.id), given(input, exclude=("id",)))
        found, errors = await attempt(work)
        return PointDefinitionPayload(
            point_definition=PointDefinition.from_model(found) if found else None, errors=errors
        )

    @payload_mutation(RatePayload, Scope.DEFINITIONS_WRITE)
    async def create_rate(self, input: CreateRateInput) -> RatePayload:
        found, errors = await attempt(rates.create_rate(input.handle, given(input, ("handle",))))
        return RatePayload(rate=_rate(found, input.handle), errors=errors)

    @payload_mutation(RatePayload, Scope.DEFINITIONS_WRITE)
    async def update_rate(self, input: UpdateRateInput) -> RatePayload:
        found, errors = await attempt(rates.update_rate(str(input.id), given(input, ("id",))))
        rate = _rate(found, await _handle_of(found)) if found else None
        return RatePayload(rate=rate, errors=errors)

    @payload_mutation(RatePayload, Scope.DEFINITIONS_WRITE)
    async def archive_rate(self, input: ArchiveRateInput) -> RatePayload:
        found, errors = await attempt(rates.archive_rate(str(input.id)))
        rate = _rate(found, await _handle_of(found)) if found else None
        return RatePayload(rate=rate, errors=errors)

    @scoped_mutation(Scope.TRANSACTIONS_WRITE)
    async def calculate_earning(self, input: CalculateEarningInput) -> CalculateEarningPayload:
        async def work() -> list[Earning]:
            context = await sale_preview(domain_input(input.transaction))
            sale = Sale(context, context.get("profile"), context.get("location_id"), input.code)
            return [_earning(d, e) for d, e in await calculate_earning(sale, input.handles)]

        found, errors = await attempt(work())
        return CalculateEarningPayload(earnings=found, errors=errors)

    @scoped_mutation(Scope.TRANSACTIONS_WRITE)
    async def refund_transaction(self, input: RefundTransactionInput) -> RefundTransactionPayload:
        refund, errors = await attempt(refunds.refund_transaction(str(input.id), input.reason))
        if refund is None:
            return RefundTransactionPayload(
                transaction=None, points_taken_back=None, tier_points_taken_back=None, errors=errors
            )
        return RefundTransactionPayload(
            transaction=Transaction.from_model(refund.transaction),
            points_taken_back=refund.points_taken_back,
            tier_points_taken_back=refund.tier_points_taken_back,
            errors=errors,
        )
