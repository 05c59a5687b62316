"""Definitions with a period, issued as lots to profiles: how their fields are checked,
created, found and listed, and when a lot issued from one expires; what rewards, benefits
and points share, written once (issuing a lot is `issuing.py`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from tortoise.models import Model

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.time import PeriodType, as_aware, expiry_from_period, happened_at
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.handles import (
    check_handle,
    check_handle_key,
    check_not_null,
    create_with_handle,
    find_by_id_or_handle,
    id_or_handle_ref,
    update_with_handle,
)
from loyalty_gateway.db.keyset import Order, Slice, Window, page_of
from loyalty_gateway.db.rows import RowRef, by_ids
from loyalty_gateway.db.search import Terms, matching_any

D = TypeVar("D", bound=Model)

NOT_NULL = (
    "name", "handle", "type", "period_type", "is_assignable", "is_extendable",
    "is_reassignable", "is_published", "tags",
)  # fmt: skip


def clean_definition(
    model: type[Model], fields: dict[str, Any], types: tuple[str, ...], not_null: tuple[str, ...]
) -> dict[str, Any]:
    """The checks every definition's fields pass, on create and on update (where absent
    fields are left alone): text limits, no null where a value is needed, a valid handle, a
    name, a known type, a period of 0 or more, an extension of 1 day or more."""
    cleaned = dict(fields)
    check_text(model, cleaned)
    check_not_null(cleaned, NOT_NULL + not_null)
    if "handle" in cleaned:
        check_handle(cleaned["handle"])
    if "name" in cleaned and not cleaned["name"].strip():
        raise UserError(ErrorCode.INVALID_INPUT, "name must not be empty", "name")
    if "type" in cleaned and cleaned["type"] not in types:
        raise UserError(ErrorCode.INVALID_INPUT, f"type must be one of {', '.join(types)}", "type")
    if cleaned.get("period") is not None and cleaned["period"] < 0:
        raise UserError(ErrorCode.INVALID_INPUT, "period must not be negative", "period")
    if cleaned.get("extend_days") is not None and cleaned["extend_days"] < 1:
        raise UserError(ErrorCode.INVALID_INPUT, "extendDays must be at least 1", "extendDays")
    if isinstance(cleaned.get("period_type"), PeriodType):
        cleaned["period_type"] = cleaned["period_type"].value
    return cleaned


def check_period(definition: Any) -> None:
    """A definition as it would be saved: an `absolute_date` period needs its date."""
    absolute = definition.period_type == PeriodType.ABSOLUTE_DATE.value
    if absolute and definition.absolute_expiry is None:
        raise UserError(
            ErrorCode.INVALID_INPUT, "absolute_date needs absoluteExpiry", "absoluteExpiry"
        )


def search_terms(term: str) -> Terms:
    """What a definition search matches (`db/search.py`): the name or handle contains
    `term`, any case."""
    return {"name": term, "handle": term}


@dataclass(frozen=True)
class DefinitionKind(Generic[D]):
    """One kind of definition (a reward's, a benefit's, a point's): how its fields are
    checked, created, changed, found and listed. `clean` checks given fields (on create and on
    update, where absent ones stay); `check` the definition as it would be saved."""

    model: type[D]
    label: str  # in messages: "reward definition"
    order: Order  # of its list, which names its cursors
    clean: Callable[[dict[str, Any]], dict[str, Any]]
    check: Callable[[D], None] = check_period

    async def create(self, fields: dict[str, Any]) -> D:
        """A new definition, checked as it would be saved, under a free handle."""
        cleaned = self.clean(fields)
        self.check(self.model(**cleaned))
        return await create_with_handle(self.model, cleaned)

    async def update(self, definition_id: str, fields: dict[str, Any]) -> D:
        return await update_with_handle(
            self.model, self.label, definition_id, self.clean(fields), self.check
        )

    async def find(
        self,
        definition_id: str | None,
        handle: str | None,
        id_field: str,
        handle_field: str,
        read_ahead: Model | None = None,
    ) -> D:
        """A definition by id or by handle (exactly one), or NOT_FOUND naming the field used."""
        return await find_by_id_or_handle(
            self.model, self.label, definition_id, handle, id_field, handle_field, read_ahead
        )

    def ref(self, definition_id: str | None, handle: str | None) -> RowRef | None:
        """The definition an input names, as a row a statement may read ahead (`find` takes
        it as `read_ahead`)."""
        return id_or_handle_ref(self.model, definition_id, handle)

    async def by_handles(self, handles: list[str], field: str) -> list[D]:
        """The definitions `handles` name, in their order, read in one statement, or
        NOT_FOUND for the first that names none."""
        for handle in handles:
            check_handle_key(self.model, handle, field)
        found = {row.handle: row for row in await by_ids(self.model, handles, field="handle")}  # type: ignore[attr-defined]  # every definition has a handle
        for handle in handles:
            if handle not in found:
                raise UserError(ErrorCode.NOT_FOUND, f"No {self.label} '{handle}'", field)
        return [found[handle] for handle in handles]

    async def page(
        self, search: str | None, flags: dict[str, bool | None], window: Window
    ) -> Slice[D]:
        """A page of definitions, oldest first: those matching every given flag, and
        `search` in the name or handle."""
        query = self.model.filter(
            **{name: value for name, value in flags.items() if value is not None}
        )
        if search and search.strip():
            query = query.filter(matching_any(search_terms(search.strip())))
        return await page_of(query, self.order, window)

    async def by_ids(self, ids: list[str]) -> dict[str, D]:
        """The definitions `ids` name, by id: one statement by key, none for no ids."""
        return {str(d.pk): d for d in await by_ids(self.model, ids)}


def lot_dates(
    tz: ZoneInfo,
    issued_at: datetime | None,
    expires_at: datetime | None,
    definition: Any | None = None,
) -> tuple[datetime, datetime | None]:
    """When a lot is issued and when it expires: an `expiresAt` given, else the definition's
    period from the local issue date, else never. It must expire after it is issued."""
    issued = happened_at(issued_at, tz, "issuedAt")
    expires: datetime | None
    if expires_at is not None:
        expires = as_aware(expires_at, tz, "expiresAt")
    elif definition is not None:
        expires = definition_expiry(definition, issued, tz)
    else:
        expires = None
    if expires is not None and expires <= issued:
        raise UserError(ErrorCode.INVALID_DATE, "expiresAt is not after issuedAt", "expiresAt")
    return issued, expires


def definition_expiry(definition: Any, issued_at: datetime, tz: ZoneInfo) -> datetime | None:
    """The expiry a definition's period gives a lot issued at `issued_at`."""
    period_type = PeriodType(definition.period_type)
    if period_type is PeriodType.ABSOLUTE_DATE:
        return definition.absolute_expiry  # type: ignore[no-any-return]  # a model field
    if definition.period is None:
        return None
    return expiry_from_period(issued_at, tz, definition.period, period_type)
