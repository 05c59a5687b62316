"""The GraphQL status enums of rewards, point lots and benefits: three names for the domain's
one `LotStatus`, each with its values."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

import strawberry

from loyalty_gateway.balances.lots import LotKind, LotStatus

E = TypeVar("E", bound=Enum)


def _named(name: str) -> type[Enum]:
    wrapper = Enum(name, [(status.name, status.value) for status in LotStatus])  # type: ignore[misc]  # a functional Enum
    return strawberry.enum(wrapper, name=name)


if TYPE_CHECKING:  # to the type checker each is LotStatus, whose values they share
    RewardStatusEnum = LotStatus
    PointStatusEnum = LotStatus
    BenefitStatusEnum = LotStatus
else:
    RewardStatusEnum = _named("RewardStatus")
    PointStatusEnum = _named("PointStatus")
    BenefitStatusEnum = _named("BenefitStatus")


def status_as(enum: type[E], kind: LotKind, lot: object, now: datetime) -> E:
    """A loaded lot's status as the GraphQL enum `enum`."""
    return enum(kind.status(lot, now).value)
