from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0007_run_resumed")]

    initial = False

    operations = [
        ops.AddField(
            model_name="ProgramSettings",
            name="default_timezone",
            field=fields.CharField(default="UTC", max_length=64),
        ),
    ]
