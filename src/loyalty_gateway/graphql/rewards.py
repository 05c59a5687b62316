"""Reward definition and reward types, queries and mutations."""

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.balances.lots import REWARD_LOTS
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
from loyalty_gateway.graphql.lot_status import RewardStatusEnum, status_as
from loyalty_gateway.graphql.pagination import Connection, Paged, connection
from loyalty_gateway.graphql.permissions import (
    guarded_by,
    scoped_field,
    scoped_mutation,
    staff_only,
)
from loyalty_gateway.rewards import definitions, service
from loyalty_gateway.rewards.models import Reward as RewardModel
from loyalty_gateway.rewards.models import RewardDefinition as RewardDefinitionModel


@guarded_by(Scope.DEFINITIONS_READ)
@staff_only("internal_notes", *STAFF_ONLY)
@strawberry.type
class RewardDefinition(IssuedDefinition, FromModel[RewardDefinitionModel]):
    value: Decimal = strawberry.field(
        description="Dollars for a monetary reward; a percent for a `percentage` one."
    )
    internal_notes: str | None


@guarded_by(Scope.REWARDS_READ)
@staff_only("meta")
@strawberry.type
class Reward(IssuedLot):
    value_initial: Decimal
    value_remaining: Decimal
    type: str = strawberry.field(
        description="The definition's type when this reward was issued: it keeps those terms "
        "whatever later happens to the definition (a percentage reward is not money)."
    )
    applied_transaction_id: strawberry.ID | None = strawberry.field(
        description="For a percentage reward used with `redeemReward`: the transaction."
    )
    issued_local_at: datetime
    status: RewardStatusEnum
    known_definition: strawberry.Private["RewardDefinition | None"] = None

    @classmethod
    def from_model(
        cls, model: RewardModel, definition: "RewardDefinition | None" = None
    ) -> "Reward":
        return from_model(
            cls,
            model,
            status=status_as(RewardStatusEnum, REWARD_LOTS, model, utcnow()),
            known_definition=definition,
        )

    @strawberry.field
    def definition(self, info: Info) -> RewardDefinition:
        """Plain when the list that built this reward loaded its definition already, so a
        page of rewards does not await once per reward; otherwise through the loader."""
        if self.known_definition is not None:
            return self.known_definition
        return self._load_definition(info)  # type: ignore[return-value]  # strawberry awaits it

    async def _load_definition(self, info: Info) -> RewardDefinition:
        found = await info.context.loaders.reward_definition.load(self.definition_id)
        return RewardDefinition.from_model(found)


async def with_definitions(info: Info, models: list[RewardModel]) -> list[Reward]:
    """Rewards with their definitions resolved in one batch, one object per definition."""
    ids = list({str(model.definition_id) for model in models})
    found = await info.context.loaders.reward_definition.load_many(ids)
    types = {key: RewardDefinition.from_model(model) for key, model in zip(ids, found, strict=True)}
    return [Reward.from_model(model, types[str(model.definition_id)]) for model in models]


@strawberry.input
class CreateRewardDefinitionInput(IssuedDefinitionInput):
    value: Decimal
    type: str
    internal_notes: str | None = None
    is_assignable: bool = False


@strawberry.input
@patch_of(CreateRewardDefinitionInput)
class UpdateRewardDefinitionInput:
    id: strawberry.ID


@strawberry.type
class RewardDefinitionPayload:
    reward_definition: RewardDefinition | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class IssueRewardInput:
    profile_id: strawberry.ID
    timezone: str = strawberry.field(description=TIMEZONE_IN)
    reward_definition_id: strawberry.ID | None = None
    reward_definition_handle: str | None = None
    value_initial: Decimal | None = None
    value_remaining: Decimal | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None
    external_id: str | None = None
    meta: JSON | None = None
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY)


@strawberry.type
class RewardPayload:
    reward: Reward | None

    @strawberry.field
    async def balances(self) -> BalancesType | None:
        return await BalancesType.of_profile(self.reward.profile_id if self.reward else None)

    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class ExtendRewardsInput:
    profile_id: strawberry.ID
    ids: list[strawberry.ID]
    extend_days: int | None = None
    extend_date: datetime | None = None


@strawberry.type
class ExtendRewardsPayload:
    rewards: list[Reward]
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class ReassignRewardInput:
    reward_id: strawberry.ID
    profile_id: strawberry.ID


@strawberry.input
class VoidRewardInput:
    reward_id: strawberry.ID
    reason: str


@strawberry.input
class RedeemRewardInput:
    reward_id: strawberry.ID
    transaction_id: strawberry.ID | None = None


@strawberry.type
class RewardQueries:
    @scoped_field(
        Scope.DEFINITIONS_READ,
        description="A reward definition by `id` or by `handle` (give one).",
    )
    async def reward_definition(
        self, id: strawberry.ID | None = None, handle: str | None = None
    ) -> RewardDefinition | None:
        found = await by_id_or_handle(RewardDefinitionModel, id, handle)
        return RewardDefinition.from_model(found) if found else None

    @scoped_field(
        Scope.DEFINITIONS_READ,
        extensions=[Paged(definitions.REWARD_DEFINITIONS.order)],
    )
    async def reward_definitions(
        self,
        window: Window,
        search: str | None = None,
        is_published: bool | None = None,
    ) -> Connection[RewardDefinition]:
        kind = definitions.REWARD_DEFINITIONS
        found = await kind.page(search, {"is_published": is_published}, window)
        return connection(found, [RewardDefinition.from_model(d) for d in found.rows])

    @scoped_field(Scope.REWARDS_READ)
    async def reward(self, id: strawberry.ID) -> Reward | None:
        found = await service.get_reward(parse_id(id))
        return Reward.from_model(found) if found else None


@strawberry.type
class RewardMutations:
    @payload_mutation(RewardDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def create_reward_definition(
        self, input: CreateRewardDefinitionInput
    ) -> RewardDefinitionPayload:
        return await answer(
            RewardDefinitionPayload, definitions.REWARD_DEFINITIONS.create(given(input))
        )

    @payload_mutation(RewardDefinitionPayload, Scope.DEFINITIONS_WRITE)
    async def update_reward_definition(
        self, input: UpdateRewardDefinitionInput
    ) -> RewardDefinitionPayload:
        fields = given(input, exclude=("id",))
        return await answer(
            RewardDefinitionPayload,
            definitions.REWARD_DEFINITIONS.update(str(input.id), fields),
        )

    @payload_mutation(RewardPayload, Scope.REWARDS_WRITE)
    async def issue_reward(self, info: Info, input: IssueRewardInput) -> RewardPayload:
        data = to_domain(service.IssueRewardInput, input)
        return await answer(RewardPayload, service.issue_reward(data, input.idempotency_key))

    @scoped_mutation(Scope.REWARDS_WRITE)
    async def extend_rewards(self, input: ExtendRewardsInput) -> ExtendRewardsPayload:
        rewards, errors = await attempt(
            service.extend_rewards(
                str(input.profile_id),
                [str(i) for i in input.ids],
                input.extend_days,
                input.extend_date,
            )
        )
        return ExtendRewardsPayload(
            rewards=[Reward.from_model(r) for r in rewards or []], errors=errors
        )

    @payload_mutation(RewardPayload, Scope.REWARDS_WRITE)
    async def reassign_reward(self, input: ReassignRewardInput) -> RewardPayload:
        return await answer(
            RewardPayload,
            service.reassign_reward(str(input.reward_id), str(input.profile_id)),
        )

    @payload_mutation(
        RewardPayload,
        Scope.REWARDS_WRITE,
        description="Use a percentage reward, whole, on a transaction of its profile (dollar "
        "rewards are spent by amount with `redeem`).",
    )
    async def redeem_reward(self, input: RedeemRewardInput) -> RewardPayload:
        transaction_id = str(input.transaction_id) if input.transaction_id else None
        return await answer(
            RewardPayload, service.redeem_reward(str(input.reward_id), transaction_id)
        )

    @payload_mutation(RewardPayload, Scope.REWARDS_WRITE)
    async def void_reward(self, input: VoidRewardInput) -> RewardPayload:
        return await answer(RewardPayload, service.void_reward(str(input.reward_id), input.reason))
