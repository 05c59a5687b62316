"""Profile and balance types, queries and mutations."""

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from loyalty_gateway.balances.held_tier import progress, tier_of
from loyalty_gateway.balances.lots import BENEFIT_ORDER, POINT_ORDER, REWARD_ORDER
from loyalty_gateway.benefits.service import claimable_for
from loyalty_gateway.db.keyset import Window, window_of
from loyalty_gateway.graphql.balances import BalancesType
from loyalty_gateway.graphql.convert import from_model, given, patch_of
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, answer, payload_mutation
from loyalty_gateway.graphql.ids import parse_id
from loyalty_gateway.graphql.lot_status import BenefitStatusEnum, PointStatusEnum, RewardStatusEnum
from loyalty_gateway.graphql.pagination import Connection, Paged, connection
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field, staff_only
from loyalty_gateway.graphql.scalars import Points
from loyalty_gateway.profiles import service
from loyalty_gateway.profiles.models import Profile as ProfileModel
from loyalty_gateway.redemptions.service import REDEMPTION_ORDER
from loyalty_gateway.transactions.service import TRANSACTION_ORDER

if TYPE_CHECKING:
    from loyalty_gateway.graphql.benefits import Benefit, BenefitDefinition
    from loyalty_gateway.graphql.points import PointLot
    from loyalty_gateway.graphql.redemptions import Redemption
    from loyalty_gateway.graphql.rewards import Reward
    from loyalty_gateway.graphql.tiers import TierDefinition, TierProgress
    from loyalty_gateway.graphql.transactions import Transaction

RewardRef = Annotated["Reward", strawberry.lazy("loyalty_gateway.graphql.rewards")]
PointLotRef = Annotated["PointLot", strawberry.lazy("loyalty_gateway.graphql.points")]
RedemptionRef = Annotated["Redemption", strawberry.lazy("loyalty_gateway.graphql.redemptions")]
TransactionRef = Annotated["Transaction", strawberry.lazy("loyalty_gateway.graphql.transactions")]
BenefitRef = Annotated["Benefit", strawberry.lazy("loyalty_gateway.graphql.benefits")]
BenefitDefinitionRef = Annotated[
    "BenefitDefinition", strawberry.lazy("loyalty_gateway.graphql.benefits")
]
TierDefinitionRef = Annotated["TierDefinition", strawberry.lazy("loyalty_gateway.graphql.tiers")]
TierProgressRef = Annotated["TierProgress", strawberry.lazy("loyalty_gateway.graphql.tiers")]


def _statuses(status: Sequence[Enum] | None) -> tuple[Enum, ...]:
    return tuple(sorted(set(status or []), key=lambda s: s.value))


@guarded_by(Scope.PROFILES_READ)
@staff_only("tags")
@strawberry.type
class Profile:
    id: strawberry.ID
    first_name: str | None
    last_name: str | None
    email: str
    mobile_phone: str | None
    birth_date: date | None
    gender: str | None
    tags: list[str]
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    profile_id: strawberry.Private[str]

    @classmethod
    def from_model(cls, model: ProfileModel) -> "Profile":
        return from_model(cls, model, profile_id=str(model.id))

    @strawberry.field
    async def balances(self, info: Info) -> BalancesType:
        balances = await info.context.loaders.balances.load(str(self.id))
        return BalancesType.from_domain(str(self.id), balances)

    @scoped_field(
        Scope.REWARDS_READ,
        extensions=[Paged(REWARD_ORDER)],
        description="The profile's rewards by expiry, soonest first (no expiry last); "
        "all statuses when `status` is omitted.",
    )
    async def rewards(
        self,
        info: Info,
        status: list[RewardStatusEnum] | None = None,
        *,
        window: Window,
    ) -> Connection[RewardRef]:
        from loyalty_gateway.graphql.rewards import with_definitions

        rewards = await info.context.loaders.rewards.load((str(self.id), _statuses(status)))
        found = window_of(rewards, REWARD_ORDER, window)
        return connection(found, await with_definitions(info, found.rows))

    @scoped_field(
        Scope.REWARDS_READ,
        extensions=[Paged(POINT_ORDER)],
        description="The profile's point lots by expiry, soonest first (no expiry last); "
        "all statuses when `status` is omitted.",
    )
    async def points(
        self,
        info: Info,
        status: list[PointStatusEnum] | None = None,
        *,
        window: Window,
    ) -> Connection[PointLotRef]:
        from loyalty_gateway.graphql.points import PointLot

        lots = await info.context.loaders.points.load((str(self.id), _statuses(status)))
        found = window_of(lots, POINT_ORDER, window)
        return connection(found, [PointLot.from_model(lot) for lot in found.rows])

    @scoped_field(
        Scope.REWARDS_READ,
        extensions=[Paged(BENEFIT_ORDER)],
        description="The profile's benefits by expiry, soonest first (no expiry last); "
        "all statuses when `status` is omitted.",
    )
    async def benefits(
        self,
        info: Info,
        status: list[BenefitStatusEnum] | None = None,
        *,
        window: Window,
    ) -> Connection[BenefitRef]:
        from loyalty_gateway.graphql.benefits import Benefit

        benefits = await info.context.loaders.benefits.load((str(self.id), _statuses(status)))
        found = window_of(benefits, BENEFIT_ORDER, window)
        return connection(found, [Benefit.from_model(b) for b in found.rows])

    @scoped_field(
        Scope.REWARDS_READ,
        description="Published, claimable benefit definitions this profile may claim now.",
    )
    async def claimable_benefits(self, info: Info) -> list[BenefitDefinitionRef]:
        from loyalty_gateway.graphql.benefits import BenefitDefinition

        profile = await info.context.loaders.profile.load(str(self.id))
        return [BenefitDefinition.from_model(d) for d in await claimable_for(profile)]

    @strawberry.field(description="The tier the profile holds, if any.")
    async def tier(self, info: Info) -> TierDefinitionRef | None:
        from loyalty_gateway.graphql.tiers import TierDefinition

        loaders = info.context.loaders
        held = await loaders.tier.load(str(self.id))
        current = tier_of(held, [] if held else await loaders.tiers.load("all"))
        return TierDefinition.from_model(current) if current else None

    @strawberry.field(description="Tier points earned in the last 12 months.")
    async def tier_points(self, info: Info) -> Points:
        points: int = await info.context.loaders.tier_points.load(str(self.id))
        return points

    @strawberry.field
    async def tier_progress(self, info: Info) -> TierProgressRef:
        from loyalty_gateway.graphql.tiers import TierProgress

        loaders = info.context.loaders
        standing = progress(
            await loaders.tier.load(str(self.id)),
            await loaders.tier_points.load(str(self.id)),
            await loaders.tiers.load("all"),
        )
        return TierProgress.from_domain(standing)

    @scoped_field(
        Scope.REDEMPTIONS_READ,
        extensions=[Paged(REDEMPTION_ORDER)],
        description="The profile's redemptions, reversals and returns, newest first.",
    )
    async def redemptions(
        self,
        info: Info,
        window: Window,
    ) -> Connection[RedemptionRef]:
        from loyalty_gateway.graphql.redemptions import Redemption

        redemptions = await info.context.loaders.redemptions.load(str(self.id))
        found = window_of(redemptions, REDEMPTION_ORDER, window)
        return connection(found, [Redemption.from_model(r) for r in found.rows])

    @scoped_field(
        Scope.TRANSACTIONS_READ,
        extensions=[Paged(TRANSACTION_ORDER)],
        description="The profile's transactions, latest transactedAt first.",
    )
    async def transactions(
        self,
        info: Info,
        window: Window,
    ) -> Connection[TransactionRef]:
        from loyalty_gateway.graphql.transactions import Transaction

        transactions = await info.context.loaders.transactions.load(str(self.id))
        found = window_of(transactions, TRANSACTION_ORDER, window)
        return connection(found, [Transaction.from_model(t) for t in found.rows])


@strawberry.input
class CreateProfileInput:
    email: str
    first_name: str | None = None
    last_name: str | None = None
    mobile_phone: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    tags: list[str] | None = None
    external_id: str | None = None


@strawberry.input
@patch_of(CreateProfileInput)
class UpdateProfileInput:
    id: strawberry.ID


@strawberry.type
class ProfilePayload:
    profile: Profile | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.type
class ProfileQueries:
    @scoped_field(Scope.PROFILES_READ)
    async def profile(self, id: strawberry.ID) -> Profile | None:
        found = await service.find_profile(parse_id(id))
        return Profile.from_model(found) if found else None

    @scoped_field(
        Scope.PROFILES_READ,
        extensions=[Paged(service.PROFILE_ORDER)],
        description="Profiles, oldest first; `search` matches first name, last name or email.",
    )
    async def profiles(
        self,
        window: Window,
        search: str | None = None,
    ) -> Connection[Profile]:
        found = await service.list_profiles(search, window)
        return connection(found, [Profile.from_model(p) for p in found.rows])

    @scoped_field(Scope.PROFILES_READ)
    async def balances(self, info: Info, profile_id: strawberry.ID) -> BalancesType | None:
        found = await service.find_profile(parse_id(profile_id, "profileId"))
        if found is None:
            return None
        balances = await info.context.loaders.balances.load(str(found.id))
        return BalancesType.from_domain(str(found.id), balances)


@strawberry.type
class ProfileMutations:
    @payload_mutation(ProfilePayload, Scope.PROFILES_WRITE)
    async def create_profile(self, info: Info, input: CreateProfileInput) -> ProfilePayload:
        fields = {key: value for key, value in given(input).items() if value is not None}
        return await answer(ProfilePayload, service.create_profile(fields))

    @payload_mutation(ProfilePayload, Scope.PROFILES_WRITE)
    async def update_profile(self, info: Info, input: UpdateProfileInput) -> ProfilePayload:
        fields = given(input, exclude=("id",))
        return await answer(ProfilePayload, service.update_profile(str(input.id), fields))
