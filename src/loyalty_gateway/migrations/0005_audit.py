from tortoise import fields
from tortoise.indexes import Index

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0004_reactions",
    [
        c.create(
            "AuditEntry",
            "audit_entry",
            [
                c.serial_key(),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("actor", fields.CharField(max_length=16)),
                ("token_id", fields.UUIDField(null=True)),
                ("profile_id", fields.UUIDField(null=True)),
                ("operation", fields.CharField(max_length=64)),
                c.json("ids", default=list),
                ("outcome", fields.CharField(max_length=16)),
                c.json("error_codes", default=list),
            ],
            indexes=[Index(fields=["token_id", "id"]), Index(fields=["operation", "id"])],
            table_description="One mutation: who ran it, what it touched, when, and how it ended.",
        ),
    ],
)
