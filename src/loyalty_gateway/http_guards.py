"""Checks in front of GraphQL over HTTP: request size, the time its body may take, and
content type (CSRF: a browser form cannot send JSON without a CORS preflight)."""

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyalty_gateway.db import database_unavailable
from loyalty_gateway.graphql.errors import RETRY_AFTER_SECONDS, unavailable
from loyalty_gateway.graphql.media import GRAPHQL_RESPONSE, JSON, request_error
from loyalty_gateway.settings import Settings

log = logging.getLogger(__name__)

JSON_TYPES = (JSON, GRAPHQL_RESPONSE)


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse(request_error(message), status_code=status)


class guard_http:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app, settings = self.app, self.settings
        request = Request(scope, receive)
        if request.method == "POST":
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type not in JSON_TYPES:
                await _refuse(415, "POST a JSON body (Content-Type: application/json)")(
                    scope, receive, send
                )
                return
            length = request.headers.get("content-length")
            if length is not None and (
                not length.isdigit() or int(length) > settings.max_body_bytes
            ):
                await _refuse(413, f"The body is over {settings.max_body_bytes} bytes")(
                    scope, receive, send
                )
                return
            body = b""
            try:
                async with asyncio.timeout(settings.http_body_timeout_seconds):
                    async for chunk in request.stream():
                        body += chunk
                        if len(body) > settings.max_body_bytes:
                            await _refuse(413, f"The body is over {settings.max_body_bytes} bytes")(
                                scope, receive, send
                            )
                            return
            except TimeoutError:
                message = f"The body did not arrive within {settings.http_body_timeout_seconds}s"
                await _refuse(408, message)(scope, receive, send)
                return

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            await _answering_unavailable(app, scope, replay, send)
            return
        await _answering_unavailable(app, scope, receive, send)


async def _answering_unavailable(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """The database away before the answer started (the token lookup, say): a JSON GraphQL
    error with code SERVICE_UNAVAILABLE, HTTP 503 and Retry-After, instead of a bare 500."""
    started = False

    async def sending(message: Message) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        await app(scope, receive, sending)
    except Exception as error:
        if started or not database_unavailable(error):
            raise
        log.warning("Database unavailable before answering: %r", error)
        body = {"errors": [unavailable().formatted]}
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
        await JSONResponse(body, status_code=503, headers=headers)(scope, receive, send)
