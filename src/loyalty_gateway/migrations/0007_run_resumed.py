from tortoise import fields

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0006_search_indexes",
    [
        *c.add("ReactionLogEntry", ("resumed", fields.BooleanField(default=False))),
    ],
)
