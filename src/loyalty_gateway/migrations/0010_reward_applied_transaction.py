from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0009_reward_keeps_its_type")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Reward",
            name="applied_transaction_id",
            field=fields.UUIDField(null=True),
        ),
    ]
