"""Point definitions and rates; point lots and tier points keep the definition, the rate
and the sale they were earned at, point lots when they stop being pending, and a sale when
it was refunded."""

from uuid import uuid4

from orjson import loads
from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0013_target_condition")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PointDefinition",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("type", fields.CharField(max_length=16)),
                ("description", fields.TextField(null=True, unique=False)),
                ("period", fields.IntField(null=True)),
                ("period_type", fields.CharField(default="days", max_length=32)),
                (
                    "absolute_expiry",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("issue_period", fields.IntField(null=True)),
                ("issue_period_type", fields.CharField(default="days", max_length=16)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "point_definition",
                "app": "models",
                "indexes": [Index(fields=["created_at", "id"])],
                "pk_attr": "id",
                "table_description": "A kind of points a program awards: reward points (spendable) or tier points (count",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Rate",
            fields=[
                (
                    "id",
                    fields.UUIDField(primary_key=True, default=uuid4, unique=True, db_index=True),
                ),
                (
                    "definition",
                    fields.ForeignKeyField(
                        "models.PointDefinition",
                        source_field="definition_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rates",
                        on_delete=OnDelete.RESTRICT,
                    ),
                ),
                ("name", fields.CharField(max_length=255)),
                ("rate", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("starts_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("ends_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                (
                    "profile_conditions",
                    fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
                ),
                (
                    "product_conditions",
                    fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
                ),
                ("location_id", fields.CharField(null=True, max_length=255)),
                ("code", fields.CharField(null=True, max_length=255)),
                ("issue_period", fields.IntField(null=True)),
                ("issue_period_type", fields.CharField(default="days", max_length=16)),
                ("is_published", fields.BooleanField(default=True)),
                ("is_archived", fields.BooleanField(default=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "rate",
                "app": "models",
                "indexes": [
                    Index(fields=["definition_id", "is_archived"]),
                    Index(fields=["created_at", "id"]),
                ],
                "pk_attr": "id",
                "table_description": "How many points a unit of spend earns for one point definition, when and for whom.",
            },
            bases=["Model"],
        ),
        ops.AddConstraint(
            model_name="Rate",
            constraint=CheckConstraint(check="rate > 0", name="rate_rate_ck"),
        ),
        ops.AddField(
            model_name="PointLot",
            name="available_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="PointLot",
            name="definition",
            field=fields.ForeignKeyField(
                "models.PointDefinition",
                source_field="definition_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="lots",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="PointLot",
            name="rate",
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=6),
        ),
        ops.AddField(
            model_name="PointLot",
            name="rate_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name="PointLot",
            name="transaction_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name="PointLot",
            index=Index(fields=["transaction_id"]),
        ),
        ops.AddField(
            model_name="TierPoint",
            name="definition",
            field=fields.ForeignKeyField(
                "models.PointDefinition",
                source_field="definition_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="tier_points",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="TierPoint",
            name="rate",
            field=fields.DecimalField(null=True, max_digits=18, decimal_places=6),
        ),
        ops.AddField(
            model_name="TierPoint",
            name="rate_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AddField(
            model_name="TierPoint",
            name="transaction_id",
            field=fields.UUIDField(null=True),
        ),
        ops.AddIndex(
            model_name="TierPoint",
            index=Index(fields=["transaction_id"]),
        ),
        ops.AddField(
            model_name="Transaction",
            name="refunded_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
