from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0003_tiers_benefits")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Reaction",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("trigger", fields.CharField(max_length=128)),
                ("description", fields.TextField(null=True, unique=False)),
                ("is_active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "reaction",
                "app": "models",
                "indexes": [Index(fields=["trigger", "is_active"])],
                "pk_attr": "id",
                "table_description": "When `trigger` is emitted, run `actions` in sort order.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReactionAction",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "reaction",
                    fields.ForeignKeyField(
                        "models.Reaction",
                        source_field="reaction_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="actions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("name", fields.CharField(max_length=64)),
                ("sort_order", fields.IntField()),
                ("description", fields.TextField(null=True, unique=False)),
                ("arguments", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "reaction_action",
                "app": "models",
                "unique_together": (("reaction_id", "sort_order"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReactionLogEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("kind", fields.CharField(max_length=16)),
                ("run_id", fields.UUIDField()),
                ("reaction_id", fields.UUIDField(null=True)),
                ("reaction_name", fields.CharField(max_length=255)),
                ("trigger", fields.CharField(max_length=128)),
                ("event_id", fields.BigIntField()),
                ("profile_id", fields.UUIDField(null=True)),
                ("sort_order", fields.IntField(null=True)),
                ("action", fields.CharField(null=True, max_length=64)),
                ("status", fields.CharField(max_length=16)),
                ("message", fields.TextField(null=True, unique=False)),
                ("result", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "reaction_log_entry",
                "app": "models",
                "indexes": [Index(fields=["run_id"])],
                "pk_attr": "id",
                "table_description": "What subscribers of `reactionLog` receive, in id order: run start, each step, run end.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReactionRun",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "reaction",
                    fields.ForeignKeyField(
                        "models.Reaction",
                        source_field="reaction_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="runs",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("reaction_name", fields.CharField(max_length=255)),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="runs",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("trigger", fields.CharField(max_length=128)),
                ("profile_id", fields.UUIDField(null=True)),
                ("status", fields.CharField(max_length=16)),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "finished_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "reaction_run",
                "app": "models",
                "unique_together": (("event_id", "reaction_id"),),
                "indexes": [
                    Index(fields=["reaction_id", "started_at"]),
                    Index(fields=["profile_id", "started_at"]),
                ],
                "pk_attr": "id",
                "table_description": "One reaction run for one event: at most one per (event, reaction).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ReactionStep",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "run",
                    fields.ForeignKeyField(
                        "models.ReactionRun",
                        source_field="run_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="steps",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("sort_order", fields.IntField()),
                ("action", fields.CharField(max_length=64)),
                ("status", fields.CharField(max_length=16)),
                ("arguments", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("result", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("error", fields.TextField(null=True, unique=False)),
                ("duration_ms", fields.IntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "reaction_step",
                "app": "models",
                "unique_together": (("run_id", "sort_order"),),
                "pk_attr": "id",
                "table_description": "One action of a run: what it was given, what it did, how long it took.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Target",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("url", fields.TextField(unique=False)),
                ("template", fields.TextField(unique=False)),
                ("secret", fields.TextField(null=True, unique=False)),
                ("headers", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "target",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An outbound HTTP endpoint and the Jinja2 template of the body `target.send` posts.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="available_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Event",
            name="last_error",
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name="Event",
            name="processed_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
