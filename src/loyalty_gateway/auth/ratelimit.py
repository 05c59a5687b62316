"""A token bucket per caller: in this process, or shared by every process through Redis."""

import math
import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class Limiter(Protocol):
    """What the request pipeline needs of a limiter, in this process or shared."""

    async def take(self, key: str) -> Decision: ...


class LocalLimiter:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str) -> Decision:
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return Decision(True)
        self._buckets[key] = (tokens, now)
        return Decision(False, (1 - tokens) / self.rate)


BUCKET = """
local tokens_ts = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(tokens_ts[1]) or burst
local ts = tonumber(tokens_ts[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed, retry = 0, 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 else retry = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return {allowed, tostring(retry)}
"""


class RedisLimiter:
    """The same bucket, kept in Redis by one atomic script, so all processes share it."""

    def __init__(self, url: str, rate: float, burst: int, prefix: str) -> None:
        self.rate, self.burst, self.prefix = rate, burst, prefix
        self.client = redis.from_url(url)
        self.script = self.client.register_script(BUCKET)

    async def take(self, key: str) -> Decision:
        ttl = math.ceil(self.burst / self.rate) + 1
        allowed, retry = await self.script(
            keys=[self.prefix + key], args=[self.rate, self.burst, time.time(), ttl]
        )
        return Decision(bool(int(allowed)), float(retry))
