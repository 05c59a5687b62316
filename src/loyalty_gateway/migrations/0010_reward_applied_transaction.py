from tortoise import fields

from loyalty_gateway.migrations import _columns as c

Migration = c.migration(
    "0009_reward_keeps_its_type",
    [
        *c.add("Reward", ("applied_transaction_id", fields.UUIDField(null=True))),
    ],
)
