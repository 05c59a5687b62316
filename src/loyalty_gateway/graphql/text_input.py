"""The strings of queries and subscriptions (searches, filters, ids, cursors): no NUL
characters, which PostgreSQL text cannot hold, and at most MAX_QUERY_TEXT characters, which
no column they are compared with holds more of (a 900 KB search cost seconds of database
CPU). Literals are checked by a validation rule (cached with the document), variables on
every request by `text_in_variables` (from the pipeline). Mutations are left to their
services, which answer such a field with a typed `INVALID_INPUT` user error naming it."""

from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValidationRule,
)
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType as StrawberryOperationType

from loyalty_gateway.core.json_values import leaves

MAX_QUERY_TEXT = 320  # the longest column a query argument meets: an email address


def _text_error(text: str, node: StringValueNode | None = None) -> GraphQLError | None:
    if "\x00" in text:
        message = "Strings must not contain NUL (\\u0000) characters"
    elif len(text) > MAX_QUERY_TEXT:
        message = f"Strings in queries may have at most {MAX_QUERY_TEXT} characters"
    else:
        return None
    return GraphQLError(message, node, extensions={"code": "BAD_USER_INPUT"})


class QueryTextLiterals(ValidationRule):
    mutation = False

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: object) -> None:
        self.mutation = node.operation is OperationType.MUTATION

    def enter_string_value(self, node: StringValueNode, *_: object) -> None:
        error = None if self.mutation else _text_error(node.value, node)
        if error is not None:
            self.report_error(error)


def _unicode(text: str) -> bool:
    """Whether `text` is Unicode text: a lone surrogate (`"\\ud800"` in JSON) is not, and
    no database column or encoder takes it."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def text_in_variables(context: ExecutionContext) -> GraphQLError | None:
    """Variables of every operation must be Unicode text (a document's literals cannot hold a
    lone surrogate: the parser refuses it); those of queries and subscriptions also pass
    the checks above."""
    if not context.variables:
        return None
    mutation = context.operation_type is StrawberryOperationType.MUTATION
    for item in leaves(context.variables):
        if not isinstance(item, str):
            continue
        if not _unicode(item):
            message = "Strings must be Unicode text (a lone surrogate is not)"
            return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
        error = None if mutation else _text_error(item)
        if error is not None:
            return error
    return None
