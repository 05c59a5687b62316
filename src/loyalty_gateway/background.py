"""Background tasks of a process: the outbox dispatcher with the automations' check, and on
PostgreSQL the LISTEN loop that wakes it and feeds the subscription hub. Each runs under a
supervisor that restarts it if it ever ends, so no error stops reactions for good."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from loyalty_gateway.auth.cache import TOKENS_CHANNEL, token_cache
from loyalty_gateway.core.retry import backoff
from loyalty_gateway.events.hub import LOG_CHANNEL, changes, hub, listen
from loyalty_gateway.events.notify import on_local_notify
from loyalty_gateway.events.outbox import EVENTS_CHANNEL, profile_of
from loyalty_gateway.program.service import seed_program_settings
from loyalty_gateway.reactions.automations import check_forever
from loyalty_gateway.reactions.dispatcher import TASK_PREFIX, Dispatcher
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Background:
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    dispatcher: Dispatcher | None = None
    stop_hearing: Callable[[], None] = lambda: None

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


def _heard_event(dispatcher: Dispatcher | None) -> Callable[[str], None]:
    """What a new event does in this process: wake its dispatcher, and tell the subscribers
    of its profile's balances."""

    def heard(payload: str) -> None:
        if dispatcher is not None:
            dispatcher.notify(payload)
        profile_id = profile_of(payload)
        if profile_id is not None:
            changes.publish(profile_id)

    return heard


async def start_background(settings: Settings, dispatch: bool) -> Background:
    """Seed the program settings on first start, then start this process's tasks."""
    await seed_program_settings(settings.points_to_dollars_rate)
    background = Background(dispatcher=Dispatcher(settings) if dispatch else None)
    dispatcher = background.dispatcher
    if settings.is_postgres:
        channels = {
            LOG_CHANNEL: lambda payload: hub.publish(int(payload)),
            TOKENS_CHANNEL: token_cache.forget,
            EVENTS_CHANNEL: _heard_event(dispatcher),
        }
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
    else:  # no LISTEN on SQLite: events emitted in this process are heard at once
        background.stop_hearing = on_local_notify(EVENTS_CHANNEL, _heard_event(dispatcher))
    if dispatcher is not None:
        background.tasks.append(_start("dispatch", dispatcher.run_forever))
        every = settings.automation_check_seconds
        background.tasks.append(_start("automations", lambda: check_forever(every)))
    return background


async def stop_background(background: Background) -> None:
    background.stop_hearing()
    for task in background.tasks:
        task.cancel()
    for task in background.tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    hub.listening = False
