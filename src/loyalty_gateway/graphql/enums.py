"""The domain's enums as GraphQL shows them: each registered once, under its GraphQL name.
Types import them from here, so none is used before it is registered."""

import strawberry

from loyalty_gateway.core.errors import ErrorCode
from loyalty_gateway.core.time import PeriodType
from loyalty_gateway.reactions.models import LogKind, RunStatus, StepStatus
from loyalty_gateway.redemptions.ledger import LotKind, Movement
from loyalty_gateway.redemptions.models import ItemType, RedemptionType

for domain, name in (
    (ErrorCode, "ErrorCode"),
    (PeriodType, "PeriodType"),
    (RedemptionType, "RedemptionType"),
    (ItemType, "RedemptionItemType"),
    (Movement, "LedgerMovement"),
    (LotKind, "LedgerLotKind"),
    (RunStatus, "RunStatus"),
    (StepStatus, "StepStatus"),
    (LogKind, "LogKind"),
):
    strawberry.enum(domain, name=name)

__all__ = [
    "ErrorCode",
    "ItemType",
    "LogKind",
    "LotKind",
    "Movement",
    "PeriodType",
    "RedemptionType",
    "RunStatus",
    "StepStatus",
]
