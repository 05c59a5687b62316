"""The benchmark runs on the current code: its seed writes what the schema holds, the gateway,
the hand-written baseline and PostGraphile start as the bench starts them, every scenario's
request is answered without an error, the three give the same balances and the same pages,
and the ledger check finds nothing wrong."""

import asyncio
import random

import httpx
from bench import postgraphile
from bench.run import BIN, gateway_command, ledger_violations, page_cursor, scenarios, start
from bench.seed import seed

from tests.conftest import own_server
from tests.support import ADMIN_TOKEN, free_port

PROFILES = 12
DEPTH = 5


async def test_every_bench_scenario_is_answered_alike_by_all_three_servers(tmp_path):
    async with own_server(tmp_path) as server, httpx.AsyncClient(timeout=30) as http:
        dsn = server.settings.database_url
        ids = [str(profile_id) for profile_id in await seed(dsn, PROFILES)]
        env = {"DATABASE_URL": dsn, "LOYALTY_ADMIN_TOKEN": ADMIN_TOKEN}
        ports = {"gateway": free_port(), "baseline": free_port(), "postgraphile": free_port()}
        await asyncio.to_thread(postgraphile.install)  # npm missing: this fails, as it should
        await postgraphile.prepare(dsn)
        graphile, extra = postgraphile.command(ports["postgraphile"])
        commands = {
            "gateway": (gateway_command(ports["gateway"], 1), env),
            "baseline": ([str(BIN / "uvicorn"), "bench.baseline:app", "--port"], env),
            "postgraphile": (graphile, {**env, **extra}),
        }
        commands["baseline"][0].append(str(ports["baseline"]))
        running = {
            side: await asyncio.to_thread(start, command, environment, ports[side])
            for side, (command, environment) in commands.items()
        }
        urls = {side: f"http://127.0.0.1:{port}/graphql" for side, port in ports.items()}
        after = postgraphile.cursor_at(urls["postgraphile"], DEPTH)
        bodies = {
            "gateway": scenarios(ids, await page_cursor(dsn, DEPTH)),
            "postgraphile": postgraphile.scenarios(ids, after),
        }
        bodies["baseline"] = bodies["gateway"]
        answers: dict[str, dict[str, dict]] = {}
        try:
            for name in bodies["gateway"]:
                for side in ports:
                    body = bodies[side].get(name)
                    if body is None:
                        continue
                    answer = await http.post(
                        urls[side],
                        content=httpx.Request(
                            "POST", "/", json=body(random.Random(1))
                        ).content.replace(b"__UNIQUE__", f"{name}-{side}".encode()),
                        headers={
                            "authorization": f"Bearer {ADMIN_TOKEN}",
                            "content-type": "application/json",
                        },
                    )
                    assert answer.status_code == 200, (name, side, answer.text)
                    assert "errors" not in answer.json(), (name, side, answer.text)
                    answers.setdefault(name, {})[side] = answer.json()["data"]
        finally:
            for process in running.values():
                process.terminate()
                await asyncio.to_thread(process.wait, 10)
        assert await ledger_violations(dsn) == 0

    balance = answers["balance"]
    assert balance["gateway"] == balance["baseline"]
    assert balance["postgraphile"]["profileByRowId"] == balance["gateway"]["profile"]
    for name in ("list50", "page400"):
        pages = {side: _page(data) for side, data in answers[name].items()}
        assert pages["gateway"] == pages["baseline"] == pages["postgraphile"], name
    assert len(pages["gateway"]) == PROFILES - DEPTH  # page400 is the page after DEPTH rows


def _page(data: dict) -> list[tuple[str, str, list[str]]]:
    """A page as (profile id, email, reward ids in order), whatever the server's naming."""
    if "allProfiles" in data:
        return [
            (n["rowId"], n["email"], [r["rowId"] for r in n["rewardsByProfileId"]["nodes"]])
            for n in data["allProfiles"]["nodes"]
        ]
    return [
        (n["id"], n["email"], [r["id"] for r in n["rewards"]["nodes"]])
        for n in data["profiles"]["nodes"]
    ]
