from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from tortoise import fields
from tortoise.migrations.constraints import CheckConstraint
from tortoise.models import Model

from loyalty_gateway.balances.models import DefinitionColumns, PeriodColumns, Stamped


class IssuePeriodType(Enum):
    HOURS = "hours"
    DAYS = "days"


class PointDefinition(Model, DefinitionColumns, PeriodColumns):
    """A kind of points a program awards: reward points (spendable) or tier points (count
    toward tiers), with the expiry and the pending period its lots get unless a rate says
    otherwise."""

    id = fields.UUIDField(primary_key=True)
    type = fields.CharField(max_length=16)  # PointType's values
    issue_period = fields.IntField(null=True)
    issue_period_type = fields.CharField(max_length=16, default="days")

    class Meta:
        table = "point_definition"
        indexes = (("created_at", "id"),)


class Rate(Model, Stamped):
    """How many points a unit of spend earns for one point definition, when and for whom."""

    id = fields.UUIDField(primary_key=True)
    definition: fields.ForeignKeyRelation[PointDefinition] = fields.ForeignKeyField(
        "models.PointDefinition", related_name="rates", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=255)
    rate: Decimal = fields.DecimalField(max_digits=18, decimal_places=6)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    profile_conditions: Any = fields.JSONField(null=True)
    product_conditions: Any = fields.JSONField(null=True)
    location_id = fields.CharField(max_length=255, null=True)
    code = fields.CharField(max_length=255, null=True)
    issue_period = fields.IntField(null=True)
    issue_period_type = fields.CharField(max_length=16, default="days")
    is_published = fields.BooleanField(default=True)
    is_archived = fields.BooleanField(default=False)

    definition_id: str

    class Meta:
        table = "rate"
        indexes = (("definition_id", "is_archived"), ("created_at", "id"))
        constraints = (CheckConstraint(check="rate > 0", name="rate_rate_ck"),)


def pending_until(issued_at: datetime, period: int | None, period_type: str) -> datetime | None:
    """When points issued at `issued_at` become spendable; None: at once."""
    if not period:
        return None
    unit = timedelta(hours=1) if period_type == IssuePeriodType.HOURS.value else timedelta(days=1)
    return issued_at + period * unit


@dataclass(frozen=True)
class Earning:
    """What points earned by a definition keep: the definition (its expiry and pending
    period), the rate that applied (its pending period comes first), and the sale."""

    definition: PointDefinition | None
    rate: Rate | None
    transaction_id: str | None

    def columns(self) -> dict[str, Any]:
        """The columns of a point lot or a tier point entry that record it."""
        return {
            "definition_id": self.definition.id if self.definition is not None else None,
            "rate_id": self.rate.id if self.rate is not None else None,
            "rate": self.rate.rate if self.rate is not None else None,
            "transaction_id": self.transaction_id,
        }

    def available_at(self, issued_at: datetime) -> datetime | None:
        """When points issued at `issued_at` become spendable; None: at once."""
        rate = self.rate
        period = rate if rate is not None and rate.issue_period is not None else self.definition
        if period is None:
            return None
        return pending_until(issued_at, period.issue_period, period.issue_period_type)
