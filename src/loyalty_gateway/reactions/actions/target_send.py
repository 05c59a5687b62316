"""`target.send {target}`: render a Target's template with the context and POST it.

`reactions/templates.py` renders the template (Jinja2's sandbox, bounded; Omneo uses Twig).
aiohttp posts it: 10 s timeout, and retries with exponential backoff on connection errors and
5xx. The body is signed:
`X-Loyalty-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">` with the target's secret.
Any address that is not public (private, loopback, link-local, multicast, reserved, or an
IPv6 form of one of those) is refused unless TARGET_ALLOW_PRIVATE_NETWORKS=true, and the
request connects to the very addresses that were checked. A target with a `condition`
(JSONLogic over the event's context) sends only when it holds; otherwise the step passes
with `{"sent": false}`.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from loyalty_gateway.core.rules import condition_holds
from loyalty_gateway.reactions.actions.base import Action, ActionError, Arguments, Context, text
from loyalty_gateway.reactions.models import Target
from loyalty_gateway.reactions.templates import render
from loyalty_gateway.settings import Settings

# IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-compatible (::a.b.c.d),
# NAT64 (RFC 6052 and RFC 8215). 6to4 and IPv4-mapped are read by `ipaddress` itself.
_EMBEDDING_IPV4 = tuple(
    ipaddress.ip_network(n) for n in ("::/96", "64:ff9b::/96", "64:ff9b:1::/48")
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Whether a connection to `address` reaches the public internet: global unicast, and
    for an IPv6 address that embeds an IPv4 one (mapped, compatible, NAT64, 6to4, Teredo),
    that IPv4 address too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        return embedded is None or is_public(str(embedded))
    return True


class _Pinned(AbstractResolver):
    """Answers with the addresses `check_destination` checked, so the request connects to
    those and no second lookup (DNS rebinding) can swap in a private one."""

    def __init__(self, infos: list[ResolveResult]) -> None:
        self.infos = infos

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [{**info, "hostname": host, "port": port} for info in self.infos]

    async def close(self) -> None:
        return None


async def check_destination(url: str, allow_private: bool) -> AbstractResolver | None:
    """Refuse URLs whose host resolves to a non-public address (unless allowed); return the
    resolver that pins the request to the addresses checked (None when private networks
    are allowed)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ActionError(f"'{url}' is not an http(s) URL", "INVALID_URL")
    if allow_private:
        return None
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ActionError(f"cannot resolve {parts.hostname}: {error}", "UNREACHABLE") from None
    for info in infos:
        if not is_public(str(info[4][0])):
            raise ActionError(
                f"{parts.hostname} resolves to a private address ({info[4][0]})",
                "PRIVATE_ADDRESS_REFUSED",
            )
    return _Pinned(
        [
            {
                "hostname": parts.hostname,
                "host": str(info[4][0]),
                "port": 0,
                "family": info[0],
                "proto": info[2],
                "flags": socket.AI_NUMERICHOST,
            }
            for info in infos
        ]
    )


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def request_headers(
    target: Target, signed: str, delivery_id: str, timestamp: str
) -> dict[str, str]:
    """The headers of a delivery: the target's own, then ours (the signature when the target
    has a secret)."""
    headers = {
        "Content-Type": "application/json",
        **{str(k): str(v) for k, v in (target.headers or {}).items()},
        "X-Loyalty-Delivery": delivery_id,
        "X-Loyalty-Timestamp": timestamp,
    }
    if target.secret:
        headers["X-Loyalty-Signature"] = signed
    return headers


def sends_for(target: Target, context: Context) -> bool:
    """Whether the target's condition holds for this context (no condition: always)."""
    return target.condition is None or condition_holds(target.condition, context)


SKIPPED = {"sent": False, "reason": "the target's condition is false"}


async def _target(arguments: Arguments) -> Target:
    handle = text(arguments, "target")
    target = await Target.get_or_none(handle=handle)
    if target is None:
        raise ActionError(f"no target '{handle}'", "NOT_FOUND")
    return target


async def deliver(
    target: Target, body: str, delivery_id: str, settings: Settings
) -> dict[str, Any]:
    resolver = await check_destination(target.url, settings.target_allow_private_networks)
    payload = body.encode()
    attempts = settings.target_max_attempts
    last_error = ""
    for attempt in range(1, attempts + 1):
        timestamp = str(int(time.time()))
        signed = signature(target.secret, timestamp, payload) if target.secret else ""
        headers = request_headers(target, signed, delivery_id, timestamp)
        try:
            timeout = aiohttp.ClientTimeout(total=settings.target_timeout_seconds)
            connector = aiohttp.TCPConnector(resolver=resolver) if resolver else None
            async with (
                aiohttp.ClientSession(timeout=timeout, connector=connector) as session,
                session.post(
                    target.url, data=payload, headers=headers, allow_redirects=False
                ) as response,
            ):
                if response.status < 500:
                    if response.status >= 300:
                        raise ActionError(f"target answered {response.status}", "TARGET_REFUSED")
                    return {
                        "status": response.status,
                        "attempts": attempt,
                        "delivery_id": delivery_id,
                    }
                last_error = f"target answered {response.status}"
        except (aiohttp.ClientError, TimeoutError) as error:
            last_error = f"{type(error).__name__}: {error}"
        if attempt < attempts:
            await asyncio.sleep(settings.target_backoff_seconds * 2 ** (attempt - 1))
    raise ActionError(f"gave up after {attempts} attempts: {last_error}", "DELIVERY_FAILED")


async def run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    target = await _target(arguments)
    if not sends_for(target, context):
        return SKIPPED
    body = await render(target.template, context)
    return await deliver(target, body, str(arguments["_delivery_id"]), settings)


async def dry_run(arguments: Arguments, context: Context, settings: Settings) -> Any:
    target = await _target(arguments)
    if not sends_for(target, context):
        return SKIPPED
    return {"would": f"POST to {target.url}", "body": await render(target.template, context)}


ACTION = Action(name="target.send", required=("target",), run=run, dry_run=dry_run, writes=False)
