from tortoise import fields
from tortoise.models import Model


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
