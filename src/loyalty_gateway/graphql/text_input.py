"""No NUL characters in the strings of queries and subscriptions: PostgreSQL text cannot hold
them, so a search or a filter carrying one failed in the database as an internal error.
Literals are checked by a validation rule (cached with the document), variables by an
extension on every request. Mutations are left to their services, which answer a NUL in a
field with a typed `INVALID_INPUT` user error naming the field."""

from collections.abc import Iterator

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValidationRule,
)
from strawberry.extensions import SchemaExtension
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


class NoNulInVariables(SchemaExtension):
    """Listed after ValidationCache, whose errors it adds to before the validation phase
    ends (strawberry reads them there)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if (
            context.variables
            and context.operation_type is not StrawberryOperationType.MUTATION
            and any(
                isinstance(item, str) and "\x00" in item for item in json_leaves(context.variables)
            )
        ):
            context.pre_execution_errors = [
                *(context.pre_execution_errors or []),
                _nul_error(),
            ]
        yield
