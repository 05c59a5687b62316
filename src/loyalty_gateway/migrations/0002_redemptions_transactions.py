from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


# Before this migration no value ever left a reward, so value_remaining is its value at issue.
# CHECK constraints and the indexes of tables that get one are added after CreateModel (see
# 0001). On SQLite, AlterField rebuilds the reward table without its index, hence the
# CREATE INDEX IF NOT EXISTS.
class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ProgramSettings",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("points_to_dollars_rate", fields.DecimalField(max_digits=12, decimal_places=6)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "program_settings",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The loyalty program's settings: one row, seeded from the environment on first read.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Redemption",
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
                        related_name="redemptions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("type", fields.CharField(max_length=16)),
                ("total_cents", fields.BigIntField()),
                ("requested_cents", fields.BigIntField()),
                (
                    "original",
                    fields.ForeignKeyField(
                        "models.Redemption",
                        source_field="original_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="followups",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "reversed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("transaction_external_id", fields.CharField(null=True, max_length=255)),
                ("meta", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "redemption",
                "app": "models",
                "indexes": [Index(fields=["profile_id", "created_at"])],
                "pk_attr": "id",
                "table_description": "Value taken from (REDEEM) or put back into (REVERSAL, RETURN) a profile's lots.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="RedemptionItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "redemption",
                    fields.ForeignKeyField(
                        "models.Redemption",
                        source_field="redemption_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("type", fields.CharField(max_length=16)),
                (
                    "reward",
                    fields.ForeignKeyField(
                        "models.Reward",
                        source_field="reward_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="redemption_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                (
                    "point_lot",
                    fields.ForeignKeyField(
                        "models.PointLot",
                        source_field="point_lot_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="redemption_items",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("value_cents", fields.BigIntField()),
                ("points", fields.BigIntField(default=0)),
                ("restored_cents", fields.BigIntField(default=0)),
                ("restored_points", fields.BigIntField(default=0)),
                (
                    "source_item",
                    fields.ForeignKeyField(
                        "models.RedemptionItem",
                        source_field="source_item_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="restorations",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "redemption_item",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One lot touched by a redemption: dollars (and points, for a point lot) moved.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Transaction",
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
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="transactions",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("external_id", fields.CharField(null=True, unique=True, max_length=255)),
                ("request_hash", fields.CharField(max_length=64)),
                ("receipt_ref", fields.CharField(null=True, max_length=255)),
                ("total_cents", fields.BigIntField()),
                ("total_original_cents", fields.BigIntField(null=True)),
                ("margin_cents", fields.BigIntField(null=True)),
                ("is_void", fields.BooleanField(default=False)),
                ("transacted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("timezone", fields.CharField(max_length=64)),
                ("location_id", fields.CharField(null=True, max_length=255)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ("meta", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                (
                    "redemption",
                    fields.OneToOneField(
                        "models.Redemption",
                        source_field="redemption_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="transaction",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "transaction",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A sale posted by a till or web shop, optionally linked to the redemption it used.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="TransactionItem",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "transaction",
                    fields.ForeignKeyField(
                        "models.Transaction",
                        source_field="transaction_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="items",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("position", fields.IntField()),
                ("name", fields.CharField(max_length=255)),
                ("product_variant_id", fields.CharField(null=True, max_length=255)),
                ("sku", fields.CharField(null=True, max_length=255)),
                ("quantity", fields.DecimalField(max_digits=14, decimal_places=3)),
                ("price_current_cents", fields.BigIntField()),
                ("price_sell_cents", fields.BigIntField()),
                ("price_original_cents", fields.BigIntField(null=True)),
                ("price_margin_cents", fields.BigIntField(null=True)),
                ("is_void", fields.BooleanField(default=False)),
                ("is_return", fields.BooleanField(default=False)),
                ("tags", fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={
                "table": "transaction_item",
                "app": "models",
                "unique_together": (("transaction_id", "position"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Reward",
            name="value_at_issue",
            field=fields.BigIntField(null=True, description="value_remaining when issued"),
        ),
        ops.RunSQL("UPDATE reward SET value_at_issue = value_remaining"),
        ops.AlterField(
            model_name="Reward",
            name="value_at_issue",
            field=fields.BigIntField(description="value_remaining when issued"),
        ),
        ops.AddConstraint(
            model_name="RedemptionItem",
            constraint=CheckConstraint(
                check="value_cents >= 0 AND points >= 0 AND restored_cents >= 0 AND restored_cents <= value_cents AND restored_points >= 0 AND restored_points <= points",
                name="redemption_item_amounts_ck",
            ),
        ),
        ops.AddConstraint(
            model_name="Transaction",
            constraint=CheckConstraint(check="total_cents >= 0", name="transaction_total_ck"),
        ),
        ops.AddIndex(
            model_name="RedemptionItem",
            index=Index(fields=["redemption_id"]),
        ),
        ops.AddIndex(
            model_name="RedemptionItem",
            index=Index(fields=["reward_id"]),
        ),
        ops.AddIndex(
            model_name="RedemptionItem",
            index=Index(fields=["point_lot_id"]),
        ),
        ops.AddIndex(
            model_name="Transaction",
            index=Index(fields=["profile_id", "transacted_at"]),
        ),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_reward_profile_525d7a" ON "reward" ("profile_id", "expires_at")'
        ),
    ]
