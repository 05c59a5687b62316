"""Replaying the reaction log to a subscriber: what is stored after an id, then each new entry
once, in id order."""

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable

from loyalty_gateway.reactions.models import ReactionLogEntry

RESCAN = 200


async def newest_entry_id() -> int:
    """The id a subscriber without `afterId` starts after: the newest stored, or 0."""
    newest = await ReactionLogEntry.all().order_by("-id").first()
    return newest.id if newest else 0


async def entries_after(
    start: int,
    filters: dict[str, object],
    woken: "asyncio.Queue[int]",
    check_seconds: float,
    between: Callable[[], Awaitable[None]],
) -> AsyncGenerator[ReactionLogEntry, None]:
    """Stored entries after `start` matching `filters`, then each new one once, in id order.
    `woken` receives the ids of committed entries; without one, the log is read again every
    `check_seconds`, and `between` runs before each read (the caller checks its principal).

    Two writers can commit ids out of order, so each read also looks back RESCAN ids
    and skips the ones already sent.
    """
    sent: deque[int] = deque(maxlen=4 * RESCAN)
    last = start
    while True:
        floor = max(start, last - RESCAN)
        for entry in await ReactionLogEntry.filter(id__gt=floor, **filters).order_by("id"):
            if entry.id in sent:
                continue
            sent.append(entry.id)
            last = max(last, entry.id)
            yield entry
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.get(), check_seconds)
        await between()
        while not woken.empty():
            woken.get_nowait()
