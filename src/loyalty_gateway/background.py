"""Background tasks of a process: the outbox dispatcher, and on PostgreSQL the LISTEN loop
that wakes it and feeds the subscription hub."""

import asyncio
import contextlib

from loyalty_gateway.events.dispatcher import Dispatcher
from loyalty_gateway.events.hub import LOG_CHANNEL, hub, listen
from loyalty_gateway.events.outbox import EVENTS_CHANNEL
from loyalty_gateway.settings import Settings

TASK_PREFIX = "loyalty-background-"


async def start_background(settings: Settings, dispatch: bool) -> list[asyncio.Task]:
    tasks: list[asyncio.Task] = []
    dispatcher = Dispatcher(settings) if dispatch else None
    if settings.is_postgres:
        channels = {LOG_CHANNEL: lambda payload: hub.publish(int(payload))}
        if dispatcher is not None:
            channels[EVENTS_CHANNEL] = dispatcher.notify
        ready = asyncio.Event()
        listener = listen(settings.database_url, channels, ready)
        tasks.append(asyncio.create_task(listener, name=f"{TASK_PREFIX}listen"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 10)
        hub.listening = ready.is_set()
    if dispatcher is not None:
        tasks.append(asyncio.create_task(dispatcher.run_forever(), name=f"{TASK_PREFIX}dispatch"))
    return tasks


async def stop_background(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    hub.listening = False
