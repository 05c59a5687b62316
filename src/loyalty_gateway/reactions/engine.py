"""Runs reactions for committed events, step by step, exactly once per (event, reaction).

A writing action commits together with its step row, so a run resumed after a crash skips
the steps already recorded and never repeats their effects. Each run start, step and run end
is a log row, published to `reactionLog` subscribers once committed.
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import UserError
from loyalty_gateway.core.rules import evaluate
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.events.hub import LOG_CHANNEL, hub
from loyalty_gateway.events.models import Event
from loyalty_gateway.events.notify import notify
from loyalty_gateway.events.outbox import chain_depth
from loyalty_gateway.reactions.actions.base import ActionError, StopRun
from loyalty_gateway.reactions.catalogue import ACTIONS, trigger_names
from loyalty_gateway.reactions.models import (
    LogKind,
    Reaction,
    ReactionAction,
    ReactionLogEntry,
    ReactionRun,
    ReactionStep,
    RunStatus,
    StepStatus,
)
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)
MAX_DEPTH = 5


def resolve_arguments(action: ReactionAction, context: dict[str, Any]) -> dict[str, Any]:
    """Dynamic arguments are JSONLogic over the context; the others pass as they are."""
    resolved = {}
    for argument in action.arguments or []:
        value = argument.get("value")
        resolved[argument["name"]] = (
            evaluate(value, context) if argument.get("is_dynamic") else value
        )
    return resolved


RUN_IDENTITY = ("reaction_id", "reaction_name", "trigger", "event_id", "profile_id")
"""What a log entry repeats of its run, so a subscriber filters entries without a join."""


async def _log(
    run: ReactionRun, kind: LogKind, status: RunStatus | StepStatus, **fields: Any
) -> ReactionLogEntry:
    run_is = {name: getattr(run, name) for name in RUN_IDENTITY}
    entry = await ReactionLogEntry.create(
        kind=kind, run_id=run.id, status=status, at=utcnow(), **run_is, **fields
    )
    await notify(LOG_CHANNEL, str(entry.id))
    return entry


def _published(entry: ReactionLogEntry) -> None:
    """Without a LISTEN connection (SQLite), hand committed entries to the hub directly."""
    if not hub.listening:
        hub.publish(entry.id)


async def _finish(run: ReactionRun, status: RunStatus, message: str | None = None) -> None:
    async with in_transaction():
        run.status = status
        run.finished_at = utcnow()
        await run.save(update_fields=["status", "finished_at"])
        entry = await _log(run, LogKind.RUN_FINISHED, status, message=message)
    _published(entry)


async def _record(
    run: ReactionRun,
    action: ReactionAction,
    status: StepStatus,
    started: float,
    arguments: dict[str, Any] | None,
    result: Any = None,
    error: str | None = None,
) -> ReactionLogEntry:
    await ReactionStep.create(
        run=run,
        sort_order=action.sort_order,
        action=action.name,
        status=status,
        arguments=arguments,
        result=result,
        error=error,
        duration_ms=int((time.perf_counter() - started) * 1000),
    )
    return await _log(
        run,
        LogKind.STEP,
        status,
        sort_order=action.sort_order,
        action=action.name,
        message=error,
        result=result,
    )


STEP_FAILURES = (UserError, ActionError, ValueError, TypeError, KeyError)
"""What fails a step (the action or its input); anything else is the service's fault and
retries the event."""


def step_failure(error: Exception) -> str:
    """A failed step's error, as `CODE: message`."""
    if isinstance(error, UserError):
        return f"{error.code.value}: {error.message}"
    if isinstance(error, ActionError):
        return f"{error.code}: {error}"
    return f"INVALID_ARGUMENTS: {error}"


@dataclass
class StepOutcome:
    status: StepStatus
    error: str | None = None


async def _step(
    event: Event,
    run: ReactionRun,
    action: ReactionAction,
    context: dict[str, Any],
    settings: Settings,
) -> StepOutcome:
    started = time.perf_counter()
    arguments: dict[str, Any] | None = None
    spec = ACTIONS.get(action.name)
    try:
        if spec is None:
            raise ActionError(f"unknown action '{action.name}'", "UNKNOWN_ACTION")
        arguments = resolve_arguments(action, context)
        given = {**arguments, "_delivery_id": f"{run.id}:{action.sort_order}"}
        token = chain_depth.set(event.depth + 1)
        try:
            if spec.writes:
                async with in_transaction():
                    result = await spec.run(given, context, settings)
                    entry = await _record(
                        run, action, StepStatus.PASSED, started, arguments, result
                    )
            else:
                result = await spec.run(given, context, settings)
                async with in_transaction():
                    entry = await _record(
                        run, action, StepStatus.PASSED, started, arguments, result
                    )
        finally:
            chain_depth.reset(token)
        _published(entry)
        return StepOutcome(StepStatus.PASSED)
    except StopRun as stop:
        outcome = StepOutcome(StepStatus.STOPPED, str(stop))
    except STEP_FAILURES as error:
        outcome = StepOutcome(StepStatus.FAILED, step_failure(error))
    async with in_transaction():
        entry = await _record(run, action, outcome.status, started, arguments, error=outcome.error)
    _published(entry)
    return outcome


async def run_reaction(
    event: Event, reaction: Reaction, context: dict[str, Any], settings: Settings
) -> ReactionRun:
    """Run (or resume) one reaction for one event; a finished run is never run again."""
    run = await ReactionRun.get_or_none(event_id=event.id, reaction_id=reaction.id)
    if run is not None and run.status != RunStatus.RUNNING:
        return run
    async with in_transaction():
        resumed = run is not None
        if run is None:
            run = await ReactionRun.create(
                reaction=reaction,
                reaction_name=reaction.name,
                event=event,
                trigger=reaction.trigger,
                profile_id=event.profile_id,
                status=RunStatus.RUNNING,
                started_at=utcnow(),
            )
        # Taken up again, a run says so: a monitor sees it start over.
        entry = await _log(run, LogKind.RUN_STARTED, RunStatus.RUNNING, resumed=resumed)
    _published(entry)
    if event.depth > MAX_DEPTH:
        await _finish(
            run, RunStatus.FAILED, f"CHAIN_DEPTH_EXCEEDED: event depth {event.depth} > {MAX_DEPTH}"
        )
        return run
    done = {step.sort_order: step for step in await ReactionStep.filter(run_id=run.id)}
    actions = await ReactionAction.filter(reaction_id=reaction.id).order_by("sort_order")
    for action in actions:
        previous = done.get(action.sort_order)
        outcome = (
            StepOutcome(StepStatus(previous.status), previous.error)
            if previous is not None
            else await _step(event, run, action, context, settings)
        )
        if outcome.status != StepStatus.PASSED:
            stopped = outcome.status == StepStatus.STOPPED
            await _finish(run, RunStatus.STOPPED if stopped else RunStatus.FAILED, outcome.error)
            return run
    await _finish(run, RunStatus.COMPLETED)
    return run


async def process_event(event: Event, settings: Settings) -> list[ReactionRun]:
    """Run every active reaction whose trigger matches the event, in creation order."""
    reactions = await Reaction.filter(
        trigger__in=trigger_names(event.name), is_active=True
    ).order_by("created_at", "id")
    return [
        await run_reaction(event, reaction, dict(event.context), settings) for reaction in reactions
    ]
