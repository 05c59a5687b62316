"""The benchmark runs on the current code: its seed writes what the schema holds, the gateway
and the hand-written baseline start as the bench starts them, every scenario's request is
answered by both without an error, and the ledger check finds nothing wrong."""

import asyncio
import random

import httpx
from bench.run import BIN, gateway_command, ledger_violations, scenarios, start
from bench.seed import seed

from tests.conftest import own_server
from tests.support import ADMIN_TOKEN, free_port


async def test_every_bench_scenario_is_answered_by_the_gateway_and_the_baseline(tmp_path):
    async with own_server(tmp_path) as server, httpx.AsyncClient(timeout=30) as http:
        dsn = server.settings.database_url
        ids = [str(profile_id) for profile_id in await seed(dsn, 12)]
        env = {"DATABASE_URL": dsn, "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN}
        ports = {"gateway": free_port(), "baseline": free_port()}
        commands = {
            "gateway": gateway_command(ports["gateway"], 1),
            "baseline": [str(BIN / "uvicorn"), "bench.baseline:app", "--port"],
        }
        commands["baseline"].append(str(ports["baseline"]))
        running = {
            side: await asyncio.to_thread(start, command, env, ports[side])
            for side, command in commands.items()
        }
        try:
            rng = random.Random(1)
            for name, body in scenarios(ids).items():
                request = body(rng)
                for side, port in ports.items():
                    answer = await http.post(
                        f"http://127.0.0.1:{port}/graphql",
                        content=httpx.Request("POST", "/", json=request).content.replace(
                            b"__UNIQUE__", f"{name}-{side}".encode()
                        ),
                        headers={
                            "authorization": f"Bearer {ADMIN_TOKEN}",
                            "content-type": "application/json",
                        },
                    )
                    assert answer.status_code == 200, (name, side, answer.text)
                    assert "errors" not in answer.json(), (name, side, answer.text)
        finally:
            for process in running.values():
                process.terminate()
                await asyncio.to_thread(process.wait, 10)
        assert await ledger_violations(dsn) == 0
