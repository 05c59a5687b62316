"""Tier definitions, tier points, and a profile's tier."""

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from loyalty_gateway.balances.held_tier import Progress
from loyalty_gateway.graphql.convert import FromModel, from_model, given, patch_of, to_domain
from loyalty_gateway.graphql.described import ERRORS, IDEMPOTENCY_KEY, TIMEZONE_IN, TIMEZONE_OUT
from loyalty_gateway.graphql.earning import PointDefinition, definition_of, multiplier
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, answer, attempt, payload_mutation
from loyalty_gateway.graphql.permissions import (
    guarded_by,
    scoped_field,
    scoped_mutation,
    staff_only,
)
from loyalty_gateway.graphql.scalars import Points
from loyalty_gateway.tiers import service
from loyalty_gateway.tiers.models import TierDefinition as TierDefinitionModel
from loyalty_gateway.tiers.models import TierPoint as TierPointModel


@guarded_by(Scope.DEFINITIONS_READ)
@staff_only("tags")
@strawberry.type
class TierDefinition(FromModel[TierDefinitionModel]):
    id: strawberry.ID
    name: str
    handle: str
    value_min: Points = strawberry.field(description="Tier points in 12 months to reach it.")
    value_maintain: Points | None = strawberry.field(
        description="Tier points in the 12 months before the anniversary to keep it "
        "(valueMin when null)."
    )
    is_floor: bool = strawberry.field(description="A profile that reached it never drops below.")
    description: str | None
    short_description: str | None
    long_description: str | None
    terms_conditions: str | None
    icon: str | None
    image_url: str | None
    tags: list[str]


@guarded_by(Scope.PROFILES_READ)
@strawberry.type
class TierProgress:
    current: TierDefinition | None
    next: TierDefinition | None
    points_to_next: Points | None = strawberry.field(
        description="Tier points still needed for `next`; null at the top tier."
    )
    achieved_at: datetime | None
    anniversary_at: datetime | None

    @classmethod
    def from_domain(cls, standing: Progress) -> "TierProgress":
        return cls(
            current=TierDefinition.from_model(standing.current) if standing.current else None,
            next=TierDefinition.from_model(standing.next) if standing.next else None,
            points_to_next=standing.points_to_next,
            achieved_at=standing.achieved_at,
            anniversary_at=standing.anniversary_at,
        )


@guarded_by(Scope.PROFILES_READ)
@strawberry.type
class TierPoint:
    id: strawberry.ID
    points: Points
    reason: str | None
    timezone: str = strawberry.field(description=TIMEZONE_OUT)
    issued_at: datetime
    rate: Decimal | None = strawberry.field(
        description="The rate it was earned at (a multiplier); null when no rate applied."
    )
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The sale it was earned on (or, negative, taken back from), if any."
    )
    definition_id: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, model: TierPointModel) -> "TierPoint":
        rate = multiplier(model.rate) if model.rate is not None else None
        return from_model(cls, model, rate=rate)

    @strawberry.field(description="The point definition it was earned by, if any.")
    async def definition(self, info: Info) -> PointDefinition | None:
        return await definition_of(info, self.definition_id)


@strawberry.input
class CreateTierDefinitionInput:
    name: str
    handle: str
    value_min: Points
    value_maintain: Points | None = None
    is_floor: bool = False
    description: str | None = None
    short_description: str | None = None
    long_description: str | None = None
    terms_conditions: str | None = None
    icon: str | None = None
    image_url: str | None = None
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
@patch_of(CreateTierDefinitionInput)
class UpdateTierDefinitionInput:
    id: strawberry.ID


@strawberry.type
class TierDefinitionPayload:
    tier_definition: TierDefinition | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class AwardTierPointsInput:
    profile_id: strawberry.ID
    points: Points
    timezone: str = strawberry.field(description=TIMEZONE_IN)
    reason: str | None = None
    issued_at: datetime | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type
class AwardTierPointsPayload:
    tier_point: TierPoint | None
    tier_progress: TierProgress | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class AssignTierInput:
    profile_id: strawberry.ID
    tier_handle: str


@strawberry.type
class AssignTierPayload:
    tier_progress: TierProgress | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class TierQueries:
    @scoped_field(
        Scope.DEFINITIONS_READ,
        description="Every tier, lowest valueMin first.",
    )
    async def tier_definitions(self) -> list[TierDefinition]:
        return [TierDefinition.from_model(t) for t in await service.list_tiers()]


@strawberry.type
class TierMutations:
    @payload_mutation(TierDefinitionPayload, Scope.TIERS_WRITE)
    async def create_tier_definition(
        self, input: CreateTierDefinitionInput
    ) -> TierDefinitionPayload:
        return await answer(TierDefinitionPayload, service.create_tier(given(input)))

    @payload_mutation(TierDefinitionPayload, Scope.TIERS_WRITE)
    async def update_tier_definition(
        self, input: UpdateTierDefinitionInput
    ) -> TierDefinitionPayload:
        fields = given(input, exclude=("id",))
        return await answer(TierDefinitionPayload, service.update_tier(str(input.id), fields))

    @scoped_mutation(Scope.TIERS_WRITE)
    async def award_tier_points(self, input: AwardTierPointsInput) -> AwardTierPointsPayload:
        data = to_domain(service.AwardTierPointsInput, input)
        entry, errors = await attempt(service.award_tier_points(data, input.idempotency_key))
        if entry is None:
            return AwardTierPointsPayload(tier_point=None, tier_progress=None, errors=errors)
        return AwardTierPointsPayload(
            tier_point=TierPoint.from_model(entry),
            tier_progress=TierProgress.from_domain(
                await service.progress_of(str(entry.profile_id))
            ),
            errors=[],
        )

    @scoped_mutation(Scope.TIERS_WRITE)
    async def assign_tier(self, input: AssignTierInput) -> AssignTierPayload:
        held, errors = await attempt(service.assign_tier(str(input.profile_id), input.tier_handle))
        if held is None:
            return AssignTierPayload(tier_progress=None, errors=errors)
        standing = await service.progress_of(str(held.profile_id))
        return AssignTierPayload(tier_progress=TierProgress.from_domain(standing), errors=[])
