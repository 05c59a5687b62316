"""RATE_LIMITED before execution when the caller's bucket is empty."""

import math
from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from loyalty_gateway.auth.ratelimit import LocalLimiter, RedisLimiter
from loyalty_gateway.auth.service import Principal
from loyalty_gateway.settings import Settings


def make_limiter(settings: Settings) -> LocalLimiter | RedisLimiter:
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


class RateLimit(SchemaExtension):
    def __init__(self, limiter: LocalLimiter | RedisLimiter) -> None:
        self.limiter = limiter

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.operation_type is not OperationType.SUBSCRIPTION:
            decision = await self.limiter.take(caller_key(context.context.principal))
            if not decision.allowed:
                retry_after = max(1, math.ceil(decision.retry_after))
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"Rate limit exceeded; retry in {retry_after} s",
                            extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
                        )
                    ],
                )
        yield
