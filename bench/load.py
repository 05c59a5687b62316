"""A small async load generator: N connections, warm-up, then a fixed duration."""

import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
import orjson


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return 0.0
        return statistics.quantiles(self.latencies_ms, n=100)[int(q) - 1]

    def summary(self) -> dict:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p99_ms": round(self.percentile(99), 2),
            "requests": self.requests,
            "errors": self.errors,
        }


Body = Callable[[random.Random], dict]
UNIQUE = "__UNIQUE__"
"""Replaced in each request by a fresh value (a transaction's externalId)."""
FLOOR = "query Floor { __typename }"
"""No resolver and no database: what the HTTP + GraphQL stack costs on its own."""


def read_scenarios(ids: list[str], after: str | None, balance: str, profiles: str) -> dict:
    """The read scenarios in one server's naming: its `Balance($id)` and its
    `ProfilesWithRewards($after)` queries, and its cursor `after` the start of page 400."""
    return {
        "floor": lambda rng: {"operationName": "Floor", "query": FLOOR},
        "balance": lambda rng: {
            "operationName": "Balance",
            "query": balance,
            "variables": {"id": rng.choice(ids)},
        },
        "list50": lambda rng: {"operationName": "ProfilesWithRewards", "query": profiles},
        "page400": lambda rng: {
            "operationName": "ProfilesWithRewards",
            "query": profiles,
            "variables": {"after": after},
        },
    }


async def drive(
    url: str, headers: dict[str, str], body: Body, connections: int, warmup: float, duration: float
) -> Result:
    latencies: list[float] = []
    counts = {"requests": 0, "errors": 0}
    measuring = asyncio.Event()
    stop = asyncio.Event()

    async def worker(index: int, session: aiohttp.ClientSession) -> None:
        rng = random.Random(index)
        while not stop.is_set():
            payload = orjson.dumps(body(rng)).replace(UNIQUE.encode(), uuid.uuid4().hex.encode())
            started = time.perf_counter()
            async with session.post(url, data=payload, headers=headers) as response:
                data = await response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if measuring.is_set() and not stop.is_set():
                latencies.append(elapsed)
                counts["requests"] += 1
                if response.status != 200 or b'"errors":[{' in data or b'"errors": [{' in data:
                    counts["errors"] += 1

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.create_task(worker(i, session)) for i in range(connections)]
        await asyncio.sleep(warmup)
        measuring.set()
        started = time.perf_counter()
        await asyncio.sleep(duration)
        stop.set()
        seconds = time.perf_counter() - started
        await asyncio.gather(*tasks)
    return Result(counts["requests"], counts["errors"], seconds, latencies)
