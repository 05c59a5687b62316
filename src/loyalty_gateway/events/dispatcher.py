"""Consumes the outbox: claims pending events, runs their reactions, retries failures.

On PostgreSQL any number of workers claim with `FOR UPDATE SKIP LOCKED` and wake on
LISTEN/NOTIFY (on SQLite, on an in-process call); idle, a worker also wakes when the next
retry or lease falls due, and polls as a fallback. A claim is a lease: an event whose worker died is
claimed again when the lease runs out, and its runs resume where they stopped.
"""

import asyncio
import contextlib
import logging
from datetime import timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.events.models import Event
from loyalty_gateway.events.notify import notify
from loyalty_gateway.events.outbox import EVENTS_CHANNEL
from loyalty_gateway.reactions.engine import process_event
from loyalty_gateway.reactions.models import ReactionRun, ReactionStep
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)
PENDING, PROCESSING, DONE, FAILED = "PENDING", "PROCESSING", "DONE", "FAILED"
BATCH = 20


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.wake = asyncio.Event()

    def notify(self, _payload: str = "") -> None:
        self.wake.set()

    async def claim(self) -> list[Event]:
        now = utcnow()
        due = Q(available_at=None) | Q(available_at__lte=now)
        async with in_transaction():
            rows = (
                await Event.filter(
                    Q(status=PENDING) & due | Q(status=PROCESSING, available_at__lte=now)
                )
                .order_by("id")
                .limit(BATCH)
                .select_for_update(skip_locked=True)
            )
            ids = [row.id for row in rows]
            if ids:
                await Event.filter(id__in=ids).update(
                    status=PROCESSING,
                    attempts=F("attempts") + 1,
                    available_at=now + timedelta(seconds=self.settings.event_lease_seconds),
                )
        return await Event.filter(id__in=ids).order_by("id") if ids else []

    async def handle(self, event: Event) -> None:
        try:
            await process_event(event)
        except Exception as error:
            log.exception(
                "event %s (%s) failed on attempt %s", event.id, event.name, event.attempts
            )
            parked = event.attempts >= self.settings.event_max_attempts
            await Event.filter(id=event.id).update(
                status=FAILED if parked else PENDING,
                available_at=None if parked else utcnow() + timedelta(seconds=2**event.attempts),
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
            return
        await Event.filter(id=event.id).update(
            status=DONE, processed_at=utcnow(), available_at=None, last_error=None
        )

    async def run_once(self) -> int:
        """Claim and handle one batch; return how many events it held."""
        events = await self.claim()
        for event in events:
            await self.handle(event)
        return len(events)

    async def run_forever(self) -> None:
        while True:
            # Cleared before looking, not after: a wake-up that arrives while a batch runs
            # must start the next look at once, not wait for the poll.
            self.wake.clear()
            try:
                handled = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher batch failed")
                handled = 0
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), await self.idle_seconds())

    async def idle_seconds(self) -> float:
        """How long to wait for a wake-up: until the next retry or lease falls due, at most
        the poll interval (the fallback for wake-ups that never come)."""
        poll = self.settings.dispatcher_poll_seconds
        now = utcnow()
        upcoming = (
            await Event.filter(status__in=[PENDING, PROCESSING], available_at__gt=now)
            .order_by("available_at")
            .first()
            .values_list("available_at", flat=True)
        )
        if upcoming is None:
            return poll
        return min(poll, max(0.0, (upcoming - now).total_seconds()))


async def retry_event(event_id: int) -> Event | None:
    """Queue a failed event again; its failed runs resume from the failed step."""
    async with in_transaction():
        event = await Event.get_or_none(id=event_id)
        if event is None:
            return None
        failed = await ReactionRun.filter(event_id=event.id, status="FAILED")
        for run in failed:
            await ReactionStep.filter(run_id=run.id, status="FAILED").delete()
            run.status = "RUNNING"
            run.finished_at = None
            await run.save(update_fields=["status", "finished_at"])
        event.status = PENDING
        event.available_at = None
        event.attempts = 0
        await event.save(update_fields=["status", "available_at", "attempts"])
        await notify(EVENTS_CHANNEL, str(event.id))
    return event
