"""Tortoise's asyncpg engine with one fault fixed: a transaction whose BEGIN fails.

tortoise-orm 1.1's pooled transaction takes a connection from the pool and makes it the
task's current connection before it sends BEGIN. When BEGIN fails (the backend was just
terminated), its `__aexit__` never runs: the broken connection is never given back and the
task keeps it as its current transaction, so every later `in_transaction()` in that task
nests a savepoint into a dead connection ("connection is closed", for ever). That is how
the dispatcher, one long-lived task, stopped for good after a few `pg_terminate_backend`.
Here a failed BEGIN closes that connection, returns it to the pool (which opens a new one
when needed) and restores the task's connection before the error goes on.

`db.tortoise_config` names this module as the engine for PostgreSQL URLs.
"""

from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled
from tortoise.connection import get_connections


class _PooledTransaction(TransactionContextPooled):
    async def __aenter__(self) -> TransactionWrapper:
        await self.ensure_connection()
        pool = self.client._parent._pool
        connection = await pool.acquire()
        self.client._connection = connection
        self.token = get_connections().set(self.connection_name, self.client)
        try:
            await self.client.begin()
        except BaseException:
            get_connections().reset(self.token)
            connection.terminate()
            await pool.release(connection)
            raise
        return self.client  # type: ignore[return-value]  # as tortoise's own __aenter__ does


class Client(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return _PooledTransaction(TransactionWrapper(self), self._pool_init_lock)


client_class = Client
