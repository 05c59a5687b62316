"""Reading the audit log (`graphql/audit.py` writes it as each mutation ends)."""

from loyalty_gateway.auth.models import AuditEntry
from loyalty_gateway.db.keyset import Column, Order, Slice, Window, page_of

AUDIT_ORDER = Order("auditLog", (Column("id", int),), descending=True)


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
