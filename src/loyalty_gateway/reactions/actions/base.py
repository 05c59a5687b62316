"""What every reaction action declares: its name, arguments, and how it runs or is dry-run."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from loyalty_gateway.program.service import default_timezone
from loyalty_gateway.settings import Settings

Arguments = dict[str, Any]
Context = dict[str, Any]


class ActionError(Exception):
    """An action could not do its work; the run stops as FAILED with this message."""

    def __init__(self, message: str, code: str = "ACTION_FAILED") -> None:
        super().__init__(message)
        self.code = code


class StopRun(Exception):
    """The action decided the run stops here (a filter that is false)."""


@dataclass(frozen=True)
class Action:
    """`writes`: the action changes the database (its step commits with its effects).
    `dry_run`: what `testReaction` calls instead of `run`, for an action whose effects a
    rollback cannot undo (an HTTP call); without one, `testReaction` runs the action itself,
    in a transaction it rolls back, so a dry run fails exactly where a run would."""

    name: str
    required: tuple[str, ...]
    run: Callable[[Arguments, Context, Settings], Awaitable[Any]]
    dry_run: Callable[[Arguments, Context, Settings], Awaitable[Any]] | None = None
    optional: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    writes: bool = field(default=True)


def argument(arguments: Arguments, name: str) -> Any:
    value = arguments.get(name)
    if value is None or value == "":
        raise ActionError(f"argument '{name}' resolved to nothing", "MISSING_ARGUMENT")
    return value


def text(arguments: Arguments, name: str) -> str:
    return str(argument(arguments, name))


async def issue_timezone(arguments: Arguments, context: Context) -> str:
    """Where a reaction issues: the action's `timezone`, else the triggering record's (a
    transaction's, a reward's), else the program's `defaultTimezone`. Profiles have none."""
    for given in (arguments.get("timezone"), context.get("timezone")):
        if isinstance(given, str) and given:
            return given
    return await default_timezone()
