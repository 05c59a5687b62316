from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class EventStatus(StrEnum):
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"  # claimed by a dispatcher until `available_at`
    DONE = "DONE"
    FAILED = "FAILED"  # parked after too many attempts, until retryEvent


class Event(Model):
    """An outbox row, written in the same transaction as the change it announces."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=128)
    profile_id = fields.UUIDField(null=True)
    context: Any = fields.JSONField()
    depth = fields.IntField(default=0)
    status = fields.CharField(max_length=16, default=EventStatus.PENDING.value)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    processed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "event"
        indexes = (("status", "id"),)
