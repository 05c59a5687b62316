from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


# The benefit table's CHECK constraint and index come after CreateModel, as in 0001.
class Migration(migrations.Migration):
    dependencies = [("models", "0002_redemptions_transactions")]

    initial = False

    operations = [
        ops.CreateModel(
            name="BenefitDefinition",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("type", fields.CharField(default="other", max_length=32)),
                ("description", fields.TextField(null=True, unique=False)),
                ("short_description", fields.TextField(null=True, unique=False)),
                ("long_description", fields.TextField(null=True, unique=False)),
                ("terms_conditions", fields.TextField(null=True, unique=False)),
                ("earn_instructions", fields.TextField(null=True, unique=False)),
                ("redeem_instructions_store", fields.TextField(null=True, unique=False)),
                ("redeem_instructions_online", fields.TextField(null=True, unique=False)),
                ("icon", fields.TextField(null=True, unique=False)),
                ("image_url", fields.TextField(null=True, unique=False)),
                ("period", fields.IntField(null=True)),
                ("period_type", fields.CharField(default="days", max_length=32)),
                (
                    "absolute_expiry",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("extend_days", fields.IntField(null=True)),
                ("max_redemptions", fields.IntField(null=True)),
                ("is_assignable", fields.BooleanField(default=True)),
                ("is_claimable", fields.BooleanField(default=False)),
                ("is_reclaimable", fields.BooleanField(default=False)),
                ("is_extendable", fields.BooleanField(default=False)),
                ("is_reassignable", fields.BooleanField(default=False)),
                ("is_published", fields.BooleanField(default=False)),
                ("claim_condition", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "claim_period_start_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "claim_period_end_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "benefit_definition",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A non-monetary entitlement: issued to profiles, or claimed by them when claimable.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Benefit",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "definition",
                    fields.ForeignKeyField(
                        "models.BenefitDefinition",
                        source_field="definition_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="benefits",
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
                        related_name="benefits",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("timezone", fields.CharField(max_length=64)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "extended_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("claimed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("voided_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("void_reason", fields.TextField(null=True, unique=False)),
                ("redemptions_remaining", fields.IntField(null=True)),
                ("external_id", fields.CharField(null=True, max_length=255)),
                ("meta", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "benefit",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A benefit held by a profile, with `redemptions_remaining` null meaning unlimited.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="BenefitRedemption",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "benefit",
                    fields.ForeignKeyField(
                        "models.Benefit",
                        source_field="benefit_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="redemptions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("count", fields.IntField()),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "benefit_redemption",
                "app": "models",
                "indexes": [Index(fields=["benefit_id"])],
                "pk_attr": "id",
                "table_description": "One use (or `count` uses) of a benefit.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TierDefinition",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("value_min", fields.BigIntField()),
                ("value_maintain", fields.BigIntField(null=True)),
                ("is_floor", fields.BooleanField(default=False)),
                ("description", fields.TextField(null=True, unique=False)),
                ("short_description", fields.TextField(null=True, unique=False)),
                ("long_description", fields.TextField(null=True, unique=False)),
                ("terms_conditions", fields.TextField(null=True, unique=False)),
                ("icon", fields.TextField(null=True, unique=False)),
                ("image_url", fields.TextField(null=True, unique=False)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "tier_definition",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A tier reached with `value_min` tier points in 12 months and kept with `value_maintain`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ProfileTier",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "profile",
                    fields.OneToOneField(
                        "models.Profile",
                        source_field="profile_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tier_state",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "tier",
                    fields.ForeignKeyField(
                        "models.TierDefinition",
                        source_field="tier_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="holders",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("achieved_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("anniversary_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "maintained_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "assigned_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "profile_tier",
                "app": "models",
                "indexes": [Index(fields=["anniversary_at"])],
                "pk_attr": "id",
                "table_description": "The tier a profile holds, since when, and when it is next reviewed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TierPoint",
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
                        related_name="tier_points",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("points", fields.BigIntField()),
                ("reason", fields.TextField(null=True, unique=False)),
                ("timezone", fields.CharField(max_length=64)),
                ("issued_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "tier_point",
                "app": "models",
                "indexes": [Index(fields=["profile_id", "issued_at"])],
                "pk_attr": "id",
                "table_description": "A tier point entry: tier points count toward a tier for 12 months.",
            },
            bases=["Model"],
        ),
        ops.AddConstraint(
            model_name="Benefit",
            constraint=CheckConstraint(
                check="redemptions_remaining IS NULL OR redemptions_remaining >= 0",
                name="benefit_redemptions_remaining_ck",
            ),
        ),
        ops.AddIndex(
            model_name="Benefit",
            index=Index(fields=["profile_id", "expires_at"]),
        ),
    ]
