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
from json_logic.builtins import BUILTINS, to_bool

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.json_values import nodes

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


_evaluator.apply = _counted  # type: ignore[attr-defined]  # the evaluator's recursive calls now go through the counter


UNBOUNDED = 1_000_000
# Arguments each operator takes (fewest, most): JSONLogic's operators, as panzi-json-logic
# implements them, and the ones its evaluator handles itself.
ARITY: dict[str, tuple[int, int]] = {
    **{name: (0, UNBOUNDED) for name in BUILTINS},
    "var": (0, 2),
    "missing_some": (2, 2),
    **{name: (2, 2) for name in ("==", "===", "!=", "!==", ">", ">=", "%", "/", "in")},
    **{name: (2, 3) for name in ("<", "<=", "substr")},
    **{name: (1, 1) for name in ("!", "!!", "log")},
    "-": (1, 2),
    **{name: (1, UNBOUNDED) for name in ("+", "*", "if", "?:", "and", "or")},
    **{name: (2, 2) for name in ("map", "filter", "all", "some", "none")},
    "reduce": (2, 3),
}


def _tier_shorthand(rule: Any) -> bool:
    return isinstance(rule, dict) and set(rule) == {"rule", "value"} and rule["rule"] == "tier"


ITERATING = frozenset({"map", "filter", "all", "some", "none", "reduce"})


def _unknown_var(arguments: list[Any], context_keys: frozenset[str]) -> str | None:
    """The path of a `var` whose first key the context does not have."""
    path = arguments[0] if arguments else ""
    if isinstance(path, str) and path and path.split(".")[0] not in context_keys:
        return path
    return None


def rule_problem(rule: Any, path: str, context_keys: frozenset[str] | None = None) -> str | None:
    """What is wrong with a rule, naming the path of the bad node; None when it is sound.
    Every object must be one known operator with the right number of arguments (or seed
    001's `{"rule": "tier", "value": ...}`): an object with other keys would evaluate to
    itself, which is truthy. Given the context's keys, every `var` must start with one of
    them (inside `map`, `filter` and the like a `var` reads the item, and is not checked)."""
    pending = [(rule, path, context_keys)]
    while pending:
        node, where, keys = pending.pop()
        if isinstance(node, list):
            pending.extend((item, f"{where}.{index}", keys) for index, item in enumerate(node))
            continue
        if not isinstance(node, dict) or _tier_shorthand(node):
            continue
        if len(node) != 1:
            named = ", ".join(sorted(map(str, node)))
            return f"{where} must be one operator, not an object with keys {named}"
        [(operator, arguments)] = node.items()
        if operator not in ARITY:
            return f"{where} uses the unknown operator '{operator}'"
        arguments = arguments if isinstance(arguments, list) else [arguments]
        fewest, most = ARITY[operator]
        if not fewest <= len(arguments) <= most:
            wanted = f"{fewest}" if fewest == most else f"{fewest} to {most}"
            if most == UNBOUNDED:
                wanted = f"at least {fewest}"
            return f"{where}: '{operator}' takes {wanted} argument(s), not {len(arguments)}"
        unknown = _unknown_var(arguments, keys) if operator == "var" and keys else None
        if unknown is not None:
            return f"{where} reads '{unknown}', which this context does not have"
        for index, argument in enumerate(arguments):
            scoped = keys if operator not in ITERATING or index == 0 else None
            pending.append((argument, f"{where}.{operator}.{index}", scoped))
    return None


def normalise_condition(rule: Any) -> Any:
    """Seed 001's shorthand `{"rule": "tier", "value": "gold"}` means tier_handle is gold."""
    if _tier_shorthand(rule):
        return {"===": [{"var": "tier_handle"}, rule["value"]]}
    return rule


def evaluate(rule: Any, context: dict[str, Any]) -> Any:
    """The rule's value for `context`; UserError RULE_TOO_LARGE or RULE_TOO_COSTLY past the
    limits."""
    if sum(1 for _ in nodes(rule)) > MAX_RULE_NODES:
        raise UserError(
            ErrorCode.RULE_TOO_LARGE, f"A rule may have at most {MAX_RULE_NODES:,} values"
        )
    token = _budget.set([MAX_RULE_OPERATIONS])
    try:
        return jsonLogic(normalise_condition(rule), context)
    finally:
        _budget.reset(token)


def condition_holds(condition: Any, context: dict[str, Any]) -> bool:
    """Whether a condition (a filter, a `claimCondition`) holds: an operator whose value is
    truthy in JSONLogic's sense. Anything else (an object of several keys or an unknown
    operator, saved before conditions were checked) is false, never truthy by accident."""
    rule = normalise_condition(condition)
    if not isinstance(rule, dict) or rule_problem(rule, "condition") is not None:
        return False
    return bool(to_bool(evaluate(rule, context)))


def check_rule(rule: Any, field: str, context_keys: frozenset[str] | None = None) -> None:
    """A rule must be a JSON object of known operators with the right arity, reading only
    keys of its context where that is known (else INVALID_CONDITION naming the bad node),
    within the limits, that evaluates (against an empty context) without error."""
    if not isinstance(rule, dict):
        raise UserError(ErrorCode.INVALID_CONDITION, f"{field} must be a JSONLogic object", field)
    problem = rule_problem(normalise_condition(rule), field, context_keys)
    if problem is not None:
        raise UserError(ErrorCode.INVALID_CONDITION, problem, field)
    try:
        evaluate(rule, {})
    except UserError as error:
        raise UserError(error.code, error.message, field) from None
    except Exception as error:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"{field} is not valid JSONLogic: {error}", field
        ) from None
