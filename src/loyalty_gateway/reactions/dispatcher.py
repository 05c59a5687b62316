"""Consumes the outbox: claims pending events, runs their reactions, retries failures.

On PostgreSQL any number of workers claim with `FOR UPDATE SKIP LOCKED` and wake on
LISTEN/NOTIFY (on SQLite, on an in-process call); idle, a worker also wakes when the next
retry or lease falls due, and polls as a fallback (all it has while LISTEN is down). A claim
is a lease: an event whose worker died is claimed again when the lease runs out, and its runs
resume where they stopped.

Events run concurrently, up to `DISPATCHER_CONCURRENCY` per process, each in its own task,
so one that waits on a slow webhook holds up nothing else; a profile's events run one at a
time in the order they were written (a claim skips an event while an earlier one of its
profile is unfinished). A database error never ends the loop: it waits, backing off, and
looks again.
"""

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta
from typing import cast

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from loyalty_gateway.core.retry import backoff
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.db.rows import placeholder
from loyalty_gateway.events.models import Event, EventStatus
from loyalty_gateway.reactions.engine import process_event
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)
TASK_PREFIX = "loyalty-background-"  # the names of background tasks (tests leave them out)
RECORD_ATTEMPTS = 6  # about 15 s of backoff


def _claim_sql(dialect: str, running: int) -> str:
    """Take up to `limit` due events as leases: pending ones whose retry is due and
    processing ones whose lease ran out, never one whose profile has an earlier unfinished
    event, nor one this process runs already. Parameters: lease end, now, limit, then the
    ids running here."""
    lease, now, limit = (placeholder(dialect, i) for i in (1, 2, 3))
    mine = ", ".join(placeholder(dialect, 4 + i) for i in range(running))
    not_mine = f"AND e.id NOT IN ({mine})" if running else ""
    lock = "FOR UPDATE SKIP LOCKED" if dialect == "postgres" else ""
    return f"""
UPDATE event
  SET status = '{EventStatus.PROCESSING}', attempts = attempts + 1, available_at = {lease}
WHERE id IN (
  SELECT e.id FROM event e
  WHERE (e.status = '{EventStatus.PENDING}' AND (e.available_at IS NULL OR e.available_at <= {now})
         OR e.status = '{EventStatus.PROCESSING}' AND e.available_at <= {now})
    {not_mine}
    AND NOT EXISTS (SELECT 1 FROM event b WHERE b.profile_id = e.profile_id AND b.id < e.id
                    AND b.status IN ('{EventStatus.PENDING}', '{EventStatus.PROCESSING}'))
  ORDER BY e.id LIMIT {limit} {lock})
RETURNING *"""


async def _record(event_id: int, **outcome: object) -> None:
    """Write an event's outcome, trying again for a few seconds while the database is away:
    until it is written the event is leased and its profile's later events wait."""
    for failures in range(1, RECORD_ATTEMPTS + 1):
        try:
            await Event.filter(id=event_id).update(**outcome)
            return
        except Exception:
            if failures == RECORD_ATTEMPTS:
                raise
            await asyncio.sleep(backoff(failures))


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.wake = asyncio.Event()
        self.running: dict[int, asyncio.Task[None]] = {}
        self.last_progress = time.monotonic()

    def notify(self, _payload: str = "") -> None:
        self.wake.set()

    def stalled_seconds(self) -> float:
        """How long since the loop last looked for events or finished one."""
        return time.monotonic() - self.last_progress

    async def claim(self, limit: int) -> list[Event]:
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.event_lease_seconds)
        running = list(self.running)
        async with in_transaction() as connection:
            sql = _claim_sql(connection.capabilities.dialect, len(running))
            rows = await connection.execute_query_dict(sql, [lease, now, limit, *running])
        # Built from what the claim returned: a second read that failed would leave the
        # events leased to nobody until the lease ran out.
        return sorted((Event._init_from_db(**row) for row in rows), key=lambda e: e.id)

    async def handle(self, event: Event) -> None:
        try:
            await process_event(event, self.settings)
        except Exception as error:
            log.exception(
                "event %s (%s) failed on attempt %s", event.id, event.name, event.attempts
            )
            parked = event.attempts >= self.settings.event_max_attempts
            await _record(
                event.id,
                status=EventStatus.FAILED if parked else EventStatus.PENDING,
                available_at=None if parked else utcnow() + timedelta(seconds=2**event.attempts),
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
            return
        await _record(
            event.id,
            status=EventStatus.DONE,
            processed_at=utcnow(),
            available_at=None,
            last_error=None,
        )

    async def _handle_logged(self, event: Event) -> None:
        """`handle` in its own task: an error recording the outcome (the database gone) is
        logged, and the event's lease brings it back."""
        try:
            await self.handle(event)
        except Exception:
            log.exception("event %s: its outcome could not be recorded", event.id)
        finally:
            self.running.pop(event.id, None)
            self.last_progress = time.monotonic()
            self.wake.set()  # a slot is free

    async def run_once(self) -> int:
        """Claim what there is room for and start each event in its own task; return how
        many were claimed."""
        room = self.settings.dispatcher_concurrency - len(self.running)
        if room <= 0:
            return 0
        events = await self.claim(room)
        for event in events:
            self.running[event.id] = asyncio.create_task(
                self._handle_logged(event), name=f"{TASK_PREFIX}event-{event.id}"
            )
        return len(events)

    async def run_forever(self) -> None:
        failures = 0
        try:
            while True:
                # Cleared before looking, not after: a wake-up that arrives while we look
                # must start the next look at once, not wait for the poll.
                self.wake.clear()
                try:
                    claimed = await self.run_once()
                    room = self.settings.dispatcher_concurrency - len(self.running)
                    wait = 0.0 if claimed and room > 0 else await self.idle_seconds()
                    failures = 0
                    self.last_progress = time.monotonic()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    failures += 1
                    log.exception("dispatcher: looking for events failed (%s in a row)", failures)
                    await asyncio.sleep(backoff(failures))
                    continue
                if wait > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), wait)
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Cancel the events in flight (their leases bring them back)."""
        tasks = list(self.running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def idle_seconds(self) -> float:
        """How long to wait for a wake-up: until the next retry or lease falls due, at most
        the poll interval (the fallback for wake-ups that never come)."""
        poll = self.settings.dispatcher_poll_seconds
        now = utcnow()
        upcoming = cast(
            "datetime | None",
            await Event.filter(
                status__in=[EventStatus.PENDING, EventStatus.PROCESSING], available_at__gt=now
            )
            .order_by("available_at")
            .first()
            .values_list("available_at", flat=True),
        )
        if upcoming is None:
            return poll
        return min(poll, max(0.0, (upcoming - now).total_seconds()))

    async def events_waiting(self) -> bool:
        """Whether an event is due now that nobody holds."""
        due = Q(available_at=None) | Q(available_at__lte=utcnow())
        return await Event.filter(Q(status=EventStatus.PENDING) & due).exists()
