"""Automations: reactions fired on a schedule, and the firings that make each one once per
profile and period."""

from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0014_earning",
    [
        c.create(
            "Automation",
            "automation",
            [
                c.uuid_key(),
                (
                    "reaction",
                    c.link(
                        "Reaction", "reaction_id", "automation", OnDelete.CASCADE, one_to_one=True
                    ),
                ),
                ("frequency", fields.CharField(max_length=16)),
                ("hour", fields.IntField()),
                ("weekday", fields.IntField(null=True)),
                ("day", fields.IntField(null=True)),
                ("timezone", fields.CharField(max_length=64)),
                c.json("query"),
                c.moment("last_run_at"),
                ("last_period", fields.CharField(null=True, max_length=16)),
                c.moment("next_run_at", null=False),
                c.created_at(),
                c.updated_at(),
            ],
            indexes=[Index(fields=["next_run_at"])],
            table_description="A reaction fired on a schedule (Omneo's automation): at `hour` local time, daily,",
        ),
        c.create(
            "AutomationFiring",
            "automation_firing",
            [
                c.uuid_key(),
                (
                    "automation",
                    c.link("Automation", "automation_id", "firings", OnDelete.CASCADE),
                ),
                ("profile_id", fields.UUIDField()),
                ("period", fields.CharField(max_length=16)),
                ("event_id", fields.BigIntField()),
                c.created_at(),
            ],
            unique_together=(("automation_id", "profile_id", "period"),),
            table_description="An automation fired for a profile in a period: the unique key that makes it once.",
        ),
    ],
)
