"""The audit log: an entry per mutation (`graphql/audit.py` begins it), written inside the
mutation's own transaction when it commits one through `run_once` (every value-moving
mutation does): with the first event the transaction emits, in the event's statement, or
else as the work ends; otherwise as the mutation ends. And reading it."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from loyalty_gateway.auth.models import AuditEntry, AuditOutcome
from loyalty_gateway.db.keyset import Column, Order, Slice, Window, page_of
from loyalty_gateway.db.riders import rider
from loyalty_gateway.db.rows import Part, insert, inserting

AUDIT_ORDER = Order("auditLog", (Column("id", int),), descending=True)
MAX_IDS = 50


@dataclass
class AuditDraft:
    """The entry of the mutation running: who, which operation, the ids its input names.
    `opened`: how deep in `run_once` transactions the mutation is; `staged`: written in the
    open one; `written` once that one committed."""

    actor: str
    token_id: str | None
    profile_id: str | None
    operation: str
    ids: list[str] = field(default_factory=list)
    opened: int = 0
    staged: bool = False
    written: bool = False

    @property
    def to_write(self) -> bool:
        return self.opened > 0 and not self.staged and not self.written

    def entry(self, outcome: AuditOutcome, codes: list[str], ids: list[str]) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "token_id": self.token_id,
            "profile_id": self.profile_id,
            "operation": self.operation,
            "ids": list(dict.fromkeys([*self.ids, *ids]))[:MAX_IDS],
            "outcome": outcome,
            "error_codes": codes,
        }


drafting: ContextVar[AuditDraft | None] = ContextVar("audit_draft", default=None)
"""The draft of the mutation this task runs, if any (reactions' work has none)."""


def _staging(ids: list[str]) -> dict[str, Any] | None:
    """The running mutation's entry as OK, with these ids too, now to be written in its open
    transaction; None when there is none to write."""
    draft = drafting.get()
    if draft is None or not draft.to_write:
        return None
    draft.staged = True
    return draft.entry(AuditOutcome.OK, [], ids)


def staged_entry(ids: list[str]) -> Part | None:
    """That entry's INSERT, for a statement of the transaction to carry (an event's)."""
    entry = _staging(ids)
    return inserting(AuditEntry, [entry])[0] if entry is not None else None


@asynccontextmanager
async def audited_transaction() -> AsyncIterator[Callable[[dict[str, Any]], Awaitable[None]]]:
    """Around a `run_once` transaction: the running mutation's entry is written in it (by
    the first event, else by the function yielded, given the work's result), and counts as
    written once the outermost such transaction commits; rolled back, it is not."""
    draft = drafting.get()
    if draft is None:
        yield _nothing
        return
    draft.opened += 1
    offered = rider.set(staged_entry)
    try:
        yield _write_result
    except BaseException:
        draft.staged = False
        raise
    finally:
        rider.reset(offered)
        draft.opened -= 1
    if draft.opened == 0 and draft.staged:
        draft.written = True


async def _nothing(result: dict[str, Any]) -> None:
    return None


async def _write_result(result: dict[str, Any]) -> None:
    """The entry, unless an event carried it, with the ids `result` names."""
    made = [str(value) for key, value in result.items() if key.endswith("_id") and value]
    entry = _staging(made)
    if entry is not None:
        await insert(AuditEntry, [entry])


async def list_entries(
    token_id: str | None, operation: str | None, window: Window
) -> Slice[AuditEntry]:
    """Entries newest first, of one token and one operation where given."""
    query = AuditEntry.all()
    if token_id is not None:
        query = query.filter(token_id=token_id)
    if operation is not None:
        query = query.filter(operation=operation)
    return await page_of(query, AUDIT_ORDER, window)
