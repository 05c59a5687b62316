"""Columns several tables share, declared once (Tortoise takes a plain class's fields as a
mixin's, before the model's own): the times a row keeps of itself, and what definitions and
lots of several kinds hold alike."""

from decimal import Decimal
from typing import Any

from tortoise import fields


class Stamped:
    """When the row was created and last changed."""

    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)


class DefinitionColumns(Stamped):
    """What every definition (a reward's, a benefit's, a tier's, a point's) is known by."""

    name = fields.CharField(max_length=255)
    handle = fields.CharField(max_length=255, unique=True)
    description = fields.TextField(null=True)


class PeriodColumns:
    """How long a lot of a definition lasts: `period` units of `period_type` from its local
    issue date, or until `absolute_expiry`."""

    period = fields.IntField(null=True)
    period_type = fields.CharField(max_length=32, default="days")
    absolute_expiry = fields.DatetimeField(null=True)


class PresentedColumns:
    """What apps show customers of a definition (rewards', benefits', tiers')."""

    short_description = fields.TextField(null=True)
    long_description = fields.TextField(null=True)
    terms_conditions = fields.TextField(null=True)
    icon = fields.TextField(null=True)
    image_url = fields.TextField(null=True)
    tags: list[str] = fields.JSONField(default=list)


class IssuedDefinitionColumns(DefinitionColumns, PeriodColumns, PresentedColumns):
    """What a definition issued as lots to profiles (a reward's, a benefit's) holds besides its
    own: how customers earn and use it, and what may be done with its lots."""

    earn_instructions = fields.TextField(null=True)
    redeem_instructions_store = fields.TextField(null=True)
    redeem_instructions_online = fields.TextField(null=True)
    extend_days = fields.IntField(null=True)
    is_extendable = fields.BooleanField(default=False)
    is_reassignable = fields.BooleanField(default=False)
    is_published = fields.BooleanField(default=False)


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
