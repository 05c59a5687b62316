"""The GraphQL status enums of rewards, point lots and benefits: three names for the domain's
one `LotStatus`, each with the values its kind of lot can take (PENDING: point lots only)."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

import strawberry

from loyalty_gateway.balances.lots import BENEFIT_LOTS, POINT_LOTS, REWARD_LOTS, LotKind, LotStatus

E = TypeVar("E", bound=Enum)


def _named(name: str, kind: LotKind) -> type[Enum]:
    wrapper = Enum(name, [(status.name, status.value) for status in kind.statuses])  # type: ignore[misc]  # a functional Enum
    return strawberry.enum(wrapper, name=name)


if TYPE_CHECKING:  # to the type checker each is LotStatus, whose values they share
    RewardStatusEnum = LotStatus
    PointStatusEnum = LotStatus
    BenefitStatusEnum = LotStatus
else:
    RewardStatusEnum = _named("RewardStatus", REWARD_LOTS)
    PointStatusEnum = _named("PointStatus", POINT_LOTS)
    BenefitStatusEnum = _named("BenefitStatus", BENEFIT_LOTS)


def status_as(enum: type[E], kind: LotKind, lot: object, now: datetime) -> E:
    """A loaded lot's status as the GraphQL enum `enum`."""
    return enum(kind.status(lot, now).value)
