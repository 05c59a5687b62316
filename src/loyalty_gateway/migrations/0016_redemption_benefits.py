"""Redemption items can use a benefit: which one, how many uses, and how many came back."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint


class Migration(migrations.Migration):
    dependencies = [("models", "0015_automations")]

    initial = False

    operations = [
        ops.AddField(
            model_name="RedemptionItem",
            name="benefit",
            field=fields.ForeignKeyField(
                "models.Benefit",
                source_field="benefit_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="redemption_items",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
        ops.AddField(
            model_name="RedemptionItem",
            name="restored_uses",
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name="RedemptionItem",
            name="uses",
            field=fields.IntField(default=0),
        ),
        ops.AddConstraint(
            model_name="RedemptionItem",
            constraint=CheckConstraint(
                check="uses >= 0 AND restored_uses >= 0 AND restored_uses <= uses",
                name="redemption_item_uses_ck",
            ),
        ),
    ]
