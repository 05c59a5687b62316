"""Point lots, awarding points, and the program's points-to-dollars rate."""

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.balances.lots import POINT_LOTS
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.graphql.balances import BalancesType
from loyalty_gateway.graphql.convert import from_model, to_domain
from loyalty_gateway.graphql.described import ERRORS, IDEMPOTENCY_KEY, TIMEZONE_IN, TIMEZONE_OUT
from loyalty_gateway.graphql.earning import PointDefinition, definition_of, multiplier
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, attempt
from loyalty_gateway.graphql.lot_status import PointStatusEnum, status_as
from loyalty_gateway.graphql.permissions import (
    guarded_by,
    scoped_field,
    scoped_mutation,
    staff_only,
)
from loyalty_gateway.graphql.scalars import Points
from loyalty_gateway.points import service
from loyalty_gateway.points.models import PointLot as PointLotModel
from loyalty_gateway.program import service as program
from loyalty_gateway.program.models import ProgramSettings as ProgramSettingsModel


@guarded_by(Scope.REWARDS_READ)
@staff_only("meta")
@strawberry.type
class PointLot:
    id: strawberry.ID
    points_initial: Points
    points_remaining: Points
    timezone: str = strawberry.field(description=TIMEZONE_OUT)
    issued_at: datetime
    expires_at: datetime | None
    status: PointStatusEnum
    reason: str | None
    external_id: str | None
    meta: JSON | None
    available_at: datetime | None = strawberry.field(
        description="Pending until then (`status: PENDING`), spendable after; null: at once."
    )
    rate: Decimal | None = strawberry.field(
        description="The rate it was earned at (a multiplier); null when no rate applied."
    )
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The sale it was earned on, if any."
    )
    created_at: datetime
    definition_id: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, model: PointLotModel) -> "PointLot":
        return from_model(
            cls,
            model,
            status=status_as(PointStatusEnum, POINT_LOTS, model, utcnow()),
            rate=multiplier(model.rate) if model.rate is not None else None,
        )

    @strawberry.field(description="The point definition it was earned by, if any.")
    async def definition(self, info: Info) -> PointDefinition | None:
        return await definition_of(info, self.definition_id)


@strawberry.input
class AwardPointsInput:
    profile_id: strawberry.ID
    points: Points
    timezone: str = strawberry.field(description=TIMEZONE_IN)
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    reason: str | None = None
    external_id: str | None = None
    meta: JSON | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type
class AwardPointsPayload:
    point_lot: PointLot | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)
    profile_id: strawberry.Private[str | None] = None

    @strawberry.field
    async def balances(self) -> BalancesType | None:
        return await BalancesType.of_profile(self.profile_id)


@guarded_by(Scope.DEFINITIONS_READ)
@strawberry.type
class Program:
    points_to_dollars_rate: Decimal = strawberry.field(
        description='Dollars per point: "0.01" means 100 points = $1.'
    )
    default_timezone: str = strawberry.field(
        description="Where reactions issue rewards, benefits and points when neither the action "
        "nor the record that triggered it names a time zone."
    )

    @classmethod
    def from_model(cls, row: ProgramSettingsModel) -> "Program":
        rate = Decimal(row.points_to_dollars_rate).normalize()
        return from_model(cls, row, points_to_dollars_rate=rate)


@strawberry.input
class UpdateProgramSettingsInput:
    points_to_dollars_rate: Decimal | None = None
    default_timezone: str | None = None


@strawberry.type
class UpdateProgramSettingsPayload:
    program: Program | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


async def _award(data: AwardPointsInput) -> PointLotModel:
    domain = to_domain(service.AwardPointsInput, data)
    return await service.award_points(domain, data.idempotency_key)


@strawberry.type
class PointQueries:
    @scoped_field(Scope.DEFINITIONS_READ)
    async def program(self) -> Program:
        return Program.from_model(await program.get_settings_row())


@strawberry.type
class PointMutations:
    @scoped_mutation(Scope.POINTS_WRITE)
    async def award_points(self, input: AwardPointsInput) -> AwardPointsPayload:
        lot, errors = await attempt(_award(input))
        if lot is None:
            return AwardPointsPayload(point_lot=None, errors=errors)
        return AwardPointsPayload(
            point_lot=PointLot.from_model(lot), errors=[], profile_id=str(lot.profile_id)
        )

    @scoped_mutation(Scope.ADMIN)
    async def update_program_settings(
        self, input: UpdateProgramSettingsInput
    ) -> UpdateProgramSettingsPayload:
        row, errors = await attempt(
            program.update_program_settings(input.points_to_dollars_rate, input.default_timezone)
        )
        found = Program.from_model(row) if row else None
        return UpdateProgramSettingsPayload(program=found, errors=errors)
