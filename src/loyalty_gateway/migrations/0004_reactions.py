from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0003_tiers_benefits",
    [
        c.create(
            "Reaction",
            "reaction",
            [
                c.uuid_key(),
                ("name", fields.CharField(max_length=255)),
                ("trigger", fields.CharField(max_length=128)),
                *c.texts("description"),
                *c.flags(is_active=True),
                c.created_at(),
                c.updated_at(),
            ],
            indexes=[Index(fields=["trigger", "is_active"])],
            table_description="When `trigger` is emitted, run `actions` in sort order.",
        ),
        c.create(
            "ReactionAction",
            "reaction_action",
            [
                c.uuid_key(),
                (
                    "reaction",
                    c.link("Reaction", "reaction_id", "actions", OnDelete.CASCADE),
                ),
                ("name", fields.CharField(max_length=64)),
                ("sort_order", fields.IntField()),
                *c.texts("description"),
                c.json("arguments", default=list),
            ],
            unique_together=(("reaction_id", "sort_order"),),
        ),
        c.create(
            "ReactionLogEntry",
            "reaction_log_entry",
            [
                c.serial_key(),
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
                *c.texts("message"),
                c.json("result", null=True),
                c.moment("at", null=False),
            ],
            indexes=[Index(fields=["run_id"])],
            table_description="What subscribers of `reactionLog` receive, in id order: run start, each step, run end.",
        ),
        c.create(
            "ReactionRun",
            "reaction_run",
            [
                c.uuid_key(),
                (
                    "reaction",
                    c.link("Reaction", "reaction_id", "runs", OnDelete.SET_NULL, null=True),
                ),
                ("reaction_name", fields.CharField(max_length=255)),
                (
                    "event",
                    c.link("Event", "event_id", "runs", OnDelete.CASCADE),
                ),
                ("trigger", fields.CharField(max_length=128)),
                ("profile_id", fields.UUIDField(null=True)),
                ("status", fields.CharField(max_length=16)),
                c.moment("started_at", null=False),
                c.moment("finished_at"),
            ],
            unique_together=(("event_id", "reaction_id"),),
            indexes=[
                Index(fields=["reaction_id", "started_at"]),
                Index(fields=["profile_id", "started_at"]),
            ],
            table_description="One reaction run for one event: at most one per (event, reaction).",
        ),
        c.create(
            "ReactionStep",
            "reaction_step",
            [
                c.uuid_key(),
                (
                    "run",
                    c.link("ReactionRun", "run_id", "steps", OnDelete.CASCADE),
                ),
                ("sort_order", fields.IntField()),
                ("action", fields.CharField(max_length=64)),
                ("status", fields.CharField(max_length=16)),
                c.json("arguments", null=True),
                c.json("result", null=True),
                *c.texts("error"),
                ("duration_ms", fields.IntField()),
                c.created_at(),
            ],
            unique_together=(("run_id", "sort_order"),),
            table_description="One action of a run: what it was given, what it did, how long it took.",
        ),
        c.create(
            "Target",
            "target",
            [
                c.uuid_key(),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("url", fields.TextField(unique=False)),
                ("template", fields.TextField(unique=False)),
                *c.texts("secret"),
                c.json("headers", default=dict),
                c.created_at(),
                c.updated_at(),
            ],
            table_description="An outbound HTTP endpoint and the Jinja2 template of the body `target.send` posts.",
        ),
        *c.add(
            "Event",
            c.moment("available_at"),
            *c.texts("last_error"),
            c.moment("processed_at"),
        ),
    ],
)
