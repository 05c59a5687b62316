"""Database faults under load: backends terminated again and again, and reactions keep running
in `serve` and in `worker` alike."""

import asyncio
import time
from collections.abc import Callable

import asyncpg
import httpx
import pytest
from tortoise import connections
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.transactions import in_transaction

from tests.postgres.test_processes import TOKEN, Cluster, cluster

EMIT = """mutation($p: ID!) { emitEvent(input: {event: "custom.fault", profileId: $p})
  { event { id } errors { code } } }"""
STATUS = "query($id: ID!) { event(id: $id) { status } }"


async def emit(client: httpx.AsyncClient, running: Cluster, profile_id: str) -> str | None:
    """An event's id, or None when the request failed (the database may be going away)."""
    try:
        response = await client.post(
            f"http://127.0.0.1:{running.port}/graphql",
            json={"query": EMIT, "variables": {"p": profile_id}},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        event = response.json()["data"]["emitEvent"]["event"]
    except (httpx.HTTPError, KeyError, TypeError, ValueError):
        return None
    return event["id"] if event else None


async def load(running: Cluster, profile_id: str, stop: asyncio.Event) -> int:
    """About 40 events a second until `stop`; returns how many were written."""
    written = 0
    async with httpx.AsyncClient(timeout=10) as client:
        while not stop.is_set():
            written += await emit(client, running, profile_id) is not None
            await asyncio.sleep(0.025)
    return written


async def terminate_backends(database_url: str) -> int:
    """pg_terminate_backend on every connection to the database but this one."""
    connection = await asyncpg.connect(database_url)
    try:
        return await connection.fetchval(
            """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
               WHERE datname = current_database() AND pid <> pg_backend_pid()"""
        )
    finally:
        await connection.close()


async def all_done(running: Cluster, ids: list[str], within: float) -> dict[str, str]:
    """The statuses of `ids`, once all are DONE or `within` seconds have passed."""
    deadline = time.monotonic() + within
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        for event_id in ids:
            if statuses.get(event_id) != "DONE":
                data = await running.gql(STATUS, {"id": event_id})
                statuses[event_id] = data["event"]["status"]
        if all(status == "DONE" for status in statuses.values()):
            break
        await asyncio.sleep(0.2)
    return statuses


async def until(
    client: httpx.AsyncClient, url: str, done: Callable[[httpx.Response], bool]
) -> httpx.Response:
    """GET `url` every 0.2 s until `done` holds of the answer, for 10 s at most."""
    for _ in range(50):
        response = await client.get(url)
        if done(response):
            break
        await asyncio.sleep(0.2)
    return response


@pytest.mark.parametrize("where", ["serve", "worker"])
async def test_reactions_run_after_backends_are_terminated_under_load(where):
    async with cluster() as running:
        await running.start(
            "serve", "Uvicorn running", DISPATCHER_IN_SERVE=str(where == "serve").lower()
        )
        if where == "worker":
            await running.start("worker", "worker: dispatching")
        created = await running.gql(
            'mutation { createProfile(input: {email: "f@example.com"}) { profile { id } } }'
        )
        profile_id = created["createProfile"]["profile"]["id"]

        stop = asyncio.Event()
        writer = asyncio.create_task(load(running, profile_id, stop))
        terminated = []
        for _ in range(5):
            await asyncio.sleep(1.5)
            terminated.append(await terminate_backends(running.database_url))
        stop.set()
        assert await writer > 50
        assert min(terminated) >= 1

        async with httpx.AsyncClient(timeout=10) as client:
            ids = []
            async with asyncio.timeout(15):
                while len(ids) < 10:
                    event_id = await emit(client, running, profile_id)
                    if event_id is not None:
                        ids.append(event_id)
            recovered = time.monotonic()
            statuses = await all_done(running, ids, within=10)
            if set(statuses.values()) != {"DONE"}:
                print("".join(running.output))
            assert set(statuses.values()) == {"DONE"}, statuses
            print(f"10 events after the faults done in {time.monotonic() - recovered:.2f}s")
            ready = await client.get(f"http://127.0.0.1:{running.port}/readyz")
            assert ready.status_code == 200, ready.text


async def test_a_transaction_whose_begin_fails_leaves_the_task_and_the_pool_as_they_were(
    server, monkeypatch
):
    """BEGIN failing (its backend just terminated) must not leave the task inside a dead
    transaction nor keep the connection from the pool: the dispatcher is one long task."""
    client = connections.get("default")
    free = client._pool._queue.qsize()
    begin = TransactionWrapper.begin
    failed: list[bool] = []

    async def begin_once_failing(self: TransactionWrapper) -> None:
        if not failed:
            failed.append(True)
            raise asyncpg.ConnectionDoesNotExistError("connection was closed in the middle")
        await begin(self)

    monkeypatch.setattr(TransactionWrapper, "begin", begin_once_failing)
    with pytest.raises(asyncpg.ConnectionDoesNotExistError):
        async with in_transaction():
            pass
    assert connections.get("default") is client
    assert client._pool._queue.qsize() == free
    async with in_transaction() as transaction:
        assert await transaction.execute_query_dict("SELECT 1 AS one") == [{"one": 1}]


async def test_readyz_reports_a_dispatcher_that_makes_no_progress_while_events_wait():
    async with cluster() as running:
        await running.start(
            "serve", "Uvicorn running", DISPATCHER_IN_SERVE="true", DISPATCHER_STALL_SECONDS="1"
        )
        readyz = f"http://127.0.0.1:{running.port}/readyz"
        connection = await asyncpg.connect(running.database_url)
        try:
            await connection.execute(
                """INSERT INTO event (name, context, depth, status, attempts, available_at,
                   created_at) VALUES ('custom.later', '{}', 0, 'PENDING', 0,
                   now() + interval '1.5 seconds', now())"""
            )
            async with connection.transaction(), httpx.AsyncClient(timeout=10) as client:
                # Reads go on; the dispatcher's claim waits behind the lock.
                await connection.execute("LOCK TABLE event IN EXCLUSIVE MODE")
                assert (await client.get(readyz)).status_code == 200
                response = await until(client, readyz, lambda r: r.status_code != 200)
                assert response.status_code == 503
                assert response.json()["error"] == "DispatcherStalled"
            async with httpx.AsyncClient(timeout=10) as client:
                response = await until(client, readyz, lambda r: r.status_code == 200)
                assert response.status_code == 200
            for _ in range(50):
                if await connection.fetchval("SELECT status FROM event") == "DONE":
                    break
                await asyncio.sleep(0.2)
            assert await connection.fetchval("SELECT status FROM event") == "DONE"
        finally:
            await connection.close()
