"""User errors in payloads, GraphQL errors with codes, and masking of unexpected errors."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    GraphQLError,
    InitialIncrementalExecutionResult,
    SubsequentIncrementalExecutionResult,
)
from strawberry.types import ExecutionResult
from strawberry.types.base import StrawberryOptional
from strawberry.types.lazy_type import LazyType
from strawberry.utils.str_converters import capitalize_first, to_camel_case

from loyalty_gateway.core.errors import UserError
from loyalty_gateway.db import database_unavailable, lock_timed_out
from loyalty_gateway.graphql.described import ERRORS
from loyalty_gateway.graphql.enums import ErrorCode
from loyalty_gateway.graphql.permissions import scoped_mutation
from loyalty_gateway.observability.request_id import current_request_id

log = logging.getLogger("loyalty_gateway.graphql")
T = TypeVar("T")
P = TypeVar("P")


@strawberry.type(name="UserError", description="An expected failure caused by the input.")
class UserErrorType:
    code: ErrorCode
    message: str
    field: str | None = None

    @classmethod
    def from_error(cls, error: UserError) -> "UserErrorType":
        return cls(code=error.code, message=error.message, field=error.field)


async def attempt(work: Awaitable[T]) -> tuple[T | None, list[UserErrorType]]:
    """Await a service call; a UserError becomes the payload's error list."""
    try:
        return await work, []
    except UserError as error:
        log.info("User error %s (%s): %s", error.code.value, error.field, error.message)
        return None, [UserErrorType.from_error(error)]


async def answer(kind: type[P], work: Awaitable[Any]) -> P:
    """A mutation's payload from its service call: the row the call returns as the
    payload's one result field (its GraphQL type's `from_model`), or null and the user
    error it raised."""
    model, errors = await attempt(work)
    name, result = _result_field(kind)
    return kind(**{name: None if model is None else result.from_model(model), "errors": errors})


@strawberry.type
class DeletedPayload:
    """What a delete mutation returns (under its own name, through `payload_mutation`)."""

    deleted_id: strawberry.ID | None
    errors: list[UserErrorType] = strawberry.field(description=ERRORS)


def payload_mutation(
    shared: type[Any], scope: str, *, customer_field: str | None = None, **options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """A mutation `requires(scope, customer_field)` admits (`scoped_mutation`), answering
    with a payload type of its own, named after it (`createReaction` →
    `CreateReactionPayload`) and holding `shared`'s fields: the resolver returns a `shared`,
    and a field later added for one mutation never shows on another's."""

    def wrap(resolver: Callable[..., Any]) -> Any:
        name = to_camel_case(resolver.__name__)
        own = type(f"{capitalize_first(name)}Payload", (shared,), {"__module__": shared.__module__})
        typed = strawberry.type(own, description=f"What `{name}` returns.")
        mutation = scoped_mutation(
            scope, customer_field=customer_field, graphql_type=typed, **options
        )
        return mutation(resolver)

    return wrap


_RESULTS: dict[Any, tuple[str, Any]] = {}


def _result_field(kind: Any) -> tuple[str, Any]:
    """The payload's field besides `errors` and the GraphQL type it holds (worked out once
    per payload type)."""
    if kind not in _RESULTS:
        definition = kind.__strawberry_definition__
        [field] = [
            f for f in definition.fields if f.python_name != "errors" and f.base_resolver is None
        ]
        held = field.type
        while isinstance(held, StrawberryOptional | LazyType):
            held = held.of_type if isinstance(held, StrawberryOptional) else held.resolve_type()
        _RESULTS[kind] = field.python_name, held
    return _RESULTS[kind]


def bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def is_expected(error: GraphQLError) -> bool:
    """The request caused it (syntax, validation, a limit, a token, a scope), not a fault."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError)


UNAVAILABLE_MESSAGE = "The database is unavailable; try again in a moment"
RETRY_AFTER_SECONDS = "1"


def unavailable(error: GraphQLError | None = None) -> GraphQLError:
    return GraphQLError(
        UNAVAILABLE_MESSAGE,
        nodes=error.nodes if error else None,
        path=error.path if error else None,
        extensions={"code": "SERVICE_UNAVAILABLE", "retryAfter": int(RETRY_AFTER_SECONDS)},
    )


def busy(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        "Another change holds what this one needs; try again in a moment",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "BUSY", "retryAfter": int(RETRY_AFTER_SECONDS)},
    )


def _masked(error: GraphQLError) -> GraphQLError:
    if is_expected(error):
        return error
    if error.original_error is not None and database_unavailable(error.original_error):
        log.warning("Database unavailable at %s: %r", error.path, error.original_error)
        return unavailable(error)
    if error.original_error is not None and lock_timed_out(error.original_error):
        log.warning("Lock wait timed out at %s: %r", error.path, error.original_error)
        return busy(error)
    return _anonymise(error)


def mask_unexpected(
    result: ExecutionResult
    | GraphQLExecutionResult
    | InitialIncrementalExecutionResult
    | SubsequentIncrementalExecutionResult
    | None,
) -> bool:
    """Replace each unexpected error of a result: "Internal error" with an id that is also in
    the log, beside the error itself, SERVICE_UNAVAILABLE when the database was away, or BUSY
    when a lock was held too long. Returns whether to retry (the response then says when)."""
    if result is None or isinstance(result, SubsequentIncrementalExecutionResult):
        return False  # incremental parts (@defer, @stream) are not served
    if not result.errors:
        return False
    result.errors = [_masked(e) for e in result.errors]
    retry = ("SERVICE_UNAVAILABLE", "BUSY")
    return any((e.extensions or {}).get("code") in retry for e in result.errors)


def _anonymise(error: GraphQLError) -> GraphQLError:
    error_id = uuid.uuid4().hex[:12]
    request_id = current_request_id.get() or "-"
    log.error("Unexpected error %s at %s", error_id, error.path, exc_info=error.original_error)
    return GraphQLError(
        message=f"Internal error (id {error_id}, request {request_id})",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={
            "code": "INTERNAL_SERVER_ERROR",
            "errorId": error_id,
            "requestId": request_id,
        },
    )
