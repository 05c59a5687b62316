from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from loyalty_gateway.balances.models import IssuedDefinitionColumns, IssuedLotColumns

if TYPE_CHECKING:
    from loyalty_gateway.profiles.models import Profile


class BenefitDefinition(Model, IssuedDefinitionColumns):
    """A non-monetary entitlement: issued to profiles, or claimed by them when claimable."""

    id = fields.UUIDField(primary_key=True)
    type = fields.CharField(max_length=32, default="other")
    max_redemptions = fields.IntField(null=True)
    is_assignable = fields.BooleanField(default=True)
    is_claimable = fields.BooleanField(default=False)
    is_reclaimable = fields.BooleanField(default=False)
    claim_condition: Any = fields.JSONField(null=True)
    claim_period_start_at = fields.DatetimeField(null=True)
    claim_period_end_at = fields.DatetimeField(null=True)

    class Meta:
        table = "benefit_definition"


class Benefit(Model, IssuedLotColumns):
    """A benefit held by a profile, with `redemptions_remaining` null meaning unlimited."""

    id = fields.UUIDField(primary_key=True)
    definition: fields.ForeignKeyRelation["BenefitDefinition"] = fields.ForeignKeyField(
        "models.BenefitDefinition", related_name="benefits", on_delete=fields.RESTRICT
    )
    profile: fields.ForeignKeyRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="benefits", on_delete=fields.RESTRICT
    )
    claimed_at = fields.DatetimeField(null=True)
    redemptions_remaining = fields.IntField(null=True)

    definition_id: str
    profile_id: str

    class Meta:
        table = "benefit"
        indexes = (("profile_id", "expires_at"),)
        constraints = (
            CheckConstraint(
                check="redemptions_remaining IS NULL OR redemptions_remaining >= 0",
                name="benefit_redemptions_remaining_ck",
            ),
        )


class BenefitRedemption(Model):
    """One use (or `count` uses) of a benefit."""

    id = fields.UUIDField(primary_key=True)
    benefit: fields.ForeignKeyRelation["Benefit"] = fields.ForeignKeyField(
        "models.Benefit", related_name="redemptions", on_delete=fields.RESTRICT
    )
    count = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    benefit_id: str

    class Meta:
        table = "benefit_redemption"
        indexes = (("benefit_id",),)
