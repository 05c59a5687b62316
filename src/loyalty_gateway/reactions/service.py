"""Reactions: validated when saved, so a saved reaction can run."""

from dataclasses import dataclass, field
from typing import Any

from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import check_rule
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.keyset import Slice, Window, by_creation, page_of
from loyalty_gateway.db.rows import find_row
from loyalty_gateway.events import outbox
from loyalty_gateway.events.models import Event, EventStatus
from loyalty_gateway.events.notify import notify
from loyalty_gateway.events.outbox import EVENTS_CHANNEL
from loyalty_gateway.profiles.context import profile_context
from loyalty_gateway.profiles.service import get_profile
from loyalty_gateway.reactions.actions.base import Action, StopRun
from loyalty_gateway.reactions.catalogue import ACTIONS, RESERVED_EVENTS, TRIGGER, context_keys
from loyalty_gateway.reactions.engine import STEP_FAILURES, resolve_arguments, step_failure
from loyalty_gateway.reactions.models import (
    Reaction,
    ReactionAction,
    ReactionRun,
    ReactionStep,
    RunStatus,
    StepStatus,
)
from loyalty_gateway.reactions.profile_facts import AUTOMATION_PREFIX
from loyalty_gateway.settings import Settings


# Events only domain code may emit (Omneo refuses these as custom events too).
@dataclass
class ArgumentInput:
    name: str
    value: Any = None
    is_dynamic: bool | None = None


@dataclass
class ActionInput:
    name: str
    sort_order: int
    description: str | None = None
    arguments: list[ArgumentInput] = field(default_factory=list)


def _check_trigger(trigger: str, field_name: str = "trigger", automation: bool = False) -> None:
    """A trigger of the form `namespace.event`; `automation.*` only for an automation's own
    reaction (nothing else may fire one)."""
    if not TRIGGER.match(trigger or ""):
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"{field_name} must look like 'namespace.event' (lowercase words joined by dots)",
            field_name,
        )
    if trigger.startswith(AUTOMATION_PREFIX) and not automation:
        raise UserError(
            ErrorCode.INVALID_INPUT,
            f"'{AUTOMATION_PREFIX}*' is fired by automations only (createAutomation)",
            field_name,
        )


def check_actions(actions: list[ActionInput], trigger: str) -> None:
    """Known action names, their required arguments and no unknown ones, distinct sortOrders,
    and valid rules that read only what the trigger's context holds."""
    keys = context_keys(trigger)
    orders = [action.sort_order for action in actions]
    if len(set(orders)) != len(orders):
        raise UserError(ErrorCode.INVALID_INPUT, "sortOrder values must be distinct", "actions")
    for index, action in enumerate(actions):
        where = f"actions.{index}"
        spec = ACTIONS.get(action.name)
        if spec is None:
            raise UserError(
                ErrorCode.INVALID_INPUT,
                f"unknown action '{action.name}'; known: {', '.join(sorted(ACTIONS))}",
                f"{where}.name",
            )
        names = [argument.name for argument in action.arguments]
        missing = [name for name in spec.required if name not in names]
        if missing:
            raise UserError(
                ErrorCode.INVALID_INPUT,
                f"{action.name} needs argument(s) {', '.join(missing)}",
                f"{where}.arguments",
            )
        known = (*spec.required, *spec.optional)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UserError(
                ErrorCode.INVALID_INPUT,
                f"{action.name} has no argument(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}",
                f"{where}.arguments",
            )
        for position, argument in enumerate(action.arguments):
            if argument.is_dynamic or (action.name == "filter" and argument.name == "condition"):
                check_rule(argument.value, f"{where}.arguments.{position}.value", keys)


def _action_inputs(rows: list[ReactionAction]) -> list[ActionInput]:
    return [
        ActionInput(
            name=row.name,
            sort_order=row.sort_order,
            description=row.description,
            arguments=[ArgumentInput(**argument) for argument in row.arguments],
        )
        for row in rows
    ]


def _action_rows(reaction: Reaction | None, actions: list[ActionInput]) -> list[ReactionAction]:
    return [
        ReactionAction(
            reaction=reaction,
            name=action.name,
            sort_order=action.sort_order,
            description=action.description,
            arguments=[
                {"name": a.name, "value": a.value, "is_dynamic": a.is_dynamic}
                for a in action.arguments
            ],
        )
        for action in actions
    ]


async def create_reaction(
    name: str,
    trigger: str,
    is_active: bool,
    actions: list[ActionInput],
    description: str | None = None,
    automation: bool = False,
) -> Reaction:
    """A reaction; `automation`: the one of an automation, on its own trigger."""
    check_text(Reaction, {"name": name, "trigger": trigger})
    if not name.strip():
        raise UserError(ErrorCode.INVALID_INPUT, "name must not be empty", "name")
    _check_trigger(trigger, automation=automation)
    check_actions(actions, trigger)
    async with in_transaction():
        reaction = await Reaction.create(
            name=name, trigger=trigger, is_active=is_active, description=description
        )
        await ReactionAction.bulk_create(_action_rows(reaction, actions))
    return reaction


async def find_reaction(reaction_id: str, field_name: str = "id") -> Reaction:
    return await find_row(Reaction, reaction_id, "reaction", field_name)


async def update_reaction(
    reaction_id: str, fields: dict[str, Any], actions: list[ActionInput] | None
) -> Reaction:
    check_text(Reaction, fields)
    if "trigger" in fields:
        _check_trigger(fields["trigger"])
    async with in_transaction():
        reaction = await find_reaction(reaction_id)
        trigger = fields.get("trigger", reaction.trigger)
        if reaction.trigger.startswith(AUTOMATION_PREFIX) and trigger != reaction.trigger:
            raise UserError(
                ErrorCode.INVALID_INPUT, "an automation's reaction keeps its trigger", "trigger"
            )
        if actions is not None:
            check_actions(actions, trigger)
        elif trigger != reaction.trigger:  # the saved actions must suit the new trigger
            saved = await ReactionAction.filter(reaction_id=reaction.id)
            check_actions(_action_inputs(saved), trigger)
        reaction.update_from_dict(fields)
        await reaction.save()
        if actions is not None:
            await ReactionAction.filter(reaction_id=reaction.id).delete()
            await ReactionAction.bulk_create(_action_rows(reaction, actions))
    return reaction


async def delete_reaction(reaction_id: str) -> Reaction:
    """Delete a reaction; its past runs and log entries stay."""
    async with in_transaction():
        reaction = await find_reaction(reaction_id)
        await reaction.delete()
    return reaction


async def emit_custom_event(event: str, profile_id: str, data: Any) -> Event:
    """A custom event: the profile's context with `data` under `data`."""
    _check_trigger(event, "event")
    if event in RESERVED_EVENTS:
        raise UserError(ErrorCode.INVALID_INPUT, f"'{event}' is reserved", "event")
    async with in_transaction():
        profile = await get_profile(profile_id)
        context = {**await profile_context(profile), "data": data}
        return await outbox.emit_row(event, context, str(profile.id))


@dataclass
class DryStep:
    sort_order: int
    action: str
    status: StepStatus
    arguments: dict[str, Any] | None
    result: Any = None
    error: str | None = None


def _unsaved_actions(actions: list[ActionInput], trigger: str) -> list[ReactionAction]:
    """Actions given inline (to `testReaction`), shaped like stored ones."""
    _check_trigger(trigger)
    check_actions(actions, trigger)
    return _action_rows(None, actions)


class _Undone(Exception):
    """Carries a writing action's result out of the transaction it rolls back."""

    def __init__(self, result: Any) -> None:
        super().__init__()
        self.result = result


async def _try(
    spec: Action, arguments: dict[str, Any], context: dict[str, Any], settings: Settings
) -> Any:
    """What an action would do: its own dry run, or the action itself, its writes rolled back
    (so it fails exactly where a run would)."""
    if spec.dry_run is not None:
        return await spec.dry_run(arguments, context, settings)
    if not spec.writes:
        return await spec.run(arguments, context, settings)
    try:
        async with in_transaction():
            raise _Undone(await spec.run(arguments, context, settings))
    except _Undone as undone:
        return undone.result


async def _dry_run(
    actions: list[ReactionAction], context: dict[str, Any], settings: Settings
) -> list[DryStep]:
    """What each action would do with this context; nothing is written or sent."""
    steps: list[DryStep] = []
    for action in sorted(actions, key=lambda a: a.sort_order):
        arguments: dict[str, Any] | None = None
        try:
            arguments = resolve_arguments(action, context)
            result = await _try(ACTIONS[action.name], arguments, context, settings)
        except StopRun as stop:
            steps.append(
                DryStep(
                    action.sort_order, action.name, StepStatus.STOPPED, arguments, error=str(stop)
                )
            )
            break
        except STEP_FAILURES as error:
            failure = step_failure(error)
            steps.append(
                DryStep(action.sort_order, action.name, StepStatus.FAILED, arguments, error=failure)
            )
            break
        steps.append(DryStep(action.sort_order, action.name, StepStatus.PASSED, arguments, result))
    return steps


async def retry_event(event_id: int) -> Event:
    """Queue an event again; its failed runs resume from the failed step."""
    async with in_transaction():
        event = await Event.get_or_none(id=event_id)
        if event is None:
            raise UserError(ErrorCode.NOT_FOUND, f"No event {event_id}", "id")
        failed = await ReactionRun.filter(event_id=event.id, status=RunStatus.FAILED)
        for run in failed:
            await ReactionStep.filter(run_id=run.id, status=StepStatus.FAILED).delete()
            run.status = RunStatus.RUNNING
            run.finished_at = None
            await run.save(update_fields=["status", "finished_at"])
        event.status = EventStatus.PENDING
        event.available_at = None
        event.attempts = 0
        await event.save(update_fields=["status", "available_at", "attempts"])
        await notify(EVENTS_CHANNEL, str(event.id))
    return event


REACTION_ORDER = by_creation("reactions")
RUN_ORDER = by_creation("reactionRuns", "started_at", newest_first=True)


async def list_reactions(
    trigger: str | None, is_active: bool | None, window: Window
) -> Slice[Reaction]:
    """A page of reactions, oldest first."""
    query = Reaction.filter(
        **{k: v for k, v in {"trigger": trigger, "is_active": is_active}.items() if v is not None}
    )
    return await page_of(query, REACTION_ORDER, window)


async def list_runs(
    reaction_id: str | None,
    profile_id: str | None,
    status: RunStatus | None,
    window: Window,
) -> Slice[ReactionRun]:
    """A page of runs, newest first."""
    wanted = {"reaction_id": reaction_id, "profile_id": profile_id, "status": status}
    query = ReactionRun.filter(**{k: v for k, v in wanted.items() if v is not None})
    return await page_of(query, RUN_ORDER, window)


async def test_reaction(
    reaction_id: str | None,
    inline: tuple[str, list[ActionInput]] | None,
    context: Any,
    settings: Settings,
) -> list[DryStep]:
    """`testReaction`: a saved reaction (by id) or an inline one (its trigger and actions),
    exactly one, run dry against `context`."""
    if (reaction_id is None) == (inline is None):
        raise UserError(
            ErrorCode.INVALID_INPUT, "Give exactly one of reactionId and reaction", "reactionId"
        )
    if not isinstance(context, dict):
        raise UserError(ErrorCode.INVALID_INPUT, "context must be a JSON object", "context")
    if reaction_id is not None:
        reaction = await find_reaction(reaction_id, "reactionId")
        actions = await ReactionAction.filter(reaction_id=reaction.id)
    else:
        assert inline is not None
        trigger, given = inline
        actions = _unsaved_actions(given, trigger)
    return await _dry_run(actions, context, settings)
