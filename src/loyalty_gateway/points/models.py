from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from loyalty_gateway.balances.models import EarnedColumns

if TYPE_CHECKING:
    from loyalty_gateway.earning.models import PointDefinition
    from loyalty_gateway.profiles.models import Profile


class PointLot(Model, EarnedColumns):
    """Points awarded to a profile, spent from `points_remaining`."""

    id = fields.UUIDField(primary_key=True)
    profile: fields.ForeignKeyRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="point_lots", on_delete=fields.RESTRICT
    )
    points_initial = fields.BigIntField()
    points_remaining = fields.BigIntField()
    timezone = fields.CharField(max_length=64)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    voided_at = fields.DatetimeField(null=True)
    reason = fields.TextField(null=True)
    external_id = fields.CharField(max_length=255, null=True)
    meta: Any = fields.JSONField(null=True)
    available_at = fields.DatetimeField(null=True)  # pending until then; null: at once
    definition: fields.ForeignKeyNullableRelation["PointDefinition"] = fields.ForeignKeyField(
        "models.PointDefinition", related_name="lots", null=True, on_delete=fields.RESTRICT
    )

    profile_id: str
    definition_id: str | None

    class Meta:
        table = "point_lot"
        indexes = (("profile_id", "expires_at"), ("transaction_id",))
        constraints = (
            CheckConstraint(
                check="points_remaining >= 0 AND points_remaining <= points_initial",
                name="point_lot_points_remaining_ck",
            ),
        )
