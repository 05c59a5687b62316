"""Handles: unique, URL-safe names that definitions are looked up by."""

import re

from tortoise.models import Model

from loyalty_gateway.core.errors import ErrorCode, UserError, camel

HANDLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")


def check_handle(handle: str | None) -> None:
    if not HANDLE.match(handle or ""):
        raise UserError(
            ErrorCode.INVALID_HANDLE,
            "A handle is letters, digits, '-' and '_', starting with a letter or digit",
            "handle",
        )


async def ensure_handle_free(
    model: type[Model], handle: str, exclude_id: str | None = None
) -> None:
    query = model.filter(handle=handle)
    if exclude_id:
        query = query.exclude(id=exclude_id)
    if await query.exists():
        raise UserError(ErrorCode.DUPLICATE_HANDLE, f"Handle '{handle}' is taken", "handle")


def check_not_null(fields: dict, names: tuple[str, ...]) -> None:
    """Fields that may be left out of an update but not set to null."""
    for name in names:
        if name in fields and fields[name] is None:
            raise UserError(ErrorCode.INVALID_INPUT, f"{camel(name)} cannot be null", camel(name))
