"""`bench.compare`'s own arithmetic: the CPU time it charges a worker, and its verdict."""

import os
import time

from bench.compare import cpu_seconds, median_ratio


def test_cpu_seconds_counts_what_the_process_computes_not_what_it_waits():
    """Read from /proc, against Python's own count of this process's CPU time."""
    start, own = cpu_seconds(os.getpid()), time.process_time()
    while time.process_time() - own < 0.3:
        sum(range(1000))
    busy = cpu_seconds(os.getpid()) - start
    time.sleep(0.3)
    idle = cpu_seconds(os.getpid()) - start - busy
    assert 0.25 <= busy <= 0.4, busy
    assert idle < 0.1, idle


def test_the_verdict_is_the_median_of_the_rounds_ratios_so_one_odd_round_does_not_sway_it():
    rounds = [
        {"A": {"rps": 100.0}, "B": {"rps": 110.0}},
        {"A": {"rps": 100.0}, "B": {"rps": 300.0}},  # a round the machine disturbed
        {"A": {"rps": 200.0}, "B": {"rps": 210.0}},
    ]
    assert median_ratio(rounds, "rps") == 1.1
