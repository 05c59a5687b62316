from tortoise import fields
from tortoise.models import Model


class ProgramSettings(Model):
    """The loyalty program's settings: one row, seeded from the environment on first read."""

    id = fields.IntField(primary_key=True)
    points_to_dollars_rate = fields.DecimalField(max_digits=12, decimal_places=6)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "program_settings"
