"""The actions reactions may use, the events they may be triggered by, and what each event's
context holds."""

import re

from loyalty_gateway.benefits import service as benefits
from loyalty_gateway.points import service as points
from loyalty_gateway.profiles import context as profiles
from loyalty_gateway.reactions.actions import (
    benefit_create,
    earn,
    filter,
    reward_create,
    target_send,
    tier_assign,
)
from loyalty_gateway.reactions.actions.base import Action
from loyalty_gateway.reactions.profile_facts import AUTOMATION_CONTEXT_KEYS, AUTOMATION_PREFIX
from loyalty_gateway.redemptions import service as redemptions
from loyalty_gateway.rewards import service as rewards
from loyalty_gateway.tiers import service as tiers
from loyalty_gateway.transactions import service as transactions

_ACTIONS = (
    filter.ACTION,
    benefit_create.ACTION,
    reward_create.ACTION,
    earn.POINTS,
    earn.TIER_POINTS,
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


EVENT_CONTEXTS: dict[str, frozenset[str]] = {
    **profiles.EVENT_CONTEXTS,
    **rewards.EVENT_CONTEXTS,
    **benefits.EVENT_CONTEXTS,
    **points.EVENT_CONTEXTS,
    **transactions.EVENT_CONTEXTS,
    **redemptions.EVENT_CONTEXTS,
    **tiers.EVENT_CONTEXTS,
}
"""Every event the program emits and the keys at the root of its context, declared beside
the function that builds that context (tests/test_event_contexts.py holds each declaration to
what is emitted)."""
RESERVED_EVENTS = frozenset(
    {*EVENT_CONTEXTS, *TRIGGER_ALIASES, "profile.deleted", "profile.merged"}
)
"""Names `emitEvent` may not use: a client must not fake what the program reports."""
CUSTOM_CONTEXT_KEYS = profiles.CONTEXT_KEYS | {"data"}


def context_keys(trigger: str) -> frozenset[str] | None:
    """The root keys of the context a reaction on `trigger` sees: the event's own, the
    profile's and `data` for a custom event, the profile's with the automation's facts for an
    automation, None where nothing is known (a reserved name the program does not emit
    yet)."""
    name = TRIGGER_ALIASES.get(trigger, trigger)
    if name.startswith(AUTOMATION_PREFIX):
        return AUTOMATION_CONTEXT_KEYS
    if name in EVENT_CONTEXTS:
        return EVENT_CONTEXTS[name]
    return None if name in RESERVED_EVENTS else CUSTOM_CONTEXT_KEYS
