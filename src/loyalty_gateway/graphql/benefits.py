"""Benefit definitions and benefits: issue, claim, redeem, extend, void."""

from datetime import datetime

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.balances.lots import BENEFIT_LOTS
from loyalty_gateway.benefits import definitions, service
from loyalty_gateway.benefits.models import Benefit as BenefitModel
from loyalty_gateway.benefits.models import BenefitDefinition as BenefitDefinitionModel
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.keyset import Window
from loyalty_gateway.graphql.balances import BalancesType
from loyalty_gateway.graphql.convert import FromModel, from_model, given, patch_of, to_domain
from loyalty_gateway.graphql.described import ERRORS, IDEMPOTENCY_KEY, TIMEZONE_IN
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, answer, attempt, payload_mutation
from loyalty_gateway.graphql.ids import by_id_or_handle, parse_id
from loyalty_gateway.graphql.issued import (
    STAFF_ONLY,
    IssuedDefinition,
    IssuedDefinitionInput,
    IssuedLot,
)
from loyalty_gateway.graphql.lot_status import BenefitStatusEnum, status_as
from loyalty_gateway.graphql.pagination import Connection, Paged, connection
from loyalty_gateway.graphql.permissions import (
    guarded_by,
    scoped_field,
    scoped_mutation,
    staff_only,
)


@guarded_by(Scope.DEFINITIONS_READ)
@staff_only(*STAFF_ONLY)
@strawberry.type
class BenefitDefinition(IssuedDefinition, FromModel[BenefitDefinitionModel]):
    max_redemptions: int | None = strawberry.field(description="Uses per benefit; null: unlimited.")
    is_assignable: bool = strawberry.field(description="Reactions may issue it.")
    is_claimable: bool
    is_reclaimable: bool
    claim_condition: JSON | None
    claim_period_start_at: datetime | None
    claim_period_end_at: datetime | None


@guarded_by(Scope.REWARDS_READ)
@staff_only("meta")
@strawberry.type
class Benefit(IssuedLot):
    claimed_at: datetime | None
    redemptions_remaining: int | None = strawberry.field(description="Null: unlimited.")
    status: BenefitStatusEnum

    @classmethod
    def from_model(cls, model: BenefitModel) -> "Benefit":
        return from_model(
            cls, model, status=status_as(BenefitStatusEnum, BENEFIT_LOTS, model, utcnow())
        )

    @strawberry.field
    async def definition(self, info: Info) -> BenefitDefinition:
        found = await info.context.loaders.benefit_definition.load(self.definition_id)
        return BenefitDefinition.from_model(found)


@strawberry.input
class CreateBenefitDefinitionInput(IssuedDefinitionInput):
    type: str = "other"
    max_redemptions: int | None = None
    is_assignable: bool = True
    is_claimable: bool = False
    is_reclaimable: bool = False
    claim_condition: JSON | None = None
    claim_period_start_at: datetime | None = None
    claim_period_end_at: datetime | None = None


@strawberry.input
@patch_of(CreateBenefitDefinitionInput)
class UpdateBenefitDefinitionInput:
    id: strawberry.ID


@strawberry.type
class BenefitDefinitionPayload:
    benefit_definition: BenefitDefinition | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class IssueBenefitInput:
    profile_id: strawberry.ID
    timezone: str = strawberry.field(description=TIMEZONE_IN)
    benefit_definition_id: strawberry.ID | None = None
    benefit_definition_handle: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    external_id: str | None = None
    meta: JSON | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class ClaimBenefitInput:
    profile_id: strawberry.ID
    definition_handle: str
    timezone: str = strawberry.field(description=TIMEZONE_IN)


@strawberry.input
class RedeemBenefitInput:
    profile_id: strawberry.ID
    benefit_id: strawberry.ID
    count: int = 1
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.input
class ExtendBenefitsInput:
    profile_id: strawberry.ID
    ids: list[strawberry.ID]
    extend_days: int | None = None
    extend_date: datetime | None = None


@strawberry.input
class VoidBenefitInput:
    benefit_id: strawberry.ID
    reason: str


@strawberry.type
class BenefitPayload:
    benefit: Benefit | None

    @strawberry.field
    async def balances(self) -> BalancesType | None:
        return await BalancesType.of_profile(self.benefit.profile_id if self.benefit else None)

    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class ExtendBenefitsPayload:
    benefits: list[Benefit]
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class BenefitQueries:
    @scoped_field(
        Scope.DEFINITIONS_READ,
        description="A benefit definition by `id` or by `handle` (give one).",
    )
    async def benefit_definition(
        self, id: strawberry.ID | None = None, handle: str | None = None
    ) -> BenefitDefinition | None:
        found = await by_id_or_handle(BenefitDefinitionModel, id, handle)
        return BenefitDefinition.from_model(found) if found else None

    @scoped_field(
        Scope.DEFINITIONS_READ,
        extensions=[Paged(definitions.BENEFIT_DEFINITIONS.order)],
    )
    async def benefit_definitions(
        self,
        window: Window,
        search: str | None = None,
        is_published: bool | None = None,
        is_claimable: bool | None = None,
    ) -> Connection[BenefitDefinition]:
        kind = definitions.BENEFIT_DEFINITIONS
        flags = {"is_published": is_published, "is_claimable": is_claimable}
        found = await kind.page(search, flags, window)
        return connection(found, [BenefitDefinition.from_model(d) for d in found.rows])

    @scoped_field(Scope.REWARDS_READ)
    async def benefit(self, id: strawberry.ID) -> Benefit | None:
        found = await service.get_benefit(parse_id(id))
        return Benefit.from_model(found) if found else None


@strawberry.type
class BenefitMutations:
    @payload_mutation(BenefitDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def create_benefit_definition(
        self, input: CreateBenefitDefinitionInput
    ) -> BenefitDefinitionPayload:
        return await answer(
            BenefitDefinitionPayload, definitions.BENEFIT_DEFINITIONS.create(given(input))
        )

    @payload_mutation(BenefitDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def update_benefit_definition(
        self, input: UpdateBenefitDefinitionInput
    ) -> BenefitDefinitionPayload:
        fields = given(input, exclude=("id",))
        return await answer(
            BenefitDefinitionPayload,
            definitions.BENEFIT_DEFINITIONS.update(str(input.id), fields),
        )

    @payload_mutation(BenefitPayload, Scope.BENEFITS_WRITE)
    async def issue_benefit(self, input: IssueBenefitInput) -> BenefitPayload:
        data = to_domain(service.IssueBenefitInput, input)
        return await answer(BenefitPayload, service.issue_benefit(data, input.idempotency_key))

    @payload_mutation(
        BenefitPayload,
        Scope.BENEFITS_WRITE,
        customer_field="profile_id",
        description="A customer token may claim for its own profile.",
    )
    async def claim_benefit(self, input: ClaimBenefitInput) -> BenefitPayload:
        work = service.claim_benefit(str(input.profile_id), input.definition_handle, input.timezone)
        return await answer(BenefitPayload, work)

    @payload_mutation(BenefitPayload, Scope.BENEFITS_WRITE)
    async def redeem_benefit(self, input: RedeemBenefitInput) -> BenefitPayload:
        work = service.redeem_benefit(
            str(input.profile_id), str(input.benefit_id), input.count, input.idempotency_key
        )
        return await answer(BenefitPayload, work)

    @scoped_mutation(Scope.BENEFITS_WRITE)
    async def extend_benefits(self, input: ExtendBenefitsInput) -> ExtendBenefitsPayload:
        found, errors = await attempt(
            service.extend_benefits(
                str(input.profile_id),
                [str(i) for i in input.ids],
                input.extend_days,
                input.extend_date,
            )
        )
        return ExtendBenefitsPayload(
            benefits=[Benefit.from_model(b) for b in found or []], errors=errors
        )

    @payload_mutation(BenefitPayload, Scope.BENEFITS_WRITE)
    async def void_benefit(self, input: VoidBenefitInput) -> BenefitPayload:
        return await answer(
            BenefitPayload, service.void_benefit(str(input.benefit_id), input.reason)
        )
