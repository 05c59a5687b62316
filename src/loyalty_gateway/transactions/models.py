from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

if TYPE_CHECKING:
    from loyalty_gateway.profiles.models import Profile
    from loyalty_gateway.redemptions.models import Redemption


class Transaction(Model):
    """A sale posted by a till or web shop, optionally linked to the redemption it used."""

    id = fields.UUIDField(primary_key=True)
    profile: fields.ForeignKeyNullableRelation["Profile"] = fields.ForeignKeyField(
        "models.Profile", related_name="transactions", null=True, on_delete=fields.RESTRICT
    )
    external_id = fields.CharField(max_length=255, null=True, unique=True)
    request_hash = fields.CharField(max_length=64)
    receipt_ref = fields.CharField(max_length=255, null=True)
    total_cents = fields.BigIntField()
    total_original_cents = fields.BigIntField(null=True)
    margin_cents = fields.BigIntField(null=True)
    is_void = fields.BooleanField(default=False)
    transacted_at = fields.DatetimeField()
    timezone = fields.CharField(max_length=64)
    location_id = fields.CharField(max_length=255, null=True)
    tags: list[str] = fields.JSONField(default=list)
    meta: Any = fields.JSONField(null=True)
    redemption: fields.OneToOneNullableRelation["Redemption"] = fields.OneToOneField(
        "models.Redemption", related_name="transaction", null=True, on_delete=fields.RESTRICT
    )
    refunded_at = fields.DatetimeField(null=True)  # its points were taken back then
    created_at = fields.DatetimeField(auto_now_add=True)

    profile_id: str | None
    redemption_id: str | None

    class Meta:
        table = "transaction"
        indexes = (("profile_id", "transacted_at"),)
        constraints = (CheckConstraint(check="total_cents >= 0", name="transaction_total_ck"),)


class TransactionItem(Model):
    id = fields.UUIDField(primary_key=True)
    transaction: fields.ForeignKeyRelation["Transaction"] = fields.ForeignKeyField(
        "models.Transaction", related_name="items", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    name = fields.CharField(max_length=255)
    product_variant_id = fields.CharField(max_length=255, null=True)
    sku = fields.CharField(max_length=255, null=True)
    quantity = fields.DecimalField(max_digits=14, decimal_places=3)
    price_current_cents = fields.BigIntField()
    price_sell_cents = fields.BigIntField()
    price_original_cents = fields.BigIntField(null=True)
    price_margin_cents = fields.BigIntField(null=True)
    is_void = fields.BooleanField(default=False)
    is_return = fields.BooleanField(default=False)
    tags: list[str] = fields.JSONField(default=list)

    transaction_id: str

    class Meta:
        table = "transaction_item"
        unique_together = (("transaction_id", "position"),)
