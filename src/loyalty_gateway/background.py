"""Background tasks of a process: the outbox dispatcher, and on PostgreSQL the LISTEN loop
that wakes it and feeds the subscription hub. Each runs under a supervisor that restarts it
if it ever ends, so no error stops reactions for good."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from loyalty_gateway.auth.cache import TOKENS_CHANNEL, token_cache
from loyalty_gateway.core.retry import backoff
from loyalty_gateway.events.hub import LOG_CHANNEL, hub, listen
from loyalty_gateway.events.notify import on_local_notify
from loyalty_gateway.events.outbox import EVENTS_CHANNEL
from loyalty_gateway.reactions.dispatcher import TASK_PREFIX, Dispatcher
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Background:
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    dispatcher: Dispatcher | None = None

    async def dispatcher_stalled(self, stall_seconds: float) -> float | None:
        """Seconds without progress, when this process dispatches, has made none for
        `stall_seconds` and events are waiting; else None."""
        if self.dispatcher is None:
            return None
        stalled = self.dispatcher.stalled_seconds()
        if stalled < stall_seconds or not await self.dispatcher.events_waiting():
            return None
        return stalled


async def supervise(name: str, loop: Callable[[], Awaitable[None]]) -> None:
    """Run `loop` for ever: restart it, backing off, whenever it ends or dies."""
    failures = 0
    while True:
        try:
            await loop()
            log.error("%s ended; restarting it", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s died; restarting it", name)
        failures += 1
        await asyncio.sleep(backoff(failures))


def _start(name: str, loop: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
    return asyncio.create_task(supervise(name, loop), name=f"{TASK_PREFIX}{name}")


async def start_background(settings: Settings, dispatch: bool) -> Background:
    background = Background(dispatcher=Dispatcher(settings) if dispatch else None)
    dispatcher = background.dispatcher
    if settings.is_postgres:
        channels = {
            LOG_CHANNEL: lambda payload: hub.publish(int(payload)),
            TOKENS_CHANNEL: token_cache.forget,
        }
        if dispatcher is not None:
            channels[EVENTS_CHANNEL] = dispatcher.notify
        ready = asyncio.Event()
        token_cache.ttl_seconds = settings.token_cache_seconds
        background.tasks.append(
            _start(
                "listen",
                lambda: listen(settings.database_url, channels, ready, hearing=token_cache.hearing),
            )
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 10)
        hub.listening = ready.is_set()
    if dispatcher is not None:
        run = dispatcher.run_forever if settings.is_postgres else lambda: _woken_locally(dispatcher)
        background.tasks.append(_start("dispatch", run))
    return background


async def _woken_locally(dispatcher: Dispatcher) -> None:
    """On SQLite there is no LISTEN: events emitted in this process wake the dispatcher
    directly, instead of waiting for its next poll."""
    stop = on_local_notify(EVENTS_CHANNEL, dispatcher.notify)
    try:
        await dispatcher.run_forever()
    finally:
        stop()


async def stop_background(background: Background) -> None:
    for task in background.tasks:
        task.cancel()
    for task in background.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    hub.listening = False
