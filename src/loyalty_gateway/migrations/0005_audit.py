from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0004_reactions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("actor", fields.CharField(max_length=16)),
                ("token_id", fields.UUIDField(null=True)),
                ("profile_id", fields.UUIDField(null=True)),
                ("operation", fields.CharField(max_length=64)),
                ("ids", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("outcome", fields.CharField(max_length=16)),
                ("error_codes", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "audit_entry",
                "app": "models",
                "indexes": [Index(fields=["token_id", "id"]), Index(fields=["operation", "id"])],
                "pk_attr": "id",
                "table_description": "One mutation: who ran it, what it touched, when, and how it ended.",
            },
            bases=["Model"],
        ),
    ]
