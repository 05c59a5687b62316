from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0006_search_indexes")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ReactionLogEntry",
            name="resumed",
            field=fields.BooleanField(default=False),
        ),
    ]
