from tortoise import fields
from tortoise.models import Model

from loyalty_gateway.balances.models import Stamped
from loyalty_gateway.core.errors import ErrorCode, UserError


class Profile(Model, Stamped):
    id = fields.UUIDField(primary_key=True)
    first_name = fields.CharField(max_length=255, null=True)
    last_name = fields.CharField(max_length=255, null=True)
    email = fields.CharField(max_length=320)
    email_normalized = fields.CharField(max_length=320, unique=True)
    mobile_phone = fields.CharField(max_length=64, null=True)
    birth_date = fields.DateField(null=True)
    gender = fields.CharField(max_length=32, null=True)
    tags: list[str] = fields.JSONField(default=list)
    external_id = fields.CharField(max_length=255, null=True, unique=True)

    class Meta:
        table = "profile"
        indexes = (("created_at", "id"),)


def no_such_profile(profile_id: str, field: str) -> UserError:
    """What every lookup of an unknown profile id answers."""
    return UserError(ErrorCode.NOT_FOUND, f"No profile with id {profile_id}", field)
