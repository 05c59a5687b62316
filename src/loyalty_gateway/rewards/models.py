from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from loyalty_gateway.balances.models import IssuedDefinitionColumns, IssuedLotColumns

if TYPE_CHECKING:
    from loyalty_gateway.profiles.models import Profile


class RewardDefinition(Model, IssuedDefinitionColumns):
    id = fields.UUIDField(primary_key=True)
    value_cents = fields.BigIntField()
    type = fields.CharField(max_length=64)
    internal_notes = fields.TextField(null=True)
    is_assignable = fields.BooleanField(default=False)

    class Meta:
        table = "reward_definition"
        indexes = (("created_at", "id"),)
        constraints = (
            CheckConstraint(check="value_cents >= 0", name="reward_definition_value_ck"),
        )


class Reward(Model, IssuedLotColumns):
    """A reward lot whose `value_remaining_cents` stays between 0 and `value_initial_cents`."""

    id = fields.UUIDField(primary_key=True)
    definition: fields.ForeignKeyRelation[RewardDefinition] = fields.ForeignKeyField(
        "models.RewardDefinition", related_name="rewards", on_delete=fields.RESTRICT
    )
    profile: fields.ForeignKeyRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="rewards", on_delete=fields.RESTRICT
    )
    value_initial_cents = fields.BigIntField()
    value_remaining_cents = fields.BigIntField()
    value_at_issue_cents = fields.BigIntField(description="value_remaining_cents when issued")
    # The definition's type when issued: a reward keeps the terms it was issued with, whatever
    # later happens to its definition (balances, the ledger and redemptions read this).
    type = fields.CharField(max_length=32, default="fixed")
    # A percentage reward is used whole on one transaction (`redeemReward`): which one.
    applied_transaction_id = fields.UUIDField(null=True)

    definition_id: str
    profile_id: str

    class Meta:
        table = "reward"
        indexes = (("profile_id", "expires_at"),)
        constraints = (
            CheckConstraint(
                check="value_remaining_cents >= 0 AND value_remaining_cents <= value_initial_cents",
                name="reward_value_remaining_cents_ck",
            ),
        )
