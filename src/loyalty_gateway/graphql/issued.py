"""What reward and benefit definitions, and the rewards and benefits issued from them, show
and take alike (the rule they share is `balances/definitions.py`). Each kind's type adds its
own fields after these."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from loyalty_gateway.graphql.described import TIMEZONE_OUT
from loyalty_gateway.graphql.enums import PeriodType

if TYPE_CHECKING:
    from loyalty_gateway.graphql.profiles import Profile

ProfileRef = Annotated["Profile", strawberry.lazy("loyalty_gateway.graphql.profiles")]

# What a customer token may not read of a definition.
STAFF_ONLY = ("is_assignable", "is_reassignable", "is_published", "tags")


@strawberry.type
class IssuedDefinition:
    id: strawberry.ID
    name: str
    handle: str
    type: str
    description: str | None
    short_description: str | None
    long_description: str | None
    terms_conditions: str | None
    earn_instructions: str | None
    redeem_instructions_store: str | None
    redeem_instructions_online: str | None
    icon: str | None
    image_url: str | None
    period: int | None
    period_type: PeriodType
    absolute_expiry: datetime | None
    extend_days: int | None
    is_assignable: bool
    is_extendable: bool
    is_reassignable: bool
    is_published: bool
    tags: list[str]
    created_at: datetime
    updated_at: datetime


@strawberry.input
class IssuedDefinitionInput:
    """The fields a new definition takes besides its kind's: its `type` and whether
    reactions may issue it (`isAssignable`) default by kind."""

    name: str
    handle: str
    description: str | None = None
    short_description: str | None = None
    long_description: str | None = None
    terms_conditions: str | None = None
    earn_instructions: str | None = None
    redeem_instructions_store: str | None = None
    redeem_instructions_online: str | None = None
    icon: str | None = None
    image_url: str | None = None
    period: int | None = None
    period_type: PeriodType = PeriodType.DAYS
    absolute_expiry: datetime | None = None
    extend_days: int | None = None
    is_extendable: bool = False
    is_reassignable: bool = False
    is_published: bool = False
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class IssuedLot:
    id: strawberry.ID
    timezone: str = strawberry.field(description=TIMEZONE_OUT)
    issued_at: datetime
    expires_at: datetime | None
    expires_local_at: datetime | None
    extended_at: datetime | None
    external_id: str | None
    meta: JSON | None
    created_at: datetime
    definition_id: strawberry.Private[str]
    profile_id: strawberry.Private[str]

    @strawberry.field
    async def profile(self, info: Info) -> ProfileRef:
        from loyalty_gateway.graphql.profiles import Profile

        return Profile.from_model(await info.context.loaders.profile.load(self.profile_id))
