"""Fan-out to this process's subscribers: new reaction log entry ids (`hub`), and the
profiles that events were written for (`changes`: their balances may have changed).

On SQLite the engine publishes log ids itself after commit. On PostgreSQL a dedicated asyncpg
connection LISTENs (with reconnect), so a subscriber here also hears of what a worker or
another server process wrote.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

import asyncpg

from loyalty_gateway.core.retry import backoff

log = logging.getLogger(__name__)
LOG_CHANNEL = "loyalty_reaction_log"


T = TypeVar("T")


class Hub(Generic[T]):
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[T]] = set()
        self.listening = False

    def publish(self, item: T) -> None:
        for queue in self._queues:
            queue.put_nowait(item)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[T]]:
        queue: asyncio.Queue[T] = asyncio.Queue()
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)


hub: Hub[int] = Hub()
changes: Hub[str] = Hub()


async def _closed(connection: asyncpg.Connection) -> None:
    closed = asyncio.Event()
    connection.add_termination_listener(lambda _connection: closed.set())
    await closed.wait()


async def listen(
    dsn: str,
    channels: dict[str, Callable[[str], None]],
    ready: asyncio.Event | None = None,
    hearing: Callable[[bool], None] | None = None,
) -> None:
    """LISTEN on each channel and call its handler with the payload; reconnect on failure,
    backing off while connecting keeps failing. `hearing(True)` is called once every channel
    is listened to, `hearing(False)` when the connection is lost: what was sent in between
    was not heard (the dispatcher's poll covers it)."""
    failures = 0
    while True:
        connection = None
        try:
            connection = await asyncpg.connect(dsn)
            for channel, handler in channels.items():
                await connection.add_listener(
                    channel, lambda _c, _pid, _ch, payload, handler=handler: handler(payload)
                )
            failures = 0
            if hearing is not None:
                hearing(True)
            if ready is not None:
                ready.set()
            await _closed(connection)
            log.warning("LISTEN connection closed; reconnecting")
        except asyncio.CancelledError:
            raise
        except Exception:
            failures += 1
            log.warning("LISTEN connection failed (%s in a row)", failures, exc_info=True)
        finally:
            if connection is not None and not connection.is_closed():
                await connection.close()
            _lost(hearing)
        await asyncio.sleep(backoff(failures))


def _lost(hearing: Callable[[bool], None] | None) -> None:
    if hearing is not None:
        hearing(False)
