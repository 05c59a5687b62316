"""Webhook targets: saved only when their template compiles and their condition is a valid
rule; corrected, or deleted once no reaction sends to them; tried without sending."""

from dataclasses import dataclass
from typing import Any

from tortoise.transactions import in_transaction

from loyalty_gateway.core.errors import ErrorCode, UserError
from loyalty_gateway.core.rules import check_rule
from loyalty_gateway.db.columns import check_text
from loyalty_gateway.db.handles import (
    check_handle,
    check_not_null,
    create_with_handle,
    update_with_handle,
)
from loyalty_gateway.db.rows import find_row
from loyalty_gateway.reactions.actions.target_send import request_headers, sends_for
from loyalty_gateway.reactions.models import ReactionAction, Target
from loyalty_gateway.reactions.templates import check_template, render

SIGNED_WHEN_SENT = "sha256=<signed with the target's secret when sent>"


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The given fields checked; `headers: null` is no headers."""
    check_not_null(fields, ("name", "handle", "url", "template"))
    if "handle" in fields:
        check_handle(fields["handle"])
    check_text(Target, {k: v for k, v in fields.items() if k in ("name", "handle")})
    if "url" in fields and not str(fields["url"]).startswith(("http://", "https://")):
        raise UserError(ErrorCode.INVALID_INPUT, "url must be an http(s) URL", "url")
    if "template" in fields:
        check_template(fields["template"])
    if fields.get("condition") is not None:
        check_rule(fields["condition"], "condition")
    if "headers" in fields:
        headers = fields["headers"] or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise UserError(ErrorCode.INVALID_INPUT, "headers must map names to strings", "headers")
        fields = {**fields, "headers": headers}
    return fields


async def create_target(fields: dict[str, Any]) -> Target:
    """`fields`: name, handle, url, template, and optionally secret, headers, description,
    condition."""
    return await create_with_handle(Target, _clean({"headers": {}, **fields}))


async def find_target(target_id: str, field: str = "id") -> Target:
    return await find_row(Target, target_id, "target", field)


async def _reactions_sending_to(handle: str) -> list[str]:
    """The ids of reactions with a `target.send` to this handle (a literal argument)."""
    actions = await ReactionAction.filter(name="target.send").only("reaction_id", "arguments")
    return sorted(
        {
            str(action.reaction_id)
            for action in actions
            for argument in action.arguments
            if argument["name"] == "target"
            and not argument.get("is_dynamic")
            and argument["value"] == handle
        }
    )


async def _ensure_unused(target: Target, doing: str, field: str) -> None:
    users = await _reactions_sending_to(target.handle)
    if users:
        raise UserError(
            ErrorCode.TARGET_IN_USE,
            f"Cannot {doing} target '{target.handle}': reactions {', '.join(users)} send to it",
            field,
        )


async def update_target(target_id: str, fields: dict[str, Any]) -> Target:
    """Change the given fields. A handle reactions send to stays: TARGET_IN_USE."""
    cleaned = _clean(fields)
    target = await find_target(target_id)
    if cleaned.get("handle", target.handle) != target.handle:
        await _ensure_unused(target, "rename", "handle")
    return await update_with_handle(Target, "target", target_id, cleaned)


async def delete_target(target_id: str) -> Target:
    """Delete a target no reaction sends to (else TARGET_IN_USE)."""
    async with in_transaction():
        target = await find_target(target_id)
        await _ensure_unused(target, "delete", "id")
        await target.delete()
    return target


async def list_targets() -> list[Target]:
    return await Target.all().order_by("handle")


@dataclass(frozen=True)
class TargetPreview:
    """What `target.send` would do with a context: send (the request below) or skip."""

    would_send: bool
    url: str
    headers: dict[str, str]
    body: str | None


async def test_target(target_id: str, context: Any) -> TargetPreview:
    """`testTarget`: the condition and template applied to `context`; nothing is sent."""
    if not isinstance(context, dict):
        raise UserError(ErrorCode.INVALID_INPUT, "context must be a JSON object", "context")
    target = await find_target(target_id)
    headers = request_headers(target, SIGNED_WHEN_SENT, "<delivery id>", "<timestamp>")
    if not sends_for(target, context):
        return TargetPreview(False, target.url, headers, None)
    return TargetPreview(True, target.url, headers, await render(target.template, context))
