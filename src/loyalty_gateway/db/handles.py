"""Handles: unique, URL-safe names that definitions are looked up by."""

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError, camel, require_uuid
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.rows import RowRef, by_ids

M = TypeVar("M", bound=Model)
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


def check_not_null(fields: dict[str, Any], names: tuple[str, ...]) -> None:
    """Fields that may be left out of an update but not set to null."""
    for name in names:
        if name in fields and fields[name] is None:
            raise UserError(ErrorCode.INVALID_INPUT, f"{camel(name)} cannot be null", camel(name))


def id_or_handle_ref(
    model: type[Model], definition_id: str | None, handle: str | None
) -> RowRef | None:
    """The definition an input names by id or by handle, as a row to read ahead (None when
    it names none, both, a malformed id or a handle no row holds: `find_by_id_or_handle`
    says what is wrong)."""
    if (definition_id is None) == (handle is None):
        return None
    if handle is not None:
        try:
            check_handle_key(model, handle, "handle")
        except UserError:
            return None
        return RowRef(model, "handle", handle)
    try:
        return RowRef(model, "id", str(uuid.UUID(str(definition_id))))
    except ValueError:
        return None


async def find_by_id_or_handle(
    model: type[M],
    label: str,
    definition_id: str | None,
    handle: str | None,
    id_field: str,
    handle_field: str,
    read_ahead: Model | None = None,
) -> M:
    """A definition by id or by handle (exactly one), or NOT_FOUND naming the field used;
    `read_ahead` when it is one (`id_or_handle_ref`: the row a statement read before)."""
    if isinstance(read_ahead, model):
        return read_ahead
    if (definition_id is None) == (handle is None):
        raise UserError(
            ErrorCode.INVALID_INPUT, f"Give exactly one of {id_field} and {handle_field}", id_field
        )
    if definition_id is None:
        return await find_by_handle(model, label, str(handle), handle_field)
    found = await by_ids(model, [require_uuid(definition_id, id_field)])
    if not found:
        raise UserError(ErrorCode.NOT_FOUND, f"No {label} '{definition_id}'", id_field)
    return found[0]


def check_handle_key(model: type[Model], handle: str, field: str) -> None:
    """A handle a lookup is given: one no row can hold (a NUL character, which PostgreSQL
    refuses in a query too, or longer than the column) is INVALID_INPUT naming `field`."""
    check_text(model, {"handle": handle}, {"handle": field})


async def find_by_handle(model: type[M], label: str, handle: str, field: str) -> M:
    """The row `handle` names, or NOT_FOUND naming `field` (`check_handle_key` first)."""
    check_handle_key(model, handle, field)
    found = await by_ids(model, [handle], field="handle")
    if not found:
        raise UserError(ErrorCode.NOT_FOUND, f"No {label} '{handle}'", field)
    return found[0]


async def create_with_handle(model: type[M], fields: dict[str, Any]) -> M:
    """Create a row under a free handle. Two creates racing for one handle: the loser's
    unique violation is DUPLICATE_HANDLE, as if it had come second."""
    try:
        async with in_transaction():
            await ensure_handle_free(model, fields["handle"])
            return await model.create(**fields)
    except IntegrityError:
        await ensure_handle_free(model, fields["handle"])
        raise


async def update_with_handle(
    model: type[M],
    label: str,
    definition_id: str,
    cleaned: dict[str, Any],
    check: Callable[[Any], None] = lambda _definition: None,
) -> M:
    """Apply cleaned fields to a definition in one transaction, keeping its handle unique (a
    handle lost to a racing update is DUPLICATE_HANDLE)."""
    definition_id = require_uuid(definition_id, "id")
    try:
        async with in_transaction():
            definition = await model.get_or_none(id=definition_id)
            if definition is None:
                raise UserError(ErrorCode.NOT_FOUND, f"No {label} {definition_id}", "id")
            if "handle" in cleaned:
                await ensure_handle_free(model, cleaned["handle"], exclude_id=definition_id)
            definition.update_from_dict(cleaned)
            check(definition)
            await definition.save()
    except IntegrityError:
        if "handle" in cleaned:
            await ensure_handle_free(model, cleaned["handle"], exclude_id=definition_id)
        raise
    return definition
