"""Reward value columns hold cents, and say so as every other money column does."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations import operations as ops
from tortoise.migrations.constraints import CheckConstraint

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0010_reward_applied_transaction",
    [
        ops.RemoveConstraint(model_name="Reward", name="reward_value_remaining_ck"),
        ops.RenameField(
            model_name="Reward", old_name="value_initial", new_name="value_initial_cents"
        ),
        ops.RenameField(
            model_name="Reward", old_name="value_remaining", new_name="value_remaining_cents"
        ),
        ops.RenameField(
            model_name="Reward", old_name="value_at_issue", new_name="value_at_issue_cents"
        ),
        c.check(
            "Reward",
            "reward_value_remaining_cents_ck",
            "value_remaining_cents >= 0 AND value_remaining_cents <= value_initial_cents",
        ),
        ops.AlterModelOptions(
            name="Reward",
            options={
                "table": "reward",
                "app": "models",
                "constraints": [
                    CheckConstraint(
                        check="value_remaining_cents >= 0 AND value_remaining_cents <= value_initial_cents",
                        name="reward_value_remaining_cents_ck",
                    )
                ],
                "indexes": [Index(fields=["profile_id", "expires_at"])],
                "pk_attr": "id",
                "table_description": "A reward lot whose `value_remaining_cents` stays between 0 "
                "and `value_initial_cents`.",
            },
        ),
        ops.AlterField(
            model_name="Reward",
            name="value_at_issue_cents",
            field=fields.BigIntField(description="value_remaining_cents when issued"),
        ),
    ],
)
