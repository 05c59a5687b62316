from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from loyalty_gateway.benefits.models import Benefit
    from loyalty_gateway.points.models import PointLot
    from loyalty_gateway.profiles.models import Profile
    from loyalty_gateway.rewards.models import Reward


class RedemptionType(Enum):
    REDEEM = "REDEEM"
    REVERSAL = "REVERSAL"
    RETURN = "RETURN"


class ItemType(Enum):
    REWARD = "REWARD"
    POINT = "POINT"
    BENEFIT = "BENEFIT"


class Redemption(Model):
    """Value taken from (REDEEM) or put back into (REVERSAL, RETURN) a profile's lots."""

    id = fields.UUIDField(primary_key=True)
    profile: fields.ForeignKeyRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="redemptions", on_delete=fields.RESTRICT
    )
    type = fields.CharField(max_length=16)
    total_cents = fields.BigIntField()
    requested_cents = fields.BigIntField()
    original: fields.ForeignKeyNullableRelation["Redemption"] = fields.ForeignKeyField(
        "models.Redemption", related_name="followups", null=True, on_delete=fields.RESTRICT
    )
    reversed_at = fields.DatetimeField(null=True)
    transaction_external_id = fields.CharField(max_length=255, null=True)
    meta: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    profile_id: str
    original_id: str | None

    class Meta:
        table = "redemption"
        indexes = (("profile_id", "created_at"),)


class RedemptionItem(Model):
    """One lot touched by a redemption: dollars (and points, for a point lot) moved."""

    id = fields.UUIDField(primary_key=True)
    redemption: fields.ForeignKeyRelation["Redemption"] = fields.ForeignKeyField(
        "models.Redemption", related_name="items", on_delete=fields.RESTRICT
    )
    type = fields.CharField(max_length=16)
    reward: fields.ForeignKeyNullableRelation["Reward"] = fields.ForeignKeyField(
        "models.Reward", related_name="redemption_items", null=True, on_delete=fields.RESTRICT
    )
    point_lot: fields.ForeignKeyNullableRelation["PointLot"] = fields.ForeignKeyField(
        "models.PointLot", related_name="redemption_items", null=True, on_delete=fields.RESTRICT
    )
    benefit: fields.ForeignKeyNullableRelation["Benefit"] = fields.ForeignKeyField(
        "models.Benefit", related_name="redemption_items", null=True, on_delete=fields.RESTRICT
    )
    value_cents = fields.BigIntField()
    points = fields.BigIntField(default=0)
    uses = fields.IntField(default=0)  # a benefit's uses taken (or given back)
    restored_cents = fields.BigIntField(default=0)
    restored_points = fields.BigIntField(default=0)
    restored_uses = fields.IntField(default=0)
    source_item: fields.ForeignKeyNullableRelation["RedemptionItem"] = fields.ForeignKeyField(
        "models.RedemptionItem",
        related_name="restorations",
        null=True,
        on_delete=fields.RESTRICT,
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    redemption_id: str
    reward_id: str | None
    point_lot_id: str | None
    benefit_id: str | None
    source_item_id: str | None

    class Meta:
        table = "redemption_item"
        indexes = (("redemption_id",), ("reward_id",), ("point_lot_id",))
        constraints = (
            CheckConstraint(
                check="value_cents >= 0 AND points >= 0 AND restored_cents >= 0 "
                "AND restored_cents <= value_cents AND restored_points >= 0 "
                "AND restored_points <= points",
                name="redemption_item_amounts_ck",
            ),
            CheckConstraint(
                check="uses >= 0 AND restored_uses >= 0 AND restored_uses <= uses",
                name="redemption_item_uses_ck",
            ),
        )
