"""Point definitions and rates; point lots and tier points keep the definition, the rate
and the sale they were earned at, point lots when they stop being pending, and a sale when
it was refunded."""

from tortoise import fields
from tortoise.indexes import Index

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0013_target_condition",
    [
        c.create(
            "PointDefinition",
            "point_definition",
            [
                c.uuid_key(),
                ("name", fields.CharField(max_length=255)),
                ("handle", fields.CharField(unique=True, max_length=255)),
                ("type", fields.CharField(max_length=16)),
                *c.texts("description"),
                ("period", fields.IntField(null=True)),
                ("period_type", fields.CharField(default="days", max_length=32)),
                c.moment("absolute_expiry"),
                ("issue_period", fields.IntField(null=True)),
                ("issue_period_type", fields.CharField(default="days", max_length=16)),
                c.created_at(),
                c.updated_at(),
            ],
            indexes=[Index(fields=["created_at", "id"])],
            table_description="A kind of points a program awards: reward points (spendable) or tier points (count",
        ),
        c.create(
            "Rate",
            "rate",
            [
                c.uuid_key(),
                (
                    "definition",
                    c.link("PointDefinition", "definition_id", "rates"),
                ),
                ("name", fields.CharField(max_length=255)),
                ("rate", fields.DecimalField(max_digits=18, decimal_places=6)),
                c.moment("starts_at"),
                c.moment("ends_at"),
                c.json("profile_conditions", null=True),
                c.json("product_conditions", null=True),
                ("location_id", fields.CharField(null=True, max_length=255)),
                ("code", fields.CharField(null=True, max_length=255)),
                ("issue_period", fields.IntField(null=True)),
                ("issue_period_type", fields.CharField(default="days", max_length=16)),
                *c.flags(is_published=True, is_archived=False),
                c.created_at(),
                c.updated_at(),
            ],
            indexes=[
                Index(fields=["definition_id", "is_archived"]),
                Index(fields=["created_at", "id"]),
            ],
            table_description="How many points a unit of spend earns for one point definition, when and for whom.",
        ),
        c.check("Rate", "rate_rate_ck", "rate > 0"),
        *c.add(
            "PointLot",
            c.moment("available_at"),
            ("definition", c.link("PointDefinition", "definition_id", "lots", null=True)),
            ("rate", fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
            ("rate_id", fields.UUIDField(null=True)),
            ("transaction_id", fields.UUIDField(null=True)),
        ),
        c.index("PointLot", "transaction_id"),
        *c.add(
            "TierPoint",
            ("definition", c.link("PointDefinition", "definition_id", "tier_points", null=True)),
            ("rate", fields.DecimalField(null=True, max_digits=18, decimal_places=6)),
            ("rate_id", fields.UUIDField(null=True)),
            ("transaction_id", fields.UUIDField(null=True)),
        ),
        c.index("TierPoint", "transaction_id"),
        *c.add("Transaction", c.moment("refunded_at")),
    ],
)
