from tortoise import fields
from tortoise.models import Model


class ProgramSettings(Model):
    """The loyalty program's settings: one row, seeded from the environment on first read."""

    id = fields.IntField(primary_key=True)
    points_to_dollars_rate = fields.DecimalField(max_digits=12, decimal_places=6)
    # Where a reaction issues without a time zone of its own or of the record that triggered it.
    default_timezone = fields.CharField(max_length=64, default="UTC")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "program_settings"
