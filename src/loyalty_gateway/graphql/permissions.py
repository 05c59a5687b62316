"""Scope checks on fields: UNAUTHENTICATED without a valid token, FORBIDDEN without the scope."""

from functools import cache
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info


@cache
def requires(scope: str) -> type[BasePermission]:
    """A permission class that admits a principal holding `scope` (or `admin`)."""

    class ScopePermission(BasePermission):
        required_scope = scope

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            if principal is None:
                raise GraphQLError(
                    "Authentication required: send 'Authorization: Bearer <token>'",
                    extensions={"code": "UNAUTHENTICATED"},
                )
            if not principal.allows(scope):
                raise GraphQLError(
                    f"This token lacks the scope '{scope}'",
                    extensions={"code": "FORBIDDEN", "requiredScope": scope},
                )
            return True

    ScopePermission.__name__ = f"Requires[{scope}]"
    return ScopePermission
