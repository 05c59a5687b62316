"""Separate processes on one PostgreSQL database: a `serve` without a dispatcher, `worker`s
that run the reactions, a subscriber that sees their steps, and a worker killed mid-run."""

import asyncio
import json
import os
import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import websockets
from aiohttp import web

from tests.conftest import create_pg_database, drop_pg_database
from tests.support import CLI, free_port

TOKEN = "processes-" + uuid.uuid4().hex


class Cluster:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.processes: list[asyncio.subprocess.Process] = []
        self.drains: list[asyncio.Task] = []
        self.output: list[str] = []  # what the processes printed, for a failing test to show

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "LOYALTY_ADMIN_TOKEN": TOKEN,
            "PORT": str(self.port),
            "DISPATCHER_IN_SERVE": "false",
            "DISPATCHER_POLL_SECONDS": "0.2",
            "EVENT_LEASE_SECONDS": "2",
            "TARGET_ALLOW_PRIVATE_NETWORKS": "true",
            "TARGET_TIMEOUT_SECONDS": "30",
            "RATE_LIMIT_PER_SECOND": "100000",
            "RATE_LIMIT_BURST": "100000",
            **extra,
        }

    async def start(self, command: str, marker: str, **env: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            CLI,
            command,
            env=self.env(**env),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.processes.append(process)
        seen = []
        async with asyncio.timeout(30):
            while True:
                line = (await process.stdout.readline()).decode()
                seen.append(line)
                if marker in line:
                    break
                if not line:
                    raise AssertionError("".join(seen))
        self.drains.append(asyncio.create_task(self._keep(process.stdout)))  # keep it flowing
        return process

    async def _keep(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.output.append(line.decode())

    async def gql(self, query: str, variables: dict | None = None) -> dict:
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                f"http://127.0.0.1:{self.port}/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@asynccontextmanager
async def cluster() -> AsyncIterator[Cluster]:
    url, name = await create_pg_database()
    running = Cluster(url)
    await migrate_in_subprocess(running)
    try:
        yield running
    finally:
        for process in running.processes:
            if process.returncode is None:
                process.kill()
                await process.wait()
        await drop_pg_database(name)


async def migrate_in_subprocess(running: Cluster) -> None:
    process = await asyncio.create_subprocess_exec(CLI, "migrate", env=running.env())
    assert await process.wait() == 0


async def setup_reaction(running: Cluster, event: str, actions: list[dict]) -> tuple[str, str]:
    profile = await running.gql(
        'mutation { createProfile(input: {email: "p@example.com"}) { profile { id } } }'
    )
    await running.gql("""mutation { createBenefitDefinition(input: {name: "W", handle: "welcome",
      isAssignable: true}) { errors { code } } }""")
    reaction = await running.gql(
        """mutation($input: CreateReactionInput!) { createReaction(input: $input)
        { reaction { id } errors { code } } }""",
        {"input": {"name": "multi-process", "trigger": event, "actions": actions}},
    )
    return profile["createProfile"]["profile"]["id"], reaction["createReaction"]["reaction"]["id"]


BENEFIT_STEP = {
    "name": "benefit.create",
    "sortOrder": 1,
    "arguments": [
        {"name": "profile_id", "value": {"var": "profile_id"}, "isDynamic": True},
        {"name": "definition", "value": "welcome"},
    ],
}


async def test_a_subscriber_on_the_server_sees_the_steps_a_worker_runs():
    async with cluster() as running:
        await running.start("serve", "Uvicorn running")
        await running.start("worker", "worker: dispatching")
        event = "custom.cross_process"
        profile_id, _ = await setup_reaction(running, event, [BENEFIT_STEP])
        socket = await websockets.connect(
            f"ws://127.0.0.1:{running.port}/graphql", subprotocols=["graphql-transport-ws"]
        )
        try:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {TOKEN}"}}
                )
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            await socket.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "subscription { reactionLog { kind action status } }"},
                    }
                )
            )
            await asyncio.sleep(0.5)
            await running.gql(
                'mutation($p: ID!) { emitEvent(input: {event: "custom.cross_process", '
                "profileId: $p}) { errors { code } } }",
                {"p": profile_id},
            )
            received = []
            async with asyncio.timeout(20):
                while len(received) < 3:
                    message = json.loads(await socket.recv())
                    received.append(message["payload"]["data"]["reactionLog"])
        finally:
            await socket.close()
        assert received == [
            {"kind": "RUN_STARTED", "action": None, "status": "RUNNING"},
            {"kind": "STEP", "action": "benefit.create", "status": "PASSED"},
            {"kind": "RUN_FINISHED", "action": None, "status": "COMPLETED"},
        ]


@pytest.fixture
async def hanging_receiver():
    """Answers nothing to the first request (the worker dies waiting), 200 afterwards."""
    port = free_port()
    state = {"deliveries": [], "first": asyncio.Event()}

    async def handle(request: web.Request) -> web.Response:
        state["deliveries"].append(request.headers["X-Loyalty-Delivery"])
        if len(state["deliveries"]) == 1:
            state["first"].set()
            await asyncio.sleep(3600)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    state["url"] = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


async def test_a_worker_killed_between_steps_resumes_without_issuing_twice(hanging_receiver):
    async with cluster() as running:
        await running.start("serve", "Uvicorn running")
        await running.gql(
            """mutation($url: String!) { createTarget(input: {name: "h", handle: "hook",
            url: $url, template: "{}"}) { errors { code } } }""",
            {"url": hanging_receiver["url"]},
        )
        send = {
            "name": "target.send",
            "sortOrder": 2,
            "arguments": [{"name": "target", "value": "hook"}],
        }
        profile_id, reaction_id = await setup_reaction(
            running, "custom.crash_test", [BENEFIT_STEP, send]
        )
        worker = await running.start("worker", "worker: dispatching")
        await running.gql(
            'mutation($p: ID!) { emitEvent(input: {event: "custom.crash_test", '
            "profileId: $p}) { errors { code } } }",
            {"p": profile_id},
        )
        async with asyncio.timeout(20):
            await hanging_receiver["first"].wait()
        worker.send_signal(signal.SIGKILL)
        await worker.wait()

        runs_query = """query($r: ID) { reactionRuns(reactionId: $r) { nodes { status
          steps { action status } } } }"""
        [run] = (await running.gql(runs_query, {"r": reaction_id}))["reactionRuns"]["nodes"]
        assert run["status"] == "RUNNING"
        assert run["steps"] == [{"action": "benefit.create", "status": "PASSED"}]

        await running.start("worker", "worker: dispatching")
        async with asyncio.timeout(30):
            while True:
                [run] = (await running.gql(runs_query, {"r": reaction_id}))["reactionRuns"]["nodes"]
                if run["status"] != "RUNNING":
                    break
                await asyncio.sleep(0.2)
        assert run["status"] == "COMPLETED"
        assert [s["action"] for s in run["steps"]] == ["benefit.create", "target.send"]
        benefits = await running.gql(
            "query($p: ID!) { profile(id: $p) { benefits { totalCount } } }", {"p": profile_id}
        )
        assert benefits["profile"]["benefits"]["totalCount"] == 1
        deliveries = hanging_receiver["deliveries"]
        assert len(deliveries) == 2 and len(set(deliveries)) == 1
