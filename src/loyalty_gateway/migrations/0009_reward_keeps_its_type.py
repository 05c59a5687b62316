"""Each reward keeps the type it was issued with; rewards issued before take their
definition's type as it is now (the best record there is of their terms)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

BACKFILL = """UPDATE reward SET type = (
  SELECT d.type FROM reward_definition d WHERE d.id = reward.definition_id)"""


async def backfill(_apps: object, editor: BaseSchemaEditor) -> None:
    await editor.client.execute_script(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [("models", "0008_program_default_timezone")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Reward",
            name="type",
            field=fields.CharField(default="fixed", max_length=32),
        ),
        ops.RunPython(backfill, ops.RunPython.noop),
    ]
