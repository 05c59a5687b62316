"""Automations: reactions fired on a schedule, and the firings that make each one once per
profile and period."""

from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0014_earning")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Automation",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "reaction",
                    fields.OneToOneField(
                        "models.Reaction",
                        source_field="reaction_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="automation",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("frequency", fields.CharField(max_length=16)),
                ("hour", fields.IntField()),
                ("weekday", fields.IntField(null=True)),
                ("day", fields.IntField(null=True)),
                ("timezone", fields.CharField(max_length=64)),
                ("query", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                (
                    "last_run_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_period", fields.CharField(null=True, max_length=16)),
                ("next_run_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "automation",
                "app": "models",
                "indexes": [Index(fields=["next_run_at"])],
                "pk_attr": "id",
                "table_description": "A reaction fired on a schedule (Omneo's automation): at `hour` local time, daily,",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="AutomationFiring",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "automation",
                    fields.ForeignKeyField(
                        "models.Automation",
                        source_field="automation_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="firings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("profile_id", fields.UUIDField()),
                ("period", fields.CharField(max_length=16)),
                ("event_id", fields.BigIntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "automation_firing",
                "app": "models",
                "unique_together": (("automation_id", "profile_id", "period"),),
                "pk_attr": "id",
                "table_description": "An automation fired for a profile in a period: the unique key that makes it once.",
            },
            bases=["Model"],
        ),
    ]
