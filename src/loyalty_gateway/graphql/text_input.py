"""No NUL characters in the strings of queries and subscriptions: PostgreSQL text cannot hold
them, so a search or a filter carrying one failed in the database as an internal error.
Literals are checked by a validation rule (cached with the document), variables on every
request by `nul_in_variables` (from the pipeline). Mutations are left to their services, which
answer a NUL in a field with a typed `INVALID_INPUT` user error naming the field."""

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValidationRule,
)
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType as StrawberryOperationType

from loyalty_gateway.graphql.scalars import json_leaves

MESSAGE = "Strings must not contain NUL (\\u0000) characters"


def _nul_error(node: StringValueNode | None = None) -> GraphQLError:
    return GraphQLError(MESSAGE, node, extensions={"code": "BAD_USER_INPUT"})


class NoNulInLiterals(ValidationRule):
    mutation = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        self.mutation = node.operation is OperationType.MUTATION

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        if not self.mutation and "\x00" in node.value:
            self.report_error(_nul_error(node))


def nul_in_variables(context: ExecutionContext) -> GraphQLError | None:
    if (
        context.variables
        and context.operation_type is not StrawberryOperationType.MUTATION
        and any(isinstance(item, str) and "\x00" in item for item in json_leaves(context.variables))
    ):
        return _nul_error()
    return None
