"""Scope checks on fields: UNAUTHENTICATED without a valid token, FORBIDDEN without the scope.

A customer token carries no scopes: it may read fields of its own profile and of the objects
that belong to it (they expose `profile_id`), and the few operations marked for customers.

Root fields name their scope. Each entity type (a profile, a reward, a redemption...) also
carries the scope that reads it (`guarded_by`), and `guard_types` makes every field that leads
from one entity to another require the scope of the one it leads to: `reward { profile }`
needs `profiles:read` just as `profile(id)` does, however the profile is reached. What a
mutation's payload returns (the objects it wrote) is read with the mutation's own scope.
Fields staff write for colleagues are declared `staff_only` and refuse customer tokens.
"""

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
from strawberry.types.lazy_type import LazyType
from strawberry.utils.str_converters import to_camel_case

from loyalty_gateway.auth.service import Principal


def _principal(info: Info) -> Principal:
    principal: Principal | None = info.context.principal
    if principal is None:
        message = (
            "The bearer token is not valid: unknown, revoked or expired"
            if getattr(info.context, "token_refused", False)
            else "Authentication required: send 'Authorization: Bearer <token>'"
        )
        raise GraphQLError(message, extensions={"code": "UNAUTHENTICATED"})
    return principal


def forbidden(message: str, scope: str | None = None) -> GraphQLError:
    extensions: dict[str, Any] = {"code": "FORBIDDEN"}
    if scope:
        extensions["requiredScope"] = scope
    return GraphQLError(message, extensions=extensions)


def owns(principal: Principal, source: Any) -> bool:
    owner = getattr(source, "profile_id", None)
    return owner is not None and str(owner) == principal.profile_id


class ScopedPermission(BasePermission):
    """Admits a principal holding `required_scope` (or `admin`), and a customer token where
    `customer_may` says (or raises why not); refuses anyone else, naming the scope."""

    required_scope: str

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = _principal(info)
        if principal.allows(self.required_scope):
            return True
        if principal.is_customer:
            return self.customer_may(principal, source, info, kwargs)
        raise forbidden(f"This token lacks the scope '{self.required_scope}'", self.required_scope)

    def customer_may(
        self, principal: Principal, source: Any, info: Info, kwargs: dict[str, Any]
    ) -> bool:
        raise NotImplementedError


@cache
def requires(scope: str, customer_field: str | None = None) -> type[BasePermission]:
    """Admit a principal holding `scope` (or `admin`), or a customer on their own data.

    With `customer_field`, a customer may also call the operation when that field of its
    `input` is their own profile id.
    """

    class ScopePermission(ScopedPermission):
        required_scope = scope

        def customer_may(
            self, principal: Principal, source: Any, info: Info, kwargs: dict[str, Any]
        ) -> bool:
            if owns(principal, source):
                return True
            given = getattr(kwargs.get("input"), customer_field or "", None)
            if customer_field and given is not None and str(given) == principal.profile_id:
                return True
            if source is None and not customer_field:
                raise forbidden(f"Customer tokens cannot use {info.field_name}")
            raise forbidden("A customer token may only use its own profile")

    ScopePermission.__name__ = f"Requires[{scope}]"
    return ScopePermission


def scoped_field(scope: str, *, customer_field: str | None = None, **options: Any) -> Any:
    """A field the principals `requires(scope, customer_field)` admits may resolve, with
    `strawberry.field`'s other options."""
    return strawberry.field(permission_classes=[requires(scope, customer_field)], **options)


def scoped_mutation(scope: str, *, customer_field: str | None = None, **options: Any) -> Any:
    """`scoped_field` for a mutation."""
    return strawberry.mutation(permission_classes=[requires(scope, customer_field)], **options)


class CustomerOnly(BasePermission):
    """Operations for the holder of a customer token (`me`, `myBalances`)."""

    required_scope = "customer"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not _principal(info).is_customer:
            raise forbidden("Only a customer token can use this")
        return True


T = TypeVar("T")
_GUARDED: dict[type, str] = {}
_STAFF_ONLY: dict[type, frozenset[str]] = {}


def guarded_by(scope: str) -> Callable[[T], T]:
    """Declare the scope that reads an entity type."""

    def declare(cls: T) -> T:
        _GUARDED[cls] = scope  # type: ignore[index]  # `cls` is a class
        return cls

    return declare


def staff_only(*fields: str) -> Callable[[T], T]:
    """Declare the fields of a type that a customer token may not read: what staff write for
    colleagues (internal notes, `meta`, publishing flags, margins, tags)."""

    def declare(cls: T) -> T:
        _STAFF_ONLY[cls] = frozenset(fields)  # type: ignore[index]  # `cls` is a class
        return cls

    return declare


class NotForCustomers(BasePermission):
    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if _principal(info).is_customer:
            raise forbidden(f"Customer tokens cannot read {info.field_name}")
        return True


@cache
def reaches(scope: str) -> type[BasePermission]:
    """On a field from an entity to another: the scope of the one it leads to. A customer
    passes unless the entity the field is on belongs to another profile: it reached the entity
    from a root that admitted only its own data (parts such as redemption items name no
    profile of their own)."""

    class LinkPermission(ScopedPermission):
        required_scope = scope

        def customer_may(
            self, principal: Principal, source: Any, info: Info, kwargs: dict[str, Any]
        ) -> bool:
            owner = getattr(source, "profile_id", None)
            if owner is None or str(owner) == principal.profile_id:
                return True
            raise forbidden("A customer token may only use its own profile")

    LinkPermission.__name__ = f"Reaches[{scope}]"
    return LinkPermission


def node_type(annotation: Any) -> Any:
    """What a field's type holds once lists, optionals, lazy references and connections are
    unwrapped: `RewardConnection!` holds a Reward."""
    while True:
        if isinstance(annotation, StrawberryOptional | StrawberryList):
            annotation = annotation.of_type
        elif isinstance(annotation, LazyType):
            annotation = annotation.resolve_type()
        elif has_object_definition(annotation) and "Node" in (
            annotation.__strawberry_definition__.type_var_map or {}
        ):
            annotation = annotation.__strawberry_definition__.type_var_map["Node"]
        else:
            return annotation


def guarded_scope(annotation: Any) -> str | None:
    """The scope that reads what a field of this type returns, if it returns an entity."""
    return _GUARDED.get(node_type(annotation))


def guard_types() -> None:
    """Make every field from an entity to an entity require the scope of the entity it leads
    to, besides any scope the field names itself, and staff-only fields refuse customer
    tokens. Called once, before the schema is built. A resolver a base class gives two
    types is one field object: it is guarded once."""
    guarded: set[int] = set()
    for cls in _GUARDED:
        for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]  # set by @strawberry.type
            if id(field) in guarded:
                continue
            guarded.add(id(field))
            scope = guarded_scope(field.type)
            named = {getattr(p, "required_scope", None) for p in field.permission_classes}
            if scope and scope not in named:
                permission = reaches(scope)()
                field.extensions.append(PermissionExtension([permission], use_directives=False))
    for cls, names in _STAFF_ONLY.items():
        for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]  # set by @strawberry.type
            if field.python_name in names:
                permission = NotForCustomers()
                field.extensions.append(PermissionExtension([permission], use_directives=False))


def guarded_scopes() -> dict[str, str]:
    """GraphQL type name → the scope that reads it (`guarded_by`)."""
    return {
        cls.__strawberry_definition__.name: scope  # type: ignore[attr-defined]  # set by @strawberry.type
        for cls, scope in _GUARDED.items()
    }


def staff_only_fields() -> dict[str, frozenset[str]]:
    """GraphQL type name → the GraphQL names of its staff-only fields (for the tests)."""
    return {
        cls.__strawberry_definition__.name: frozenset(  # type: ignore[attr-defined]  # set by @strawberry.type
            f.graphql_name or to_camel_case(f.python_name)
            for f in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]  # set by @strawberry.type
            if f.python_name in names
        )
        for cls, names in _STAFF_ONLY.items()
    }
