from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from loyalty_gateway.balances.models import DefinitionColumns, EarnedColumns, PresentedColumns

if TYPE_CHECKING:
    from loyalty_gateway.earning.models import PointDefinition
    from loyalty_gateway.profiles.models import Profile


class TierDefinition(Model, DefinitionColumns, PresentedColumns):
    """A tier reached with `value_min` tier points in 12 months and kept with `value_maintain`."""

    id = fields.UUIDField(primary_key=True)
    value_min = fields.BigIntField()
    value_maintain = fields.BigIntField(null=True)
    is_floor = fields.BooleanField(default=False)

    class Meta:
        table = "tier_definition"


class TierPoint(Model, EarnedColumns):
    """A tier point entry: tier points count toward a tier for 12 months."""

    id = fields.UUIDField(primary_key=True)
    profile: fields.ForeignKeyRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="tier_points", on_delete=fields.RESTRICT
    )
    points = fields.BigIntField()
    reason = fields.TextField(null=True)
    timezone = fields.CharField(max_length=64)
    issued_at = fields.DatetimeField()
    definition: fields.ForeignKeyNullableRelation["PointDefinition"] = fields.ForeignKeyField(
        "models.PointDefinition", related_name="tier_points", null=True, on_delete=fields.RESTRICT
    )

    profile_id: str
    definition_id: str | None

    class Meta:
        table = "tier_point"
        indexes = (("profile_id", "issued_at"), ("transaction_id",))


class ProfileTier(Model):
    """The tier a profile holds, since when, and when it is next reviewed."""

    id = fields.UUIDField(primary_key=True)
    profile: fields.OneToOneRelation["Profile"] = fields.OneToOneField(
        "models.Profile", related_name="tier_state", on_delete=fields.CASCADE
    )
    tier: fields.ForeignKeyRelation["TierDefinition"] = fields.ForeignKeyField(
        "models.TierDefinition", related_name="holders", on_delete=fields.RESTRICT
    )
    achieved_at = fields.DatetimeField()
    anniversary_at = fields.DatetimeField()
    maintained_at = fields.DatetimeField(null=True)
    assigned_at = fields.DatetimeField(null=True)

    profile_id: str
    tier_id: str

    class Meta:
        table = "profile_tier"
        indexes = (("anniversary_at",),)
