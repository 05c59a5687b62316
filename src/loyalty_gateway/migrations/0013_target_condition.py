"""Targets keep a description and a condition (JSONLogic) under which they send."""

from tortoise import fields

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0012_run_listing_index",
    [
        *c.add(
            "Target",
            ("description", fields.TextField(null=True)),
            ("condition", fields.JSONField(null=True)),
        ),
    ],
)
