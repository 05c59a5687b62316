"""JSONLogic rules (panzi-json-logic), as Omneo's conditions use them."""

from typing import Any

from json_logic import jsonLogic

from loyalty_gateway.core.errors import ErrorCode, UserError


def normalise_condition(rule: Any) -> Any:
    """Seed 001's shorthand `{"rule": "tier", "value": "gold"}` means tier_handle is gold."""
    if isinstance(rule, dict) and set(rule) == {"rule", "value"} and rule["rule"] == "tier":
        return {"===": [{"var": "tier_handle"}, rule["value"]]}
    return rule


def evaluate(rule: Any, context: dict[str, Any]) -> Any:
    return jsonLogic(normalise_condition(rule), context)


def check_rule(rule: Any, field: str) -> None:
    """A rule must be a JSON object that evaluates (against an empty context) without error."""
    if not isinstance(rule, dict):
        raise UserError(ErrorCode.INVALID_INPUT, f"{field} must be a JSONLogic object", field)
    try:
        evaluate(rule, {})
    except Exception as error:
        raise UserError(
            ErrorCode.INVALID_INPUT, f"{field} is not valid JSONLogic: {error}", field
        ) from None
