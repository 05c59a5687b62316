"""Replay the first outcome of a value-moving mutation for a repeated idempotency key."""

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.rows import insert
from loyalty_gateway.idempotency.models import IdempotencyRecord

Result = dict[str, Any]


def request_digest(request: dict[str, Any]) -> str:
    canonical = orjson.dumps(request, option=orjson.OPT_SORT_KEYS, default=str)
    return hashlib.sha256(canonical).hexdigest()


async def _replay(operation: str, key: str, digest: str) -> Result | None:
    record = await IdempotencyRecord.get_or_none(operation=operation, key=key)
    if record is None:
        return None
    if record.request_hash != digest:
        raise UserError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was used with a different input",
            "idempotencyKey",
        )
    result: Result = record.result
    return result


async def run_once(
    operation: str,
    key: str | None,
    request: dict[str, Any],
    work: Callable[[], Awaitable[Result]],
    lock: Callable[[], Awaitable[object]] | None = None,
) -> Result:
    """Run `work` in one transaction, recording its result under (operation, key).

    `lock` runs first in the transaction (a row lock), so a retry that waited for it sees
    the first call's record. A concurrent call with the same key that still gets past the
    lookup loses the race on the unique index, rolls back everything, and replays.
    """
    if key is None:
        async with in_transaction():
            if lock is not None:
                await lock()
            return await work()
    check_text(IdempotencyRecord, {"key": key}, {"key": "idempotencyKey"})
    digest = request_digest(request)
    try:
        async with in_transaction():
            if lock is not None:
                await lock()
            replayed = await _replay(operation, key, digest)
            if replayed is not None:
                return replayed
            result = await work()
            record = {"operation": operation, "key": key, "request_hash": digest, "result": result}
            await insert(IdempotencyRecord, [record])
            return result
    except IntegrityError:
        replayed = await _replay(operation, key, digest)
        if replayed is None:
            raise
        return replayed
