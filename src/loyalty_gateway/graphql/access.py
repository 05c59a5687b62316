"""API tokens and customer tokens, `me`, and the `myBalances` subscription."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from loyalty_gateway.auth import service as auth
from loyalty_gateway.auth.models import ApiToken as ApiTokenModel
from loyalty_gateway.balances.service import balances_of
from loyalty_gateway.events.hub import changes
from loyalty_gateway.graphql.balances import BalancesType
from loyalty_gateway.graphql.convert import FromModel
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import Scope
from loyalty_gateway.graphql.errors import UserErrorType, attempt
from loyalty_gateway.graphql.permissions import (
    CustomerOnly,
    guarded_by,
    scoped_field,
    scoped_mutation,
)
from loyalty_gateway.graphql.profiles import Profile
from loyalty_gateway.profiles.service import find_profile, get_profile


@guarded_by(Scope.TOKENS_WRITE)
@strawberry.type
class ApiToken(FromModel[ApiTokenModel]):
    id: strawberry.ID
    name: str
    prefix: str = strawberry.field(description="The first characters, to tell tokens apart.")
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@strawberry.input
class CreateApiTokenInput:
    name: str
    scopes: list[Scope]


@strawberry.type
class CreateApiTokenPayload:
    api_token: ApiToken | None
    token: str | None = strawberry.field(description="The bearer token, shown this once.")
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class RevokeApiTokenInput:
    id: strawberry.ID


@strawberry.type
class RevokeApiTokenPayload:
    api_token: ApiToken | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


@strawberry.input
class CreateCustomerTokenInput:
    profile_id: strawberry.ID
    ttl_seconds: int = 3600


@strawberry.type
class CreateCustomerTokenPayload:
    token: str | None = strawberry.field(
        description="A signed token for this profile's frontend: `me`, `claimBenefit` for "
        "itself and `myBalances`."
    )
    expires_at: datetime | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


async def _customer_token(info: Info, data: CreateCustomerTokenInput) -> tuple[str, datetime]:
    profile = await get_profile(str(data.profile_id))
    settings = info.context.settings
    return auth.create_customer_token(
        str(profile.id),
        data.ttl_seconds,
        settings.loyalty_secret_key,
        settings.customer_token_max_ttl_seconds,
    )


@strawberry.type
class AccessQueries:
    @strawberry.field(
        permission_classes=[CustomerOnly],
        description="The profile of the customer token's holder.",
    )
    async def me(self, info: Info) -> Profile | None:
        found = await find_profile(info.context.principal.profile_id)
        return Profile.from_model(found) if found else None

    @scoped_field(Scope.TOKENS_WRITE)
    async def api_tokens(self) -> list[ApiToken]:
        return [ApiToken.from_model(t) for t in await auth.list_tokens()]


@strawberry.type
class AccessMutations:
    @scoped_mutation(Scope.TOKENS_WRITE)
    async def create_api_token(self, input: CreateApiTokenInput) -> CreateApiTokenPayload:
        created, errors = await attempt(auth.create_token(input.name, input.scopes))
        if created is None:
            return CreateApiTokenPayload(api_token=None, token=None, errors=errors)
        token, plain = created
        return CreateApiTokenPayload(api_token=ApiToken.from_model(token), token=plain, errors=[])

    @scoped_mutation(Scope.TOKENS_WRITE)
    async def revoke_api_token(self, input: RevokeApiTokenInput) -> RevokeApiTokenPayload:
        token, errors = await attempt(auth.revoke_token(str(input.id)))
        return RevokeApiTokenPayload(
            api_token=ApiToken.from_model(token) if token else None, errors=errors
        )

    @scoped_mutation(Scope.TOKENS_WRITE)
    async def create_customer_token(
        self, info: Info, input: CreateCustomerTokenInput
    ) -> CreateCustomerTokenPayload:
        created, errors = await attempt(_customer_token(info, input))
        if created is None:
            return CreateCustomerTokenPayload(token=None, expires_at=None, errors=errors)
        token, expires_at = created
        return CreateCustomerTokenPayload(token=token, expires_at=expires_at, errors=[])


async def ensure_still_valid(principal: auth.Principal) -> None:
    """Stop a subscription whose token has expired or been revoked since it started."""
    if not await auth.still_valid(principal):
        raise GraphQLError(
            "The token has expired or was revoked", extensions={"code": "UNAUTHENTICATED"}
        )


async def _next_change(changed: "asyncio.Queue[str]", profile_id: str, most: float) -> None:
    """Return once an event is written for `profile_id` (its balances may have changed), or
    after `most` seconds (what no event announces: a lot expiring, a revoked token)."""
    deadline = asyncio.get_running_loop().time() + most
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            if await asyncio.wait_for(changed.get(), left) == profile_id:
                return
        except TimeoutError:
            return


@strawberry.type
class AccessSubscriptions:
    @strawberry.subscription(
        permission_classes=[CustomerOnly],
        description="The holder's balances now, then again whenever they change: at once "
        "after a change written through the API, within SUBSCRIPTION_CHECK_SECONDS after a lot "
        "expires.",
    )
    async def my_balances(self, info: Info) -> AsyncGenerator[BalancesType, None]:
        principal = info.context.principal
        interval = info.context.settings.subscription_check_seconds
        previous = None
        async with changes.subscribe() as changed:
            while True:
                await ensure_still_valid(principal)
                current = await balances_of(principal.profile_id)
                if current != previous:
                    previous = current
                    yield BalancesType.from_domain(principal.profile_id, current)
                await _next_change(changed, str(principal.profile_id), interval)
