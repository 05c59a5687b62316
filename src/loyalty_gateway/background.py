"""Background tasks of a process: the outbox dispatcher, and on PostgreSQL the LISTEN loop
that wakes it and feeds the subscription hub."""

import asyncio
import contextlib

from loyalty_gateway.auth.cache import TOKENS_CHANNEL, token_cache
from loyalty_gateway.events.dispatcher import Dispatcher
from loyalty_gateway.events.hub import LOG_CHANNEL, hub, listen
from loyalty_gateway.events.notify import on_local_notify
from loyalty_gateway.events.outbox import EVENTS_CHANNEL
from loyalty_gateway.settings import Settings

TASK_PREFIX = "loyalty-background-"


async def start_background(settings: Settings, dispatch: bool) -> list[asyncio.Task]:
    tasks: list[asyncio.Task] = []
    dispatcher = Dispatcher(settings) if dispatch else None
    if settings.is_postgres:
        channels = {
            LOG_CHANNEL: lambda payload: hub.publish(int(payload)),
            TOKENS_CHANNEL: token_cache.forget,
        }
        if dispatcher is not None:
            channels[EVENTS_CHANNEL] = dispatcher.notify
        ready = asyncio.Event()
        token_cache.ttl_seconds = settings.token_cache_seconds
        listener = listen(settings.database_url, channels, ready, hearing=token_cache.hearing)
        tasks.append(asyncio.create_task(listener, name=f"{TASK_PREFIX}listen"))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 10)
        hub.listening = ready.is_set()
    if dispatcher is not None:
        run = dispatcher.run_forever() if settings.is_postgres else _woken_locally(dispatcher)
        tasks.append(asyncio.create_task(run, name=f"{TASK_PREFIX}dispatch"))
    return tasks


async def _woken_locally(dispatcher: Dispatcher) -> None:
    """On SQLite there is no LISTEN: events emitted in this process wake the dispatcher
    directly, instead of waiting for its next poll."""
    stop = on_local_notify(EVENTS_CHANNEL, dispatcher.notify)
    try:
        await dispatcher.run_forever()
    finally:
        stop()


async def stop_background(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    hub.listening = False
