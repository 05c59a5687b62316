"""Prometheus metrics. Request counts and latencies are counted in this process; the outbox
lag, reaction runs and webhook deliveries are read from the database at each scrape, so they
are the same whichever process answers it."""

import re
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType
from tortoise.connection import get_connection
from tortoise.functions import Count, Min

from loyalty_gateway.core.time import utcnow
from loyalty_gateway.events.models import Event, EventStatus
from loyalty_gateway.reactions.models import ReactionRun, ReactionStep

WEBHOOK_ACTION = "target.send"
OPERATION_NAME = re.compile(r"[^A-Za-z0-9_]")

registry = CollectorRegistry(auto_describe=True)
requests_total = Counter(
    "loyalty_graphql_requests_total",
    "GraphQL operations by operation name, type and outcome "
    "(ok, user_error: a payload carried errors, error: the response carried errors).",
    ["operation", "type", "outcome"],
    registry=registry,
)
operations_by_path = Counter(
    "loyalty_graphql_operations_by_path_total",
    "GraphQL queries and mutations by how they were answered: compiled (one SQL statement "
    "built the data) or resolved (field by field).",
    ["path"],
    registry=registry,
)
request_seconds = Histogram(
    "loyalty_graphql_request_duration_seconds",
    "Time to answer a GraphQL query or mutation, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=registry,
)
outbox_lag = Gauge(
    "loyalty_outbox_lag_seconds",
    "Age of the oldest event still waiting for the dispatcher (0 when none waits).",
    registry=registry,
)
outbox_pending = Gauge(
    "loyalty_outbox_pending_events", "Events waiting for the dispatcher.", registry=registry
)
reaction_runs = Gauge(
    "loyalty_reaction_runs", "Reaction runs recorded, by status.", ["status"], registry=registry
)
webhook_deliveries = Gauge(
    "loyalty_webhook_deliveries",
    "target.send steps recorded, by outcome (step status).",
    ["outcome"],
    registry=registry,
)
pool_connections = Gauge(
    "loyalty_db_pool_connections",
    "This process's PostgreSQL pool: connections open (size) and in use.",
    ["state"],
    registry=registry,
)


def operation_label(name: str | None) -> str:
    """A bounded label: the client chooses operation names."""
    return OPERATION_NAME.sub("_", name)[:64] if name else "anonymous"


def _has_payload_errors(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    return any(isinstance(value, dict) and value.get("errors") for value in data.values())


def record_operation(context: ExecutionContext, started: float) -> None:
    """Count an operation by name, type and outcome, and time it (not subscriptions)."""
    result = context.result
    if context.pre_execution_errors or (result is not None and result.errors):
        outcome = "error"
    elif result is not None and _has_payload_errors(result.data):
        outcome = "user_error"
    else:
        outcome = "ok"
    try:
        kind = context.operation_type
    except RuntimeError:
        kind = None
    name = operation_label(context.operation_name)
    requests_total.labels(name, kind.value if kind else "unknown", outcome).inc()
    if kind is not OperationType.SUBSCRIPTION:
        request_seconds.labels(name).observe(time.perf_counter() - started)


async def _read_database_gauges() -> None:
    rows = (
        await Event.filter(status=EventStatus.PENDING)
        .annotate(oldest=Min("created_at"), count=Count("id"))
        .values("oldest", "count")
    )
    oldest = rows[0]["oldest"] if rows else None
    outbox_pending.set(rows[0]["count"] if rows else 0)
    outbox_lag.set(max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0)
    runs = (
        await ReactionRun.annotate(count=Count("id")).group_by("status").values("status", "count")
    )
    reaction_runs.clear()
    for row in runs:
        reaction_runs.labels(row["status"]).set(row["count"])
    deliveries = (
        await ReactionStep.filter(action=WEBHOOK_ACTION)
        .annotate(count=Count("id"))
        .group_by("status")
        .values("status", "count")
    )
    webhook_deliveries.clear()
    for row in deliveries:
        webhook_deliveries.labels(row["status"]).set(row["count"])
    pool = getattr(get_connection("default"), "_pool", None)
    if pool is not None:
        pool_connections.labels("size").set(pool.get_size())
        pool_connections.labels("in_use").set(pool.get_size() - pool.get_idle_size())


async def metrics_endpoint(_: Request) -> Response:
    await _read_database_gauges()
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
