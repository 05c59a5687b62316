"""The per-request context: who is calling, the settings, and fresh DataLoaders."""

from dataclasses import dataclass, field
from decimal import Decimal

from starlette.requests import HTTPConnection

from loyalty_gateway.auth.service import Principal, authenticate
from loyalty_gateway.graphql.loaders import Loaders, make_loaders
from loyalty_gateway.settings import Settings


@dataclass
class Context:
    settings: Settings
    principal: Principal | None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = make_loaders(self.settings.points_to_dollars_rate)

    @property
    def rate(self) -> Decimal:
        return self.settings.points_to_dollars_rate


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def build_context(connection: HTTPConnection, settings: Settings) -> Context:
    principal = await authenticate(bearer_token(connection), settings.loyalty_admin_token)
    return Context(settings=settings, principal=principal)
