"""Errors a user can cause: each carries a stable code and, where it applies, the input field."""

import uuid
from enum import Enum


class ErrorCode(Enum):
    """Stable codes of user errors; frontends switch on these."""

    INVALID_INPUT = "INVALID_INPUT"
    INVALID_CONDITION = "INVALID_CONDITION"
    RULE_TOO_LARGE = "RULE_TOO_LARGE"
    RULE_TOO_COSTLY = "RULE_TOO_COSTLY"
    TEMPLATE_TOO_COSTLY = "TEMPLATE_TOO_COSTLY"
    TEMPLATE_ERROR = "TEMPLATE_ERROR"
    INVALID_TEMPLATE = "INVALID_TEMPLATE"
    TARGET_IN_USE = "TARGET_IN_USE"
    INVALID_ID = "INVALID_ID"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_HANDLE = "INVALID_HANDLE"
    INVALID_TIMEZONE = "INVALID_TIMEZONE"
    INVALID_DATE = "INVALID_DATE"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE_HANDLE = "DUPLICATE_HANDLE"
    DUPLICATE_EMAIL = "DUPLICATE_EMAIL"
    DUPLICATE_EXTERNAL_ID = "DUPLICATE_EXTERNAL_ID"
    NOT_EXTENDABLE = "NOT_EXTENDABLE"
    ALREADY_EXTENDED = "ALREADY_EXTENDED"
    INVALID_EXTENSION = "INVALID_EXTENSION"
    NOT_REASSIGNABLE = "NOT_REASSIGNABLE"
    REWARD_NOT_ACTIVE = "REWARD_NOT_ACTIVE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    ALREADY_REVERSED = "ALREADY_REVERSED"
    REVERSAL_WINDOW_EXPIRED = "REVERSAL_WINDOW_EXPIRED"
    NOT_REVERSIBLE = "NOT_REVERSIBLE"
    RETURN_EXCEEDS_REDEEMED = "RETURN_EXCEEDS_REDEEMED"
    PROFILE_MISMATCH = "PROFILE_MISMATCH"
    REDEMPTION_ALREADY_LINKED = "REDEMPTION_ALREADY_LINKED"
    TRANSACTION_ALREADY_LINKED = "TRANSACTION_ALREADY_LINKED"
    REDEMPTION_REVERSED = "REDEMPTION_REVERSED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    NOT_CLAIMABLE = "NOT_CLAIMABLE"
    BENEFIT_EXHAUSTED = "BENEFIT_EXHAUSTED"
    BENEFIT_EXPIRED = "BENEFIT_EXPIRED"
    BENEFIT_NOT_ACTIVE = "BENEFIT_NOT_ACTIVE"
    NOT_OWNER = "NOT_OWNER"
    NOT_ASSIGNABLE = "NOT_ASSIGNABLE"


class UserError(Exception):
    """An expected failure caused by the caller's input; nothing was written."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def require_uuid(value: str, field: str) -> str:
    """Return the canonical UUID string or raise INVALID_ID naming the field."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise UserError(ErrorCode.INVALID_ID, f"'{value}' is not a valid id", field) from None


def camel(name: str) -> str:
    """The GraphQL spelling of a snake_case field name."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
