"""The GraphQL status enums of rewards, point lots and benefits: three names for the domain's
one `LotStatus`, each with its values."""

from datetime import datetime
from enum import Enum

import strawberry

from loyalty_gateway.balances.lots import LotKind, LotStatus


def _named(name: str) -> type[Enum]:
    return strawberry.enum(Enum(name, [(s.name, s.value) for s in LotStatus]), name=name)  # type: ignore[return-value]  # Enum() builds a subclass


RewardStatusEnum = _named("RewardStatus")
PointStatusEnum = _named("PointStatus")
BenefitStatusEnum = _named("BenefitStatus")


def status_as(enum: type[Enum], kind: LotKind, lot: object, now: datetime) -> Enum:
    """A loaded lot's status as the GraphQL enum `enum`."""
    return enum(kind.status(lot, now).value)
