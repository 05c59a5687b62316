"""Automations: reactions fired on a schedule for the profiles a query picks.

A run goes through the profiles in batches. Each batch is one transaction that holds the
automation's row lock, skips the profiles already fired in the period, and for each profile
the query holds for writes the event its reaction runs on and the firing row that is unique
per (automation, profile, period); so two workers running the same automation, or a run taken
up again after a crash, fire each profile once. The events then go through the outbox like
any other: runs, steps, `reactionLog`, `/monitor` and `retryEvent` are the reactions' own.
A run that was due while no worker ran is not made up: the next check runs the current
period.
"""

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import uuid4

from tortoise.functions import Min
from tortoise.transactions import in_transaction

from loyalty_gateway.balances.lots import REWARD_LOTS
from loyalty_gateway.core.errors import ErrorCode, UserError, require_uuid
from loyalty_gateway.core.rules import check_rule, condition_holds
from loyalty_gateway.core.time import as_aware, utcnow, zone
from loyalty_gateway.db.rows import find_row
from loyalty_gateway.events import outbox
from loyalty_gateway.profiles.context import profile_contexts
from loyalty_gateway.profiles.models import Profile
from loyalty_gateway.program.service import default_timezone
from loyalty_gateway.reactions import service as reactions
from loyalty_gateway.reactions.models import Automation, AutomationFiring
from loyalty_gateway.reactions.profile_facts import AUTOMATION_PREFIX, QUERY_KEYS, facts
from loyalty_gateway.reactions.schedule import Frequency, Schedule
from loyalty_gateway.rewards.models import Reward

log = logging.getLogger(__name__)
BATCH = 200
SCHEDULE_FIELDS = ("frequency", "hour", "weekday", "day", "timezone")


@dataclass
class AutomationInput:
    name: str
    frequency: Frequency
    hour: int
    query: Any
    actions: list[reactions.ActionInput]
    weekday: int | None = None
    day: int | None = None
    timezone: str | None = None
    description: str | None = None
    is_active: bool = True


def schedule_of(automation: Automation) -> Schedule:
    return Schedule(
        Frequency(automation.frequency),
        automation.hour,
        zone(automation.timezone),
        automation.weekday,
        automation.day,
    )


def _check_query(query: Any) -> None:
    check_rule(query, "query", QUERY_KEYS)


async def create_automation(data: AutomationInput) -> Automation:
    timezone = data.timezone or await default_timezone()
    schedule = Schedule(data.frequency, data.hour, zone(timezone), data.weekday, data.day)
    schedule.check()
    _check_query(data.query)
    automation_id = uuid4()
    async with in_transaction():
        reaction = await reactions.create_reaction(
            data.name,
            f"{AUTOMATION_PREFIX}a{automation_id.hex}",
            data.is_active,
            data.actions,
            data.description,
            automation=True,
        )
        return await Automation.create(
            id=automation_id,
            reaction=reaction,
            frequency=data.frequency.value,
            hour=data.hour,
            weekday=data.weekday,
            day=data.day,
            timezone=timezone,
            query=data.query,
            next_run_at=schedule.next_after(utcnow()),
        )


async def find_automation(automation_id: str, field: str = "id") -> Automation:
    return await find_row(Automation, automation_id, "automation", field)


async def update_automation(
    automation_id: str, fields: dict[str, Any], actions: list[reactions.ActionInput] | None
) -> Automation:
    """Change what is given: the schedule and query here, the name, description, actions and
    `isActive` on its reaction. A new schedule runs next at its own next time."""
    if "query" in fields:
        _check_query(fields["query"])
    if isinstance(fields.get("frequency"), Frequency):
        fields = {**fields, "frequency": fields["frequency"].value}
    async with in_transaction():
        automation = await Automation.select_for_update().get_or_none(
            id=require_uuid(automation_id, "id")
        )
        if automation is None:
            raise UserError(ErrorCode.NOT_FOUND, f"No automation {automation_id}", "id")
        own = {k: v for k, v in fields.items() if k in (*SCHEDULE_FIELDS, "query")}
        if own.get("timezone", "") is None:
            own["timezone"] = await default_timezone()
        automation.update_from_dict(own)
        schedule = schedule_of(automation)
        schedule.check()
        if own.keys() & set(SCHEDULE_FIELDS):
            automation.next_run_at = schedule.next_after(utcnow())
        await automation.save()
        shared = {k: v for k, v in fields.items() if k in ("name", "description", "is_active")}
        if shared or actions is not None:
            await reactions.update_reaction(str(automation.reaction_id), shared, actions)
    return automation


async def delete_automation(automation_id: str) -> Automation:
    """Delete an automation and its reaction; past runs stay."""
    automation = await find_automation(automation_id)
    await reactions.delete_reaction(str(automation.reaction_id))
    return automation


async def list_automations() -> list[Automation]:
    return await Automation.all().prefetch_related("reaction").order_by("created_at", "id")


@dataclass(frozen=True)
class AutomationRun:
    automation: Automation
    period: str
    event_ids: list[int]


async def _next_expiries(profile_ids: list[str], now: datetime) -> dict[str, datetime]:
    """Each profile's earliest expiry among its live rewards."""
    rows = (
        await Reward.filter(REWARD_LOTS.active_q(now), profile_id__in=profile_ids)
        .annotate(first=Min("expires_at"))
        .group_by("profile_id")
        .values("profile_id", "first")
    )
    return {str(row["profile_id"]): row["first"] for row in rows if row["first"] is not None}


async def _fire_batch(
    automation: Automation, profiles: list[Profile], now: datetime, period: str
) -> list[int]:
    schedule = schedule_of(automation)
    today = schedule.local_date(now)
    reaction = automation.reaction
    fired: list[int] = []
    async with in_transaction():
        await Automation.select_for_update().get(id=automation.id)  # one run at a time
        ids = [str(profile.id) for profile in profiles]
        done = await AutomationFiring.filter(
            automation_id=automation.id, period=period, profile_id__in=ids
        ).values_list("profile_id", flat=True)
        skipped = {str(profile_id) for profile_id in done}
        expiries = await _next_expiries(ids, now)
        waiting = [profile for profile in profiles if str(profile.id) not in skipped]
        contexts = await profile_contexts(waiting)
        for profile in waiting:
            expiry = expiries.get(str(profile.id))
            local_expiry: date | None = (
                expiry.astimezone(schedule.timezone).date() if expiry else None
            )
            context = {
                **contexts[str(profile.id)],
                **facts(profile.birth_date, today, local_expiry),
            }
            if not condition_holds(automation.query, context):
                continue
            about = {"id": str(automation.id), "name": reaction.name, "period": period}
            context["automation"] = about
            event_id = await outbox.emit(reaction.trigger, context, str(profile.id))
            await AutomationFiring.create(
                automation_id=automation.id, profile_id=profile.id, period=period, event_id=event_id
            )
            fired.append(event_id)
    return fired


async def fire(automation: Automation, now: datetime) -> AutomationRun:
    """Run the automation for the period `now` falls in: fire each profile the query holds
    for and that was not fired in that period yet."""
    period = schedule_of(automation).period(now)
    await automation.fetch_related("reaction")
    fired: list[int] = []
    after: Any = None
    while True:
        query = Profile.all().order_by("id").limit(BATCH)
        if after is not None:
            query = query.filter(id__gt=after)
        batch = await query
        if not batch:
            break
        fired += await _fire_batch(automation, batch, now, period)
        after = batch[-1].id
    current = utcnow()
    async with in_transaction():
        row = await Automation.select_for_update().get(id=automation.id)
        row.last_run_at, row.last_period = current, period
        if row.next_run_at <= current:
            row.next_run_at = schedule_of(row).next_after(current)
        await row.save(update_fields=["last_run_at", "last_period", "next_run_at", "updated_at"])
    return AutomationRun(row, period, fired)


async def trigger_automation(automation_id: str, now: datetime | None) -> AutomationRun:
    """`triggerAutomation`: run it now, or as if at `now` (its period and its `today`; without
    an offset, local time in the automation's zone)."""
    automation = await find_automation(automation_id)
    moment = as_aware(now, zone(automation.timezone), "now") if now is not None else utcnow()
    return await fire(automation, moment)


async def check_forever(every_seconds: float) -> None:
    """Run what is due, then again every `every_seconds` (the background task of every
    process that dispatches)."""
    while True:
        await run_due(utcnow())
        await asyncio.sleep(every_seconds)


async def run_due(now: datetime) -> list[AutomationRun]:
    """Run each active automation whose time has come (`automation_check_seconds` apart)."""
    due = await Automation.filter(next_run_at__lte=now, reaction__is_active=True).order_by(
        "next_run_at"
    )
    runs = []
    for automation in due:
        runs.append(await fire(automation, now))
        log.info("Automation %s ran for %s: %d fired", automation.id, runs[-1].period,
                 len(runs[-1].event_ids))  # fmt: skip
    return runs
