"""Targets keep a description and a condition (JSONLogic) under which they send."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0012_run_listing_index")]

    initial = False

    operations = [
        ops.AddField(model_name="Target", name="description", field=fields.TextField(null=True)),
        ops.AddField(model_name="Target", name="condition", field=fields.JSONField(null=True)),
    ]
