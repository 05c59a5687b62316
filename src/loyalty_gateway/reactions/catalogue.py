"""The actions reactions may use, and the trigger names that mean the same event."""

import re

from loyalty_gateway.reactions.actions import (
    benefit_create,
    filter,
    points_create,
    reward_create,
    target_send,
    tier_assign,
)
from loyalty_gateway.reactions.actions.base import Action

_ACTIONS = (
    filter.ACTION,
    benefit_create.ACTION,
    reward_create.ACTION,
    points_create.ACTION,
    tier_assign.ACTION,
    target_send.ACTION,
)
ACTIONS: dict[str, Action] = {
    name: action for action in _ACTIONS for name in (action.name, *action.aliases)
}
# Omneo's guides name some events differently from the CRUD-style names domain code emits.
TRIGGER_ALIASES = {
    "reward.issued": "reward.created",
    "benefit.issued": "benefit.created",
    "points.awarded": "point.created",
}
TRIGGER = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$")


def trigger_names(event_name: str) -> list[str]:
    """Every trigger a reaction may be saved with that matches this event."""
    return [event_name, *(alias for alias, name in TRIGGER_ALIASES.items() if name == event_name)]
