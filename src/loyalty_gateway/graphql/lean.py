"""The lean route: a query or mutation sent as one JSON operation is answered without
Strawberry's HTTP view and its `Schema.execute`, whose per-request wrapping (the view, a
context manager per extension hook) took about half the CPU of a compiled read and a fifth
of a redeem's (py-spy under `make bench`). It runs the pipeline's own phases (`PipelineRules`:
persisted queries, parse and validation caches, limits and cost, rate limit, compiled plan,
masking, metrics) on a Strawberry `ExecutionContext`; a query the planner covers is answered
by its plan, anything else by graphql-core's executor over the schema Strawberry built (the
same resolvers, permissions and field extensions), as `Schema.execute` would call it. It
answers through the view's own `process_result` and `create_response`. What stands in front
of both routes is shared as it is: body size, content type and the body's time
(`http_guards`), request id and CORS (middleware), the token cache (`get_context`).

Whatever it does not take goes on to Strawberry untouched, before any rule with an effect
(the rate limit) ran: a body that is not one JSON operation, a request that is not a POST or
asks for a streamed answer, a subscription, a document that does not parse or breaks a rule
(its error is Strawberry's to shape)."""

import time
from typing import Any, cast

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, execute
from starlette.requests import Request
from starlette.responses import Response
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from loyalty_gateway.graphql.compiled import bound_plan
from loyalty_gateway.graphql.context import Context
from loyalty_gateway.graphql.pipeline import PipelineRules, parsed

Operation = tuple[str | None, str | None, dict[str, Any] | None, dict[str, Any] | None]
KEYS = frozenset({"query", "operationName", "variables", "extensions"})
TAKEN = {"query": OperationType.QUERY, "mutation": OperationType.MUTATION}


class LeanGraphQL(GraphQL[Context, None]):
    rules: PipelineRules

    async def answer(self, request: Request) -> Response | None:
        """The response to one query or mutation, or None: Strawberry answers."""
        if request.method != "POST" or self._get_stream_transport_from_headers(request.headers):
            return None
        operation = self._operation(await request.body())
        if operation is None:
            return None
        query, name, variables, extensions = operation
        kind = self._kind(query, name, extensions)
        if kind is None:
            return None
        sub_response = await self.get_sub_response(request)
        context = ExecutionContext(
            query=query,
            schema=cast(Schema, self.schema),
            allowed_operations=(kind,),
            context=await self.get_context(request, sub_response),
            variables=variables,
            provided_operation_name=name,
            operation_extensions=extensions,
        )
        try:
            keep_as = self.rules.begin(context)
        except GraphQLError:
            return None
        started = time.perf_counter()
        self.rules.parse(context)
        document = context.graphql_document
        if document is None:
            return None
        self.rules.validate(context)
        if context.pre_execution_errors:
            return None
        compiles = self.rules.compiled and kind is OperationType.QUERY
        await self.rules.execute(context, bound_plan(context) if compiles else None, planned=True)
        if not isinstance(context.result, ExecutionResult):  # no plan, or it failed
            context.result = await self._resolved(context, document)
        result = context.result
        if result.errors:  # before masking, as Strawberry does: the originals are logged
            self.schema.process_errors(result.errors, context)
        self.rules.end(context, keep_as, started)
        body = await self.process_result(request, result)
        return self.create_response(body, sub_response)

    async def _resolved(self, context: ExecutionContext, document: DocumentNode) -> ExecutionResult:
        """The resolvers' answer: graphql-core's executor called as `Schema.execute` calls
        it (no schema extension of ours resolves fields, so no middleware). A fault becomes
        the result, to be masked like any other."""
        schema = cast(Schema, self.schema)
        try:
            result = await await_maybe(
                execute(
                    schema._schema,
                    document,
                    variable_values=context.variables,
                    operation_name=context.operation_name,
                    context_value=context.context,
                    # Strawberry's own check, typed more loosely than graphql-core asks
                    is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                    operation_extensions=context.operation_extensions,
                    **execution_context_class_kwargs(schema.execution_context_class),
                )
            )
        except Exception as error:
            return ExecutionResult(
                data=None, errors=[GraphQLError(str(error), original_error=error)]
            )
        return ExecutionResult(data=result.data, errors=result.errors)

    def _operation(self, body: bytes) -> Operation | None:
        """The body's one operation (query, operationName, variables, extensions), or None
        for anything else (a batch, bad JSON, a value of the wrong type): Strawberry says
        what is wrong with it."""
        try:
            payload = self.decode_json(body)
        except ValueError:
            return None
        if not isinstance(payload, dict) or not payload.keys() <= KEYS:
            return None
        query, name = payload.get("query"), payload.get("operationName")
        variables, extensions = payload.get("variables"), payload.get("extensions")
        if not all(isinstance(value, str | None) for value in (query, name)):
            return None
        if not all(isinstance(value, dict | None) for value in (variables, extensions)):
            return None
        return query, name, variables, extensions

    def _kind(self, query: str | None, name: str | None, extensions: Any) -> OperationType | None:
        """The one query or mutation the document holds, as the caches know it, or None:
        checked before the token, so that what goes on to Strawberry does not pay for it
        twice."""
        if query is None:
            persisted = (extensions or {}).get("persistedQuery")
            digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            query = self.rules.persisted.get(digest.lower()) if isinstance(digest, str) else None
        document = None if query is None else parsed(query, self.rules.max_tokens)
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is not None:
            operations = [d for d in operations if d.name is not None and d.name.value == name]
        return TAKEN.get(operations[0].operation.value) if len(operations) == 1 else None
