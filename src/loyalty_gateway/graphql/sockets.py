"""graphql-transport-ws as this service speaks it, on top of Strawberry's handler.

- A socket authenticates once, in `connection_init`, but its token can be revoked or expire
  while it stays open. Every operation checks the token again, as HTTP does on every request
  (through the token cache: a stored token costs a dictionary lookup), and a watch wakes on a
  revocation heard by this process, at a customer token's expiry and every
  `SUBSCRIPTION_CHECK_SECONDS`. Either way the open operations get an `error` frame with
  UNAUTHENTICATED, then the socket closes with 4403.
- A document that does not parse is answered like one that does not validate: an `error`
  frame for that operation (Strawberry closes the whole socket with 4400).
- An idle socket gets a `ping` every `WS_PING_SECONDS`, so proxies that drop quiet
  connections leave it open.
"""

import asyncio
from contextlib import suppress
from datetime import timedelta
from typing import Any, Protocol

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from loyalty_gateway.auth.cache import token_cache
from loyalty_gateway.auth.service import still_valid
from loyalty_gateway.core.time import utcnow
from loyalty_gateway.graphql.context import Context
from loyalty_gateway.settings import Settings

REFUSED = "The token has expired or was revoked"
CLOSE_FORBIDDEN = 4403


class HasSettings(Protocol):
    settings: Settings


def refused() -> GraphQLError:
    return GraphQLError(REFUSED, extensions={"code": "UNAUTHENTICATED"})


class GuardedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        view: HasSettings = self.view  # type: ignore[assignment]  # our GraphQLApp, which has its settings
        self.settings = view.settings
        self.last_active = asyncio.get_running_loop().time()
        self.watchers: list[asyncio.Task[None]] = []

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and not self.watchers:
            self.watchers = [asyncio.create_task(self._watch_token())]
            if self.settings.ws_ping_seconds > 0:
                self.watchers.append(asyncio.create_task(self._keep_alive()))
            for task in self.watchers:
                task.add_done_callback(self._task_done)

    async def handle_message(self, message: Message) -> None:
        self.last_active = asyncio.get_running_loop().time()
        await super().handle_message(message)

    async def send_message(self, message: Message) -> None:
        self.last_active = asyncio.get_running_loop().time()
        await super().send_message(message)

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        principal = self.context.principal
        if self.connection_acknowledged and principal and not await still_valid(principal):
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [refused().formatted]}
            )
            await self._close_refused()
            return
        await super().handle_subscribe(message)

    @staticmethod
    def _get_pre_execution_close_reason(error: GraphQLError) -> str | None:
        if isinstance(error, GraphQLSyntaxError):
            return None
        return BaseGraphQLTransportWSHandler._get_pre_execution_close_reason(error)

    async def shutdown(self) -> None:
        for task in self.watchers:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await super().shutdown()

    async def _close_refused(self) -> None:
        for operation in list(self.operations.values()):
            await operation.send_initial_errors([refused()])
        await self.websocket.close(code=CLOSE_FORBIDDEN, reason=f"Forbidden: {REFUSED.lower()}")

    async def _watch_token(self) -> None:
        principal = self.context.principal
        if principal is None or not principal.lapses:
            return
        with token_cache.watching(principal.token_id) as revoked:
            while await still_valid(principal):
                wait = timedelta(seconds=self.settings.subscription_check_seconds)
                if principal.expires_at is not None:
                    wait = min(wait, principal.expires_at - utcnow())
                with suppress(TimeoutError):
                    await asyncio.wait_for(revoked.wait(), max(wait.total_seconds(), 0))
        await self._close_refused()

    async def _keep_alive(self) -> None:
        interval, clock = self.settings.ws_ping_seconds, asyncio.get_running_loop()
        while True:
            idle = clock.time() - self.last_active
            if idle >= interval:
                await self.send_message({"type": "ping"})
                idle = 0
            await asyncio.sleep(interval - idle)
