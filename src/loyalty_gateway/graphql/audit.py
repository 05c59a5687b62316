"""The audit log: every mutation, who ran it, what it touched, when, and the outcome."""

import dataclasses
import inspect
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from loyalty_gateway.auth.audit import AUDIT_ORDER, AuditDraft, drafting, list_entries
from loyalty_gateway.auth.models import AuditEntry as AuditEntryModel
from loyalty_gateway.auth.service import Principal
from loyalty_gateway.db.keyset import Window
from loyalty_gateway.db.rows import insert
from loyalty_gateway.graphql.convert import from_model
from loyalty_gateway.graphql.enums import AuditOutcome, Scope
from loyalty_gateway.graphql.ids import parse_id, typed_id
from loyalty_gateway.graphql.pagination import Connection, Paged, connection
from loyalty_gateway.graphql.permissions import guarded_by, scoped_field

log = logging.getLogger(__name__)


def _ids(value: Any, found: list[str], depth: int = 0) -> None:
    """Ids in a payload or input: fields named `id`, `*_id` and `ids`, a few levels down."""
    if depth > 3 or value is None:
        return
    if isinstance(value, list | tuple):
        for item in value:
            _ids(item, found, depth + 1)
        return
    if isinstance(value, dict):
        items = value.items()
    elif hasattr(value, "__dict__"):
        items = vars(value).items()
    else:
        return
    for name, item in items:
        if item is None or item is strawberry.UNSET:
            continue
        if name == "id" or name.endswith(("_id", "Id")):
            if isinstance(item, str | int):
                found.append(str(item))
        elif name == "ids" and isinstance(item, list):
            found.extend(str(i) for i in item)
        elif dataclasses.is_dataclass(item) or isinstance(item, list | dict):
            _ids(item, found, depth + 1)


def _draft(info: Info, kwargs: dict[str, Any]) -> AuditDraft | None:
    """The entry begun: None without a caller to hold to account (a flood of them would
    only fill the table)."""
    principal: Principal | None = info.context.principal
    if principal is None:
        return None
    if principal.is_customer:
        actor, token_id, profile_id = "customer", None, principal.profile_id
    elif principal.token_id is None:
        actor, token_id, profile_id = "admin", None, None
    else:
        actor, token_id, profile_id = "token", principal.token_id, None
    touched: list[str] = []
    _ids(kwargs.get("input"), touched)
    return AuditDraft(actor, token_id, profile_id, info.field_name, touched)


async def _write(draft: AuditDraft, result: Any, error: Exception | None) -> None:
    """The entry, written as the mutation ends, with the outcome and the result's ids."""
    touched: list[str] = []
    _ids(result, touched)
    codes: list[str] = []
    if error is not None:
        extensions = getattr(error, "extensions", None) or {}
        code = extensions.get("code", "INTERNAL_SERVER_ERROR")
        refused = code in ("FORBIDDEN", "UNAUTHENTICATED")
        outcome = AuditOutcome.FORBIDDEN if refused else AuditOutcome.ERROR
        codes.append(code)
    else:
        user_errors = getattr(result, "errors", None) or []
        codes = [e.code.value for e in user_errors]
        outcome = AuditOutcome.USER_ERROR if codes else AuditOutcome.OK
    try:
        await insert(AuditEntryModel, [draft.entry(outcome, codes, touched)])
    except Exception:  # the audit must not turn a done mutation into a failure
        log.exception("could not write the audit entry of %s", draft.operation)


class Audited(FieldExtension):
    """On each root mutation field: an audit entry, whatever it returned, when a token or
    customer ran it (unauthenticated attempts are refused and not written). A mutation that
    commits its work through `run_once` has its entry written in that very transaction
    (`auth/audit.py`); any other, or one that ends in an error, has it written here.

    A field extension on mutations only, not a schema-wide `resolve` hook, which would wrap
    every field of every query and cost list queries several times their time.
    """

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        raise NotImplementedError("mutations resolve asynchronously")

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        draft = _draft(info, kwargs)
        if draft is None:
            result = next_(source, info, **kwargs)
            return await result if inspect.isawaitable(result) else result
        begun = drafting.set(draft)
        try:
            result = next_(source, info, **kwargs)
            if inspect.isawaitable(result):
                result = await result
        except Exception as error:
            await _write(draft, None, error)
            raise
        finally:
            drafting.reset(begun)
        if not draft.written or getattr(result, "errors", None):
            await _write(draft, result, None)
        return result


@guarded_by(Scope.AUDIT_READ)
@strawberry.type
class AuditEntry:
    id: strawberry.ID
    at: datetime
    actor: str = strawberry.field(description="token, customer, admin (the bootstrap token)")
    token_id: strawberry.ID | None
    profile_id: strawberry.ID | None = strawberry.field(description="For a customer token.")
    operation: str
    ids: list[str] = strawberry.field(description="Ids in the input and the result.")
    outcome: AuditOutcome = strawberry.field(description="How the mutation ended.")
    error_codes: list[str]

    @classmethod
    def from_model(cls, model: AuditEntryModel) -> "AuditEntry":
        return from_model(cls, model, id=typed_id("AuditEntry", model.id))


@strawberry.type
class AuditQueries:
    @scoped_field(
        Scope.AUDIT_READ,
        extensions=[Paged(AUDIT_ORDER)],
        description="Newest first.",
    )
    async def audit_log(
        self,
        window: Window,
        token_id: strawberry.ID | None = None,
        operation: str | None = None,
    ) -> Connection[AuditEntry]:
        token = parse_id(token_id, "tokenId") if token_id is not None else None
        found = await list_entries(token, operation, window)
        return connection(found, [AuditEntry.from_model(r) for r in found.rows])
