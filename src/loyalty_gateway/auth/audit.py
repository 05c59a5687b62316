"""The audit log: an entry per mutation (`graphql/audit.py` begins it), written inside the
mutation's own transaction when it commits one through `run_once` (every value-moving
mutation does), else as the mutation ends; and reading it."""

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from loyalty_gateway.auth.models import AuditEntry, AuditOutcome
from loyalty_gateway.db.keyset import Column, Order, Slice, Window, page_of
from loyalty_gateway.db.rows import insert

AUDIT_ORDER = Order("auditLog", (Column("id", int),), descending=True)
MAX_IDS = 50


@dataclass
class AuditDraft:
    """The entry of the mutation running: who, which operation, the ids its input names;
    `written` once a transaction holding it committed."""

    actor: str
    token_id: str | None
    profile_id: str | None
    operation: str
    ids: list[str] = field(default_factory=list)
    written: bool = False

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


async def write_draft(result: dict[str, Any]) -> AuditDraft | None:
    """Write the running mutation's entry as OK, with the ids of what `result` names, in the
    caller's transaction; the draft written, for the caller to mark once it commits."""
    draft = drafting.get()
    if draft is None or draft.written:
        return None
    made = [str(value) for key, value in result.items() if key.endswith("_id") and value]
    await insert(AuditEntry, [draft.entry(AuditOutcome.OK, [], made)])
    return draft


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
