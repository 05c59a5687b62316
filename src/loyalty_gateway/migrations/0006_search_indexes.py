"""Trigram indexes for `profiles(search:)` on PostgreSQL (pg_trgm, a trusted extension).

The search filters with Tortoise's `icontains`, which PostgreSQL receives as
`UPPER(CAST(col AS VARCHAR)) LIKE UPPER($1)`; a GIN trigram index on that same expression
answers it without reading every profile. SQLite scans, as it always has.
"""

from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor

from loyalty_gateway.migrations import _columns as c

COLUMNS = ("first_name", "last_name", "email_normalized")


def _postgres(editor: BaseSchemaEditor) -> bool:
    return editor.client.capabilities.dialect == "postgres"


async def create(_apps: object, editor: BaseSchemaEditor) -> None:
    if not _postgres(editor):
        return
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
        f"CREATE INDEX IF NOT EXISTS profile_{column}_trgm ON profile "
        f"USING gin ((UPPER(CAST({column} AS VARCHAR))) gin_trgm_ops)"
        for column in COLUMNS
    ]
    await editor.client.execute_script(";\n".join(statements))


async def drop(_apps: object, editor: BaseSchemaEditor) -> None:
    if _postgres(editor):
        await editor.client.execute_script(
            ";\n".join(f"DROP INDEX IF EXISTS profile_{column}_trgm" for column in COLUMNS)
        )


Migration = c.migration(
    "0005_audit",
    [ops.RunPython(create, drop)],
)
