"""An index for listing reaction runs newest first, unfiltered (keyset pages)."""

from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0011_reward_columns_in_cents")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="ReactionRun",
            index=Index(fields=["started_at", "id"]),
        ),
    ]
