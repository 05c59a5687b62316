"""GraphQL over HTTP (graphql.github.io/graphql-over-http): which media type a client gets,
the status code that goes with it, and the shape of a request error.

- A client that accepts `application/graphql-response+json` (Apollo Client 4, graphql-http)
  gets it, with a 4xx or 5xx status whenever the response has no `data` (the request did not
  parse, validate or coerce its variables, was refused by a limit, or the server failed).
- Any other client gets `application/json` with 200 for every well-formed request, as the
  spec keeps for older clients.
- A response to a request that never reached execution has no `data` entry at all.
"""

from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

STATUS_BY_CODE = {
    "RATE_LIMITED": 429,
    "SERVICE_UNAVAILABLE": 503,
    "BUSY": 503,
    "INTERNAL_SERVER_ERROR": 500,
}
"""What a response without `data` says, by its first error's code; any other is the client's
request (400)."""


def negotiate(accept: str | None) -> str:
    """`application/graphql-response+json` where the Accept header ranks it at least as high
    as `application/json` (or names it and not the other); otherwise `application/json`,
    also for `*/*` and for no header at all."""
    ranks: dict[str, float] = {}
    for part in (accept or "").split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranks[media.lower()] = max(quality, ranks.get(media.lower(), 0.0))
    wanted = ranks.get(GRAPHQL_RESPONSE, 0.0)
    return GRAPHQL_RESPONSE if wanted > 0 and wanted >= ranks.get(JSON, 0.0) else JSON


def never_executed(result: ExecutionResult) -> bool:
    """The request was refused before any field ran: it did not parse or validate, its
    variables did not coerce (errors without a path), or a limit turned it away."""
    if isinstance(result, PreExecutionError):
        return True
    errors = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def status_for(body: dict[str, Any]) -> int:
    """The status of an `application/graphql-response+json` answer."""
    if "data" in body:
        return 200
    errors = body.get("errors") or [{}]
    code = (errors[0].get("extensions") or {}).get("code")
    return STATUS_BY_CODE.get(code, 400) if isinstance(code, str) else 400


def request_error(message: str) -> dict[str, Any]:
    """The body of a request refused before GraphQL saw it (not JSON, batched, a GET)."""
    return {"errors": [GraphQLError(message, extensions={"code": "BAD_REQUEST"}).formatted]}
