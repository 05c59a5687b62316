"""The load generator when wrk is installed: a Lua script replays a pool of request bodies
drawn from the scenario, with `__UNIQUE__` replaced per request by a value unique across runs
(fresh external ids: a repeated one would be an idempotent replay, not a new write), and
counts GraphQL errors in 200 responses as errors."""

import json
import random
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.load import Body

POOL = 2000
SCRIPT = """
local bodies = {%(bodies)s}
local headers = {%(headers)s}
local nonce = "%(nonce)s"
local counter = 0
local errors = 0
local threads = {}
local thread_id = 0

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = bodies[math.random(#bodies)]
  body = string.gsub(body, "__UNIQUE__", nonce .. "-" .. tid .. "-" .. counter)
  return wrk.format("POST", nil, headers, body)
end

function response(status, hdrs, body)
  if status ~= 200 or string.find(body, '"errors":[{', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local errs = 0
  for _, thread in ipairs(threads) do
    errs = errs + (thread:get("errors") or 0)
  end
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p99_us": %%d, ' ..
    '"errors": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), errs,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_string(text: str) -> str:
    """A JSON string literal is a Lua one as long as it has no \\u escapes (ASCII only)."""
    literal = json.dumps(text)
    if "\\u" in literal:
        raise ValueError(f"not ASCII: {text[:60]}")
    return literal


def script(headers: dict[str, str], body: Body) -> str:
    rng = random.Random(7)
    bodies = []
    for _ in range(POOL):
        payload = body(rng)
        bodies.append(_lua_string(json.dumps(payload)))
    header_items = ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items())
    return SCRIPT % {
        "bodies": ", ".join(bodies),
        "headers": header_items,
        "nonce": uuid.uuid4().hex,
    }


def run(
    url: str, headers: dict[str, str], body: Body, connections: int, warmup: float, duration: float
) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        # One script per wrk run: each has its own nonce, so the measured run's unique
        # values never repeat the warm-up's.
        warm, measured = Path(folder) / "warm.lua", Path(folder) / "measured.lua"
        measured.write_text(script(headers, body))
        common = ["wrk", "-t2", f"-c{connections}"]
        if warmup > 0:  # none: the caller warmed the server up
            warm.write_text(script(headers, body))
            subprocess.run(
                [*common, "-d", f"{max(1, round(warmup))}s", "-s", str(warm), url],
                check=True,
                capture_output=True,
            )
        out = subprocess.run(
            [*common, "-d", f"{max(1, round(duration))}s", "-s", str(measured), url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK-RESULT "))
    data = json.loads(line.removeprefix("WRK-RESULT "))
    return {
        "rps": round(data["requests"] / data["seconds"], 1),
        "p50_ms": round(data["p50_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2),
        "requests": data["requests"],
        "errors": data["errors"] + data["socket_errors"],
    }
