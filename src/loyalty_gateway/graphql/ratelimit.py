"""RATE_LIMITED before execution when the caller's bucket is empty."""

import math

from graphql import GraphQLError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from loyalty_gateway.auth.ratelimit import Limiter, LocalLimiter, RedisLimiter
from loyalty_gateway.auth.service import Principal
from loyalty_gateway.settings import Settings


def make_limiter(settings: Settings) -> Limiter:
    if settings.redis_url:
        return RedisLimiter(
            settings.redis_url,
            settings.rate_limit_per_second,
            settings.rate_limit_burst,
            settings.rate_limit_prefix,
        )
    return LocalLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)


def caller_key(principal: Principal | None) -> str:
    if principal is None:
        return "anonymous"
    if principal.is_customer:
        return f"customer:{principal.profile_id}"
    return f"token:{principal.token_id or principal.name}"


async def rate_limited(limiter: Limiter, context: ExecutionContext) -> ExecutionResult | None:
    """RATE_LIMITED, in place of a result, when the caller's bucket is empty (subscriptions
    are not counted)."""
    if context.operation_type is OperationType.SUBSCRIPTION:
        return None
    decision = await limiter.take(caller_key(context.context.principal))
    if decision.allowed:
        return None
    retry_after = max(1, math.ceil(decision.retry_after))
    return ExecutionResult(
        data=None,
        errors=[
            GraphQLError(
                f"Rate limit exceeded; retry in {retry_after} s",
                extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
            )
        ],
    )
