"""`filter`: stop the run unless `condition` (JSONLogic, evaluated on its own) is true."""

from typing import Any

from loyalty_gateway.core.rules import condition_holds
from loyalty_gateway.reactions.actions.base import Action, Arguments, Context, StopRun
from loyalty_gateway.settings import Settings


def _truth(arguments: Arguments, context: Context) -> bool:
    return condition_holds(arguments.get("condition"), context)


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    if not _truth(arguments, context):
        raise StopRun("condition is false")
    return {"passed": True}


ACTION = Action(name="filter", required=("condition",), run=run, writes=False)
