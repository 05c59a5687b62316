"""JSONLogic rules (panzi-json-logic), as Omneo's conditions use them, with bounded cost.

A rule is at most MAX_RULE_NODES JSON values, and one evaluation applies at most
MAX_RULE_OPERATIONS of its nodes: three nested `map`s over 130-element lists were 2 million
steps and held the server for seconds. The library's evaluator is one recursive function;
its recursion is routed through a counter (`_counted`), so every step of every operator,
`map` and `reduce` included, is counted against the evaluation's budget.
"""

import sys
from contextvars import ContextVar
from typing import Any

from json_logic import jsonLogic

from loyalty_gateway.core.errors import ErrorCode, UserError

MAX_RULE_NODES = 1000
MAX_RULE_OPERATIONS = 10_000

_evaluator = sys.modules["json_logic.apply"]
_apply = _evaluator.apply
_budget: ContextVar[list[int] | None] = ContextVar("rule_budget", default=None)


def _counted(logic: Any, data: Any = None, operations: Any = _evaluator.BUILTINS) -> Any:
    budget = _budget.get()
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise UserError(
                ErrorCode.RULE_TOO_COSTLY,
                f"The rule needs more than {MAX_RULE_OPERATIONS:,} operations to evaluate",
            )
    return _apply(logic, data, operations)


_evaluator.apply = _counted  # the evaluator's recursive calls now go through the counter


def rule_nodes(rule: Any) -> int:
    """How many JSON values (objects, lists, scalars) the rule is made of."""
    count, pending = 0, [rule]
    while pending:
        item = pending.pop()
        count += 1
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


def normalise_condition(rule: Any) -> Any:
    """Seed 001's shorthand `{"rule": "tier", "value": "gold"}` means tier_handle is gold."""
    if isinstance(rule, dict) and set(rule) == {"rule", "value"} and rule["rule"] == "tier":
        return {"===": [{"var": "tier_handle"}, rule["value"]]}
    return rule


def evaluate(rule: Any, context: dict[str, Any]) -> Any:
    """The rule's value for `context`; UserError RULE_TOO_LARGE or RULE_TOO_COSTLY past the
    limits."""
    if rule_nodes(rule) > MAX_RULE_NODES:
        raise UserError(
            ErrorCode.RULE_TOO_LARGE, f"A rule may have at most {MAX_RULE_NODES:,} values"
        )
    token = _budget.set([MAX_RULE_OPERATIONS])
    try:
        return jsonLogic(normalise_condition(rule), context)
    finally:
        _budget.reset(token)


def check_rule(rule: Any, field: str) -> None:
    """A rule must be a JSON object, within the limits, that evaluates (against an empty
    context) without error."""
    if not isinstance(rule, dict):
        raise UserError(ErrorCode.INVALID_INPUT, f"{field} must be a JSONLogic object", field)
    try:
        evaluate(rule, {})
    except UserError as error:
        raise UserError(error.code, error.message, field) from None
    except Exception as error:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"{field} is not valid JSONLogic: {error}", field
        ) from None
