"""The per-request context: who is calling, the settings, and fresh DataLoaders."""

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.responses import Response

from loyalty_gateway.auth.service import Principal, authenticate
from loyalty_gateway.graphql.loaders import Loaders
from loyalty_gateway.settings import Settings


@dataclass
class Context:
    settings: Settings
    principal: Principal | None
    loaders: Loaders = field(default_factory=Loaders)
    connection_params: dict[str, object] | None = None
    response: Response | None = None  # HTTP only: headers set here go out with the answer
    token_refused: bool = False  # a bearer token came and was not valid (unknown, revoked...)


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_from_params(params: dict[str, object] | None) -> str | None:
    """The token of a graphql-transport-ws `connection_init` payload
    (`{"Authorization": "Bearer …"}`)."""
    for key, value in (params or {}).items():
        if key.lower() == "authorization" and isinstance(value, str):
            scheme, _, token = value.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


async def build_context(
    connection: HTTPConnection, settings: Settings, response: Response | None = None
) -> Context:
    token = bearer_token(connection)
    principal = await authenticate(token, settings.loyalty_admin_token, settings.loyalty_secret_key)
    return Context(
        settings=settings,
        principal=principal,
        response=response,
        token_refused=token is not None and principal is None,
    )
