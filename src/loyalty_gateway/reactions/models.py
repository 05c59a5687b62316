from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

from loyalty_gateway.balances.models import Stamped

if TYPE_CHECKING:
    from loyalty_gateway.events.models import Event


class RunStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    STOPPED = "STOPPED"  # a filter said no
    FAILED = "FAILED"


class StepStatus(StrEnum):
    PASSED = "PASSED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class LogStatus(StrEnum):
    """What a log entry reports: its run's status, or on STEP entries its step's. Every value
    of RunStatus and StepStatus, once (a test holds them together)."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    STOPPED = "STOPPED"
    FAILED = "FAILED"
    PASSED = "PASSED"
    SKIPPED = "SKIPPED"


class LogKind(StrEnum):
    RUN_STARTED = "RUN_STARTED"
    STEP = "STEP"
    RUN_FINISHED = "RUN_FINISHED"


class Reaction(Model, Stamped):
    """When `trigger` is emitted, run `actions` in sort order."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=255)
    trigger = fields.CharField(max_length=128)
    description = fields.TextField(null=True)
    is_active = fields.BooleanField(default=True)

    class Meta:
        table = "reaction"
        indexes = (("trigger", "is_active"),)


class ReactionAction(Model):
    id = fields.UUIDField(primary_key=True)
    reaction: fields.ForeignKeyRelation["Reaction"] = fields.ForeignKeyField(
        "models.Reaction", related_name="actions", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    sort_order = fields.IntField()
    description = fields.TextField(null=True)
    arguments: Any = fields.JSONField(default=list)

    reaction_id: str

    class Meta:
        table = "reaction_action"
        unique_together = (("reaction_id", "sort_order"),)


class Target(Model, Stamped):
    """An outbound HTTP endpoint and the Jinja2 template of the body `target.send` posts.

    It sends only when its `condition` holds (none: always)."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=255)
    handle = fields.CharField(max_length=255, unique=True)
    url = fields.TextField()
    template = fields.TextField()
    secret = fields.TextField(null=True)
    headers: Any = fields.JSONField(default=dict)
    description = fields.TextField(null=True)
    condition: Any = fields.JSONField(null=True)  # JSONLogic: send only when it holds

    class Meta:
        table = "target"


class ReactionRun(Model):
    """One reaction run for one event: at most one per (event, reaction)."""

    id = fields.UUIDField(primary_key=True)
    reaction: fields.ForeignKeyNullableRelation["Reaction"] = fields.ForeignKeyField(
        "models.Reaction", related_name="runs", null=True, on_delete=fields.SET_NULL
    )
    reaction_name = fields.CharField(max_length=255)
    event: fields.ForeignKeyRelation["Event"] = fields.ForeignKeyField(
        "models.Event", related_name="runs", on_delete=fields.CASCADE
    )
    trigger = fields.CharField(max_length=128)
    profile_id = fields.UUIDField(null=True)
    status = fields.CharField(max_length=16)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    reaction_id: str | None
    event_id: int

    class Meta:
        table = "reaction_run"
        unique_together = (("event_id", "reaction_id"),)
        # the last one for `reactionRuns` unfiltered, newest first (RUN_ORDER)
        indexes = (
            ("reaction_id", "started_at"),
            ("profile_id", "started_at"),
            ("started_at", "id"),
        )


class ReactionStep(Model):
    """One action of a run: what it was given, what it did, how long it took."""

    id = fields.UUIDField(primary_key=True)
    run: fields.ForeignKeyRelation["ReactionRun"] = fields.ForeignKeyField(
        "models.ReactionRun", related_name="steps", on_delete=fields.CASCADE
    )
    sort_order = fields.IntField()
    action = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16)
    arguments: Any = fields.JSONField(null=True)
    result: Any = fields.JSONField(null=True)
    error = fields.TextField(null=True)
    duration_ms = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    run_id: str

    class Meta:
        table = "reaction_step"
        unique_together = (("run_id", "sort_order"),)


class ReactionLogEntry(Model):
    """What subscribers of `reactionLog` receive, in id order: run start, each step, run end."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    run_id = fields.UUIDField()
    reaction_id = fields.UUIDField(null=True)
    reaction_name = fields.CharField(max_length=255)
    trigger = fields.CharField(max_length=128)
    event_id = fields.BigIntField()
    profile_id = fields.UUIDField(null=True)
    sort_order = fields.IntField(null=True)
    action = fields.CharField(max_length=64, null=True)
    status = fields.CharField(max_length=16)
    message = fields.TextField(null=True)
    result: Any = fields.JSONField(null=True)
    at = fields.DatetimeField()
    resumed = fields.BooleanField(default=False)  # a RUN_STARTED of a run taken up again

    class Meta:
        table = "reaction_log_entry"
        indexes = (("run_id",),)


class Automation(Model, Stamped):
    """A reaction fired on a schedule (Omneo's automation): at `hour` local time, daily,
    weekly (on `weekday`, 1 = Monday) or monthly (on `day`, or a shorter month's last day),
    for each profile its `query` holds for, at most once per profile and period. Its name,
    actions and `isActive` are its reaction's, whose trigger is `automation.<id>`."""

    id = fields.UUIDField(primary_key=True)
    reaction: fields.OneToOneRelation["Reaction"] = fields.OneToOneField(
        "models.Reaction", related_name="automation", on_delete=fields.CASCADE
    )
    frequency = fields.CharField(max_length=16)  # Frequency's values
    hour = fields.IntField()
    weekday = fields.IntField(null=True)
    day = fields.IntField(null=True)
    timezone = fields.CharField(max_length=64)
    query: Any = fields.JSONField()
    last_run_at = fields.DatetimeField(null=True)
    last_period = fields.CharField(max_length=16, null=True)
    next_run_at = fields.DatetimeField()

    reaction_id: str

    class Meta:
        table = "automation"
        indexes = (("next_run_at",),)


class AutomationFiring(Model):
    """An automation fired for a profile in a period: the unique key that makes it once."""

    id = fields.UUIDField(primary_key=True)
    automation: fields.ForeignKeyRelation["Automation"] = fields.ForeignKeyField(
        "models.Automation", related_name="firings", on_delete=fields.CASCADE
    )
    profile_id = fields.UUIDField()
    period = fields.CharField(max_length=16)
    event_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    automation_id: str

    class Meta:
        table = "automation_firing"
        unique_together = (("automation_id", "profile_id", "period"),)
