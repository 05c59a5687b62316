from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model


class AuditOutcome(StrEnum):
    OK = "OK"
    USER_ERROR = "USER_ERROR"  # the payload's errors: nothing was written
    FORBIDDEN = "FORBIDDEN"  # refused for want of a token or a scope
    ERROR = "ERROR"  # the server failed


class ApiToken(Model):
    """A bearer token, of which only the SHA-256 digest is stored."""

    id = fields.UUIDField(primary_key=True)
    name = fields.CharField(max_length=255)
    token_hash = fields.CharField(max_length=64, unique=True)
    prefix = fields.CharField(max_length=16)
    scopes: list[str] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class AuditEntry(Model):
    """One mutation: who ran it, what it touched, when, and how it ended."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    actor = fields.CharField(max_length=16)
    token_id = fields.UUIDField(null=True)
    profile_id = fields.UUIDField(null=True)
    operation = fields.CharField(max_length=64)
    ids: Any = fields.JSONField(default=list)
    outcome = fields.CharField(max_length=16)
    error_codes: Any = fields.JSONField(default=list)

    class Meta:
        table = "audit_entry"
        indexes = (("token_id", "id"), ("operation", "id"))
