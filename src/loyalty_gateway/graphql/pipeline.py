"""Every per-request rule of the GraphQL pipeline, phase by phase (`PipelineRules`), run by
one schema extension for Strawberry and by the lean route (`graphql/lean.py`) for the
queries and mutations it takes: one pipeline, two callers.

Strawberry wraps each hook of each extension in a new context manager on every request; as
ten extensions (persisted queries, metrics, masking, rate limit, parser and validation
caches, extra rules, token, cost and NUL limits) that was about a third of the CPU of a
trivial query (bench/). One extension with one hook per phase does the same work in the
same order: the rules themselves stay in their modules.
"""

import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    InitialIncrementalExecutionResult,
    OperationDefinitionNode,
    SubsequentIncrementalExecutionResult,
)
from graphql.language.parser import parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from loyalty_gateway.auth.ratelimit import Limiter
from loyalty_gateway.graphql.compiled import Plan, compiled_result
from loyalty_gateway.graphql.errors import RETRY_AFTER_SECONDS, mask_unexpected
from loyalty_gateway.graphql.limits import QueryLimits, limit_errors
from loyalty_gateway.graphql.loaders import Loaders
from loyalty_gateway.graphql.persisted import CACHEABLE_QUERY_BYTES, QueryStore
from loyalty_gateway.graphql.ratelimit import rate_limited
from loyalty_gateway.graphql.text_input import text_in_variables
from loyalty_gateway.observability.metrics import operations_by_path, record_operation

CACHED_DOCUMENTS = 1000


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _parse(query: str, max_tokens: int) -> DocumentNode:
    """Documents up to CACHEABLE_QUERY_BYTES, parsed once."""
    return parse(query, max_tokens=max_tokens)


def parsed(query: str, max_tokens: int) -> DocumentNode | None:
    """The document from the cache, or None when it is too long to cache or not valid."""
    if len(query) > CACHEABLE_QUERY_BYTES:
        return None
    try:
        return _parse(query, max_tokens)
    except GraphQLError:
        return None


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _validate(
    schema: GraphQLSchema,
    query: str,
    max_tokens: int,
    rules: tuple[type[ASTValidationRule], ...],
) -> list[GraphQLError]:
    """Keyed on the query's text, whose hash Python keeps, not on the parsed document, whose
    hash walks the whole tree on every request."""
    return validate_document(schema, _parse(query, max_tokens), rules)


@dataclass(frozen=True)
class PipelineRules:
    """What every request shares (the stores, the limiter and this deployment's limits), and
    each phase's rules: the schema extension below runs them for Strawberry, and the lean
    route (`graphql/lean.py`) runs the same ones for a compiled query."""

    compiled: bool  # compiled reads (PostgreSQL)
    persisted: QueryStore
    limiter: Limiter
    validation_rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int
    limits: QueryLimits

    def extension(self) -> Callable[[], SchemaExtension]:
        return lambda: Pipeline(self)

    def begin(self, context: ExecutionContext) -> str | None:
        """Fill in a persisted query's text, give the request fresh loaders and add the
        extra validation rules. Returns the digest to keep the query under (`end`)."""
        keep_as = self.persisted.fill_in(context)
        context.context.loaders = Loaders()
        context.validation_rules = context.validation_rules + self.validation_rules
        return keep_as

    def parse(self, context: ExecutionContext) -> None:
        query, max_tokens = context.query, self.max_tokens
        if query is None:  # strawberry refuses a request without one before parsing
            raise ValueError("no query to parse")
        context.parse_options = {**context.parse_options, "max_tokens": max_tokens}
        context.graphql_document = parsed(query, max_tokens)
        # A document left unparsed (too long to cache, or not valid) Strawberry parses after
        # this hook, where a syntax error becomes the response rather than an exception
        # (which would close a WebSocket operation with no error frame and log a traceback).

    def validate(self, context: ExecutionContext) -> None:
        """The limits first, in time linear in the document (validation rules walk fragments
        as often as they are spread), then cached validation with the extra rules and the
        per-request checks, whose errors must be in place before the phase ends (strawberry
        reads them there)."""
        document, query = context.graphql_document, context.query
        if document is None or query is None:  # strawberry validates only what parsed
            return
        cacheable = query if len(query) <= CACHEABLE_QUERY_BYTES else None
        errors = limit_errors(document, context.variables or {}, self.limits, cacheable)
        errors = errors or request_errors(context, document)
        if errors:
            context.pre_execution_errors = errors
            return
        schema, rules = context.schema._schema, context.validation_rules
        if len(query) <= CACHEABLE_QUERY_BYTES:
            errors = list(_validate(schema, query, self.max_tokens, rules))
        else:
            errors = validate_document(schema, document, rules)
        bad_text = text_in_variables(context)
        if bad_text is not None:
            errors.append(bad_text)
        context.pre_execution_errors = errors

    async def execute(
        self,
        context: ExecutionContext,
        bound: tuple[Plan, list[Any]] | None = None,
        planned: bool = False,
    ) -> None:
        """The rate limit, then the compiled path (`bound`: the plan the lean route already
        bound, when it `planned`). A fault here becomes the result, so that it is masked like
        any other (Strawberry would answer an exception raised in a hook with its message,
        after this extension's last chance to mask it)."""
        try:
            limited = await rate_limited(self.limiter, context)
            if limited is not None:
                context.result = limited
            elif context.operation_type is not OperationType.SUBSCRIPTION:
                compiled = None
                if self.compiled:
                    compiled = await compiled_result(context, bound, planned)
                if compiled is not None:
                    context.result = compiled
                operations_by_path.labels("compiled" if compiled else "resolved").inc()
        except Exception as error:
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(str(error), original_error=error)]
            )

    def end(self, context: ExecutionContext, keep_as: str | None, started: float) -> None:
        """Mask what the client must not see (with Retry-After when it was the database),
        count and time the operation, and keep a persisted query that passed."""
        if mask_unexpected(context.result):
            response = context.context.response
            if response is not None:
                response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        record_operation(context, started)
        self.persisted.keep(context, keep_as)


def request_errors(context: ExecutionContext, document: DocumentNode) -> list[GraphQLError]:
    """What GraphQL over HTTP refuses before validation: several operations and no
    `operationName` (graphql-core would pick none, Strawberry the first), and a subscription
    sent over HTTP (it is served over the WebSocket; Strawberry would fail on it)."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    # `operation_name` falls back to the first operation's: only the private field says
    # whether the client gave one.
    if len(operations) > 1 and not context._provided_operation_name:
        message = "The document has several operations: say which to run in operationName"
        return [GraphQLError(message, extensions={"code": "BAD_REQUEST"})]
    http = context.context.response is not None
    if http and context.operation_type is OperationType.SUBSCRIPTION:
        message = "Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql"
        return [GraphQLError(message, extensions={"code": "BAD_REQUEST"})]
    return []


class Pipeline(SchemaExtension):
    def __init__(self, rules: PipelineRules) -> None:
        self.rules = rules
        self.streamed = False

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        keep_as = self.rules.begin(context)
        started = time.perf_counter()
        yield
        if self.streamed:  # subscriptions' results were masked as they went out
            record_operation(context, started)
            self.rules.persisted.keep(context, keep_as)
        else:
            self.rules.end(context, keep_as, started)

    def on_parse(self) -> Iterator[None]:
        self.rules.parse(self.execution_context)
        yield

    def on_validate(self) -> Iterator[None]:
        self.rules.validate(self.execution_context)
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        await self.rules.execute(self.execution_context)
        yield

    def on_stream_result(
        self,
        result: ExecutionResult
        | InitialIncrementalExecutionResult
        | SubsequentIncrementalExecutionResult,
    ) -> Iterator[None]:
        """Subscriptions' results are masked one by one, as they go out."""
        self.streamed = True
        mask_unexpected(result)
        yield None
