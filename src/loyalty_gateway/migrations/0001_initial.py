from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


# CreateModel ignores CHECK constraints in tortoise-orm 1.1.9, so they are added
# by AddConstraint operations after the tables exist. On SQLite AddConstraint rebuilds the
# table and drops its indexes, so those tables' indexes are added last.
class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="ApiToken",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("prefix", fields.CharField(max_length=16)),
                ("scopes", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "api_token",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A bearer token, of which only the SHA-256 digest is stored.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Event",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("name", fields.CharField(max_length=128)),
                ("profile_id", fields.UUIDField(null=True)),
                ("context", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("depth", fields.IntField(default=0)),
                ("status", fields.CharField(default="PENDING", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "event",
                "app": "models",
                "indexes": [Index(fields=["status", "id"])],
                "pk_attr": "id",
                "table_description": "An outbox row, written in the same transaction as the change it announces.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="IdempotencyRecord",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("operation", fields.CharField(max_length=64)),
                ("key", fields.CharField(max_length=255)),
                ("request_hash", fields.CharField(max_length=64)),
                ("result", fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "idempotency_record",
                "app": "models",
                "unique_together": (("operation", "key"),),
                "pk_attr": "id",
                "table_description": "The first outcome of an (operation, key) pair, replayed on retries.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Profile",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("first_name", fields.CharField(null=True, max_length=255)),
                ("last_name", fields.CharField(null=True, max_length=255)),
                ("email", fields.CharField(max_length=320)),
                ("email_normalized", fields.CharField(unique=True, max_length=320)),
                ("mobile_phone", fields.CharField(null=True, max_length=64)),
                ("birth_date", fields.DateField(null=True)),
                ("gender", fields.CharField(null=True, max_length=32)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("external_id", fields.CharField(null=True, unique=True, max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "profile",
                "app": "models",
                "indexes": [Index(fields=["created_at", "id"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PointLot",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "profile",
                    fields.ForeignKeyField(
                        "models.Profile",
                        source_field="profile_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="point_lots",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("points_initial", fields.BigIntField()),
                ("points_remaining", fields.BigIntField()),
                ("timezone", fields.CharField(max_length=64)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("reason", fields.TextField(null=True, unique=False)),
                ("external_id", fields.CharField(null=True, max_length=255)),
                ("meta", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "point_lot",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Points awarded to a profile, spent from `points_remaining`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RewardDefinition",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("value_cents", fields.BigIntField()),
                ("type", fields.CharField(max_length=64)),
                ("period", fields.IntField(null=True)),
                ("period_type", fields.CharField(default="days", max_length=32)),
                (
                    "absolute_expiry",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("extend_days", fields.IntField(null=True)),
                ("description", fields.TextField(null=True, unique=False)),
                ("short_description", fields.TextField(null=True, unique=False)),
                ("long_description", fields.TextField(null=True, unique=False)),
                ("terms_conditions", fields.TextField(null=True, unique=False)),
                ("earn_instructions", fields.TextField(null=True, unique=False)),
                ("redeem_instructions_store", fields.TextField(null=True, unique=False)),
                ("redeem_instructions_online", fields.TextField(null=True, unique=False)),
                ("icon", fields.TextField(null=True, unique=False)),
                ("image_url", fields.TextField(null=True, unique=False)),
                ("internal_notes", fields.TextField(null=True, unique=False)),
                ("is_assignable", fields.BooleanField(default=False)),
                ("is_extendable", fields.BooleanField(default=False)),
                ("is_reassignable", fields.BooleanField(default=False)),
                ("is_published", fields.BooleanField(default=False)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={"table": "reward_definition", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Reward",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "definition",
                    fields.ForeignKeyField(
                        "models.RewardDefinition",
                        source_field="definition_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rewards",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "profile",
                    fields.ForeignKeyField(
                        "models.Profile",
                        source_field="profile_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rewards",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("value_initial", fields.BigIntField()),
                ("value_remaining", fields.BigIntField()),
                ("timezone", fields.CharField(max_length=64)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "extended_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("void_reason", fields.TextField(null=True, unique=False)),
                ("external_id", fields.CharField(null=True, max_length=255)),
                ("meta", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "reward",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A reward lot whose `value_remaining` stays between 0 and `value_initial`.",
            },
            bases=["Model"],
        ),
        ops.AddConstraint(
            model_name="PointLot",
            constraint=CheckConstraint(
                check="points_remaining >= 0 AND points_remaining <= points_initial",
                name="point_lot_points_remaining_ck",
            ),
        ),
        ops.AddConstraint(
            model_name="RewardDefinition",
            constraint=CheckConstraint(check="value_cents >= 0", name="reward_definition_value_ck"),
        ),
        ops.AddConstraint(
            model_name="Reward",
            constraint=CheckConstraint(
                check="value_remaining >= 0 AND value_remaining <= value_initial",
                name="reward_value_remaining_ck",
            ),
        ),
        ops.AddIndex(
            model_name="PointLot",
            index=Index(fields=["profile_id", "expires_at"]),
        ),
        ops.AddIndex(
            model_name="RewardDefinition",
            index=Index(fields=["created_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Reward",
            index=Index(fields=["profile_id", "expires_at"]),
        ),
    ]
