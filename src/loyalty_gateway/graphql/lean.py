"""The lean route: a query that compiles is answered without Strawberry's HTTP view and
executor, which took about half the CPU of a compiled read (py-spy under `make bench`). It
runs the pipeline's own phases (`PipelineRules`: persisted queries, parse and validation
caches, limits and cost, rate limit, compiled plan, masking, metrics) on a Strawberry
`ExecutionContext`, and answers through the view's own `process_result` and
`create_response`. What stands in front of both routes is shared as it is: body size,
content type and the body's time (`http_guards`), request id and CORS (middleware), the
token cache (`get_context`).

Whatever it does not take goes on to Strawberry untouched, before any rule with an effect
(the rate limit) ran: a body that is not one JSON operation, an operation that is not a
query, one that breaks a rule (its error is Strawberry's to shape), one the planner does
not cover or the caller may not read. A plan that fails when run (a planner fault, the
database away) goes on too: the resolvers answer, and the request takes from the caller's
rate limit a second time."""

import time
from typing import Any, cast

from graphql import GraphQLError, OperationDefinitionNode
from starlette.requests import Request
from starlette.responses import Response
from strawberry import Schema
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from loyalty_gateway.graphql.compiled import bound_plan
from loyalty_gateway.graphql.context import Context
from loyalty_gateway.graphql.pipeline import PipelineRules, parsed

Operation = tuple[str | None, str | None, dict[str, Any] | None, dict[str, Any] | None]
KEYS = frozenset({"query", "operationName", "variables", "extensions"})


class LeanGraphQL(GraphQL[Context, None]):
    rules: PipelineRules

    async def answer_compiled(self, request: Request) -> Response | None:
        """The response to a query that compiles, or None: Strawberry answers."""
        if not self.rules.compiled:
            return None
        operation = self._operation(await request.body())
        if operation is None:
            return None
        query, name, variables, extensions = operation
        if not self._may_be_query(query, name, extensions):
            return None
        sub_response = await self.get_sub_response(request)
        context = ExecutionContext(
            query=query,
            schema=cast(Schema, self.schema),
            allowed_operations=(OperationType.QUERY,),
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
        if context.graphql_document is None:
            return None
        self.rules.validate(context)
        bound = None if context.pre_execution_errors else bound_plan(context)
        if bound is None:
            return None
        await self.rules.execute(context, bound)
        result = context.result
        if not isinstance(result, ExecutionResult):  # the plan failed: the resolvers answer
            return None
        self.rules.end(context, keep_as, started)
        if result.errors:
            self.schema.process_errors(result.errors, context)
        body = await self.process_result(request, result)
        return self.create_response(body, sub_response)

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

    def _may_be_query(self, query: str | None, name: str | None, extensions: Any) -> bool:
        """Whether the document, as the caches know it, holds the one query to run: checked
        before the token, so that what goes on to Strawberry does not pay for it twice."""
        if query is None:
            persisted = (extensions or {}).get("persistedQuery")
            digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            query = self.rules.persisted.get(digest.lower()) if isinstance(digest, str) else None
        document = None if query is None else parsed(query, self.rules.max_tokens)
        if document is None:
            return False
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is not None:
            operations = [d for d in operations if d.name is not None and d.name.value == name]
        return len(operations) == 1 and operations[0].operation.value == "query"
