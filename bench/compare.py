"""Two builds side by side: `python -m bench.compare --base REV`.

Whether a change made the gateway faster cannot be read from two `make bench` runs: on this
project's machines the baseline's own req/s has moved 2x and more between runs minutes
apart. Here the build in this checkout (B) and the build at REV (A, checked out in a
temporary git worktree) run at the same time, one uvicorn worker each, on one seeded
database, and wrk drives both at once with the same requests, so that whatever the machine
does hits both alike. Each scenario runs in rounds (the first one, a warm-up, is left out);
a round reports each side's req/s and CPU milliseconds per request (the worker's user and
system time from /proc, so Linux only), and the scenario's verdict is the median of the
rounds' B/A ratios. A median within about ±6 % of 1.0 is noise (BENCHMARKS.md).

Both builds run on the schema of this checkout's migrations: compare builds that share it."""

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import wrk
from bench.run import ROOT, gateway_command, prepare, scenarios, start

WRITES = ["redeem_spread", "issue_reward", "create_transaction", "redeem_hot", "redeem_hot1"]
PORTS = {"A": 8111, "B": 8112}


def cpu_seconds(pid: int) -> float:
    """The user and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_ratio(rounds: list[dict[str, dict]], key: str) -> float:
    """The median over rounds of B's figure over A's."""
    return round(statistics.median(r["B"][key] / r["A"][key] for r in rounds), 3)


def one_round(pids: dict[str, int], load: dict[str, tuple]) -> dict[str, dict]:
    """Both sides driven at once; each side's wrk figures and CPU ms per request."""
    before = {side: cpu_seconds(pid) for side, pid in pids.items()}
    with ThreadPoolExecutor() as pool:
        results = dict(zip(pids, pool.map(lambda side: wrk.run(*load[side]), pids), strict=True))
    for side, pid in pids.items():
        spent = cpu_seconds(pid) - before[side]
        results[side]["cpu_ms"] = round(1000 * spent / max(1, results[side]["requests"]), 3)
    return results


def compare(args: argparse.Namespace, base_src: Path) -> None:
    _, env, token, ids = asyncio.run(prepare(args.database_url, "loyalty_compare", args.profiles))
    sources = {"A": base_src, "B": ROOT / "src"}
    servers = {
        side: start(
            gateway_command(PORTS[side], 1),
            {**env, "PYTHONPATH": f"{sources[side]}{os.pathsep}{ROOT}"},
            PORTS[side],
        )
        for side in PORTS
    }
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = scenarios(ids)
    try:
        pids = {side: process.pid for side, process in servers.items()}
        for scenario in args.scenarios:
            body = bodies[scenario]
            load = {
                side: (
                    f"http://127.0.0.1:{PORTS[side]}/graphql",
                    headers,
                    body,
                    args.connections,
                    0,
                    args.seconds,
                )
                for side in PORTS
            }
            one_round(pids, load)  # warm-up
            rounds = [one_round(pids, load) for _ in range(args.rounds)]
            for number, row in enumerate(rounds, 1):
                print(
                    f"{scenario:18} round {number}: req/s A {row['A']['rps']:8} "
                    f"B {row['B']['rps']:8} (B/A {row['B']['rps'] / row['A']['rps']:.3f}); "
                    f"CPU ms/req A {row['A']['cpu_ms']} B {row['B']['cpu_ms']}; "
                    f"p99 ms A {row['A']['p99_ms']} B {row['B']['p99_ms']}",
                    flush=True,
                )
            print(
                f"{scenario:18} median B/A: req/s {median_ratio(rounds, 'rps')}x, "
                f"CPU per request {median_ratio(rounds, 'cpu_ms')}x",
                flush=True,
            )
    finally:
        for process in servers.values():
            process.send_signal(signal.SIGTERM)
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="HEAD", help="A: the build at this git revision")
    parser.add_argument("--scenarios", nargs="*", default=WRITES)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5, help="one round's measured time")
    parser.add_argument("--connections", type=int, default=16, help="per side")
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    if not wrk.available():
        raise SystemExit("bench.compare needs wrk (Debian's `wrk`)")
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "base"
        git = ["git", "-C", str(ROOT)]
        subprocess.run([*git, "worktree", "add", "--detach", str(tree), args.base], check=True)
        try:
            compare(args, tree / "src")
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=True)


if __name__ == "__main__":
    main()
