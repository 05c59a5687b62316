"""Scope checks on fields: UNAUTHENTICATED without a valid token, FORBIDDEN without the scope.

A customer token carries no scopes: it may read fields of its own profile and of the objects
that belong to it (they expose `profile_id`), and the few operations marked for customers.
"""

from functools import cache
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission
from strawberry.types import Info

from loyalty_gateway.auth.service import Principal


def _principal(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:
        raise GraphQLError(
            "Authentication required: send 'Authorization: Bearer <token>'",
            extensions={"code": "UNAUTHENTICATED"},
        )
    return principal


def forbidden(message: str, scope: str | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": "FORBIDDEN"}
    if scope:
        extensions["requiredScope"] = scope
    return GraphQLError(message, extensions=extensions)


def owns(principal: Principal, source: Any) -> bool:
    owner = getattr(source, "profile_id", None)
    return owner is not None and str(owner) == principal.profile_id


@cache
def requires(scope: str, customer_field: str | None = None) -> type[BasePermission]:
    """Admit a principal holding `scope` (or `admin`), or a customer on their own data.

    With `customer_field`, a customer may also call the operation when that field of its
    `input` is their own profile id.
    """

    class ScopePermission(BasePermission):
        required_scope = scope

        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = _principal(info)
            if principal.allows(scope):
                return True
            if principal.is_customer:
                if owns(principal, source):
                    return True
                given = getattr(kwargs.get("input"), customer_field or "", None)
                if customer_field and given is not None and str(given) == principal.profile_id:
                    return True
                raise forbidden("A customer token may only use its own profile")
            raise forbidden(f"This token lacks the scope '{scope}'", scope)

    ScopePermission.__name__ = f"Requires[{scope}]"
    return ScopePermission


class CustomerOnly(BasePermission):
    """Operations for the holder of a customer token (`me`, `myBalances`)."""

    required_scope = "customer"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not _principal(info).is_customer:
            raise forbidden("Only a customer token can use this")
        return True
