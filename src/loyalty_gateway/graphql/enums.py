"""The domain's enums as GraphQL shows them: each registered once, under its GraphQL name.
Types import them from here, so none is used before it is registered."""

import strawberry

from loyalty_gateway.auth.models import AuditOutcome
from loyalty_gateway.auth.scopes import Scope
from loyalty_gateway.core.errors import ErrorCode
from loyalty_gateway.core.time import PeriodType
from loyalty_gateway.earning.definitions import PointType
from loyalty_gateway.earning.models import IssuePeriodType
from loyalty_gateway.events.models import EventStatus
from loyalty_gateway.reactions.models import LogKind, LogStatus, RunStatus, StepStatus
from loyalty_gateway.reactions.schedule import Frequency
from loyalty_gateway.redemptions.ledger import LotKind, Movement
from loyalty_gateway.redemptions.models import ItemType, RedemptionType
from loyalty_gateway.redemptions.service import Strategy

for domain, name in (
    (ErrorCode, "ErrorCode"),
    (PeriodType, "PeriodType"),
    (PointType, "PointType"),
    (IssuePeriodType, "IssuePeriodType"),
    (RedemptionType, "RedemptionType"),
    (ItemType, "RedemptionItemType"),
    (Movement, "LedgerMovement"),
    (LotKind, "LedgerLotKind"),
    (RunStatus, "RunStatus"),
    (StepStatus, "StepStatus"),
    (LogKind, "LogKind"),
    (Scope, "Scope"),
    (Strategy, "RedemptionStrategy"),
    (EventStatus, "EventStatus"),
    (LogStatus, "LogStatus"),
    (AuditOutcome, "AuditOutcome"),
    (Frequency, "AutomationFrequency"),
):
    strawberry.enum(domain, name=name)

__all__ = [
    "AuditOutcome",
    "ErrorCode",
    "EventStatus",
    "Frequency",
    "IssuePeriodType",
    "ItemType",
    "LogKind",
    "LogStatus",
    "LotKind",
    "Movement",
    "PeriodType",
    "PointType",
    "RedemptionType",
    "RunStatus",
    "Scope",
    "StepStatus",
    "Strategy",
]
