from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index
from tortoise.migrations import operations as ops

from loyalty_gateway.migrations import _columns as c

# Before this migration no value ever left a reward, so value_remaining is its value at issue.
# CHECK constraints and the indexes of tables that get one are added after CreateModel (see
# 0001). On SQLite, AlterField rebuilds the reward table without its index, hence the
# CREATE INDEX IF NOT EXISTS.
Migration = c.migration(
    "0001_initial",
    [
        c.create(
            "ProgramSettings",
            "program_settings",
            [
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("points_to_dollars_rate", fields.DecimalField(max_digits=12, decimal_places=6)),
                c.updated_at(),
            ],
            table_description="The loyalty program's settings: one row, seeded from the environment on first read.",
        ),
        c.create(
            "Redemption",
            "redemption",
            [
                c.uuid_key(),
                (
                    "profile",
                    c.link("Profile", "profile_id", "redemptions"),
                ),
                ("type", fields.CharField(max_length=16)),
                ("total_cents", fields.BigIntField()),
                ("requested_cents", fields.BigIntField()),
                (
                    "original",
                    c.link("Redemption", "original_id", "followups", null=True),
                ),
                c.moment("reversed_at"),
                ("transaction_external_id", fields.CharField(null=True, max_length=255)),
                c.json("meta", null=True),
                c.created_at(),
            ],
            indexes=[Index(fields=["profile_id", "created_at"])],
            table_description="Value taken from (REDEEM) or put back into (REVERSAL, RETURN) a profile's lots.",
        ),
        c.create(
            "RedemptionItem",
            "redemption_item",
            [
                c.uuid_key(),
                (
                    "redemption",
                    c.link("Redemption", "redemption_id", "items"),
                ),
                ("type", fields.CharField(max_length=16)),
                (
                    "reward",
                    c.link("Reward", "reward_id", "redemption_items", null=True),
                ),
                (
                    "point_lot",
                    c.link("PointLot", "point_lot_id", "redemption_items", null=True),
                ),
                ("value_cents", fields.BigIntField()),
                ("points", fields.BigIntField(default=0)),
                ("restored_cents", fields.BigIntField(default=0)),
                ("restored_points", fields.BigIntField(default=0)),
                (
                    "source_item",
                    c.link("RedemptionItem", "source_item_id", "restorations", null=True),
                ),
                c.created_at(),
            ],
            table_description="One lot touched by a redemption: dollars (and points, for a point lot) moved.",
        ),
        c.create(
            "Transaction",
            "transaction",
            [
                c.uuid_key(),
                (
                    "profile",
                    c.link("Profile", "profile_id", "transactions", null=True),
                ),
                ("external_id", fields.CharField(null=True, unique=True, max_length=255)),
                ("request_hash", fields.CharField(max_length=64)),
                ("receipt_ref", fields.CharField(null=True, max_length=255)),
                ("total_cents", fields.BigIntField()),
                ("total_original_cents", fields.BigIntField(null=True)),
                ("margin_cents", fields.BigIntField(null=True)),
                *c.flags(is_void=False),
                c.moment("transacted_at", null=False),
                ("timezone", fields.CharField(max_length=64)),
                ("location_id", fields.CharField(null=True, max_length=255)),
                c.json("tags", default=list),
                c.json("meta", null=True),
                (
                    "redemption",
                    c.link(
                        "Redemption", "redemption_id", "transaction", null=True, one_to_one=True
                    ),
                ),
                c.created_at(),
            ],
            table_description="A sale posted by a till or web shop, optionally linked to the redemption it used.",
        ),
        c.create(
            "TransactionItem",
            "transaction_item",
            [
                c.uuid_key(),
                (
                    "transaction",
                    c.link("Transaction", "transaction_id", "items", OnDelete.CASCADE),
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
                *c.flags(is_void=False, is_return=False),
                c.json("tags", default=list),
            ],
            unique_together=(("transaction_id", "position"),),
        ),
        *c.add(
            "Reward",
            (
                "value_at_issue",
                fields.BigIntField(null=True, description="value_remaining when issued"),
            ),
        ),
        ops.RunSQL("UPDATE reward SET value_at_issue = value_remaining"),
        ops.AlterField(
            model_name="Reward",
            name="value_at_issue",
            field=fields.BigIntField(description="value_remaining when issued"),
        ),
        c.check(
            "RedemptionItem",
            "redemption_item_amounts_ck",
            "value_cents >= 0 AND points >= 0 AND restored_cents >= 0 AND restored_cents <= value_cents AND restored_points >= 0 AND restored_points <= points",
        ),
        c.check("Transaction", "transaction_total_ck", "total_cents >= 0"),
        c.index("RedemptionItem", "redemption_id"),
        c.index("RedemptionItem", "reward_id"),
        c.index("RedemptionItem", "point_lot_id"),
        c.index("Transaction", "profile_id", "transacted_at"),
        ops.RunSQL(
            'CREATE INDEX IF NOT EXISTS "idx_reward_profile_525d7a" ON "reward" ("profile_id", "expires_at")'
        ),
    ],
)
