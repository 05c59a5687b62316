"""Columns several kinds of lot share, declared once (Tortoise takes a plain class's fields
as a mixin's, before the model's own)."""

from decimal import Decimal
from typing import Any

from tortoise import fields


class IssuedLotColumns:
    """What a lot issued from a definition (a reward, a benefit) holds besides its own."""

    timezone = fields.CharField(max_length=64)
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    extended_at = fields.DatetimeField(null=True)
    voided_at = fields.DatetimeField(null=True)
    void_reason = fields.TextField(null=True)
    external_id = fields.CharField(max_length=255, null=True)
    meta: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)


class EarnedColumns:
    """Where points (spendable or tier) came from when a sale earned them."""

    rate_id = fields.UUIDField(null=True)  # the rate it was earned at, if one matched
    rate: Decimal | None = fields.DecimalField(max_digits=18, decimal_places=6, null=True)
    transaction_id = fields.UUIDField(null=True)  # the sale it was earned on
    created_at = fields.DatetimeField(auto_now_add=True)
