"""Each reward keeps the type it was issued with; rewards issued before take their
definition's type as it is now (the best record there is of their terms)."""

from tortoise import fields
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from loyalty_gateway.migrations import _columns as c

BACKFILL = """UPDATE reward SET type = (
  SELECT d.type FROM reward_definition d WHERE d.id = reward.definition_id)"""


async def backfill(_apps: object, editor: BaseSchemaEditor) -> None:
    await editor.client.execute_script(BACKFILL)


Migration = c.migration(
    "0008_program_default_timezone",
    [
        *c.add("Reward", ("type", fields.CharField(default="fixed", max_length=32))),
        ops.RunPython(backfill, ops.RunPython.noop),
    ],
)
