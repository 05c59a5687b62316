"""`bench.compare`'s own arithmetic: the CPU time it charges a worker, and its verdict."""

import os
import time

from bench.compare import cpu_seconds, median_ratio


def test_cpu_seconds_counts_the_time_a_process_spends_computing_not_waiting():
    start, wall = cpu_seconds(os.getpid()), time.monotonic()
    while time.monotonic() - wall < 0.3:
        sum(range(1000))
    busy = cpu_seconds(os.getpid()) - start
    time.sleep(0.3)
    idle = cpu_seconds(os.getpid()) - start - busy
    assert 0.2 <= busy <= 0.5, busy
    assert idle < 0.1, idle


def test_the_verdict_is_the_median_of_the_rounds_ratios_so_one_odd_round_does_not_sway_it():
    rounds = [
        {"A": {"rps": 100.0}, "B": {"rps": 110.0}},
        {"A": {"rps": 100.0}, "B": {"rps": 300.0}},  # a round the machine disturbed
        {"A": {"rps": 200.0}, "B": {"rps": 210.0}},
    ]
    assert median_ratio(rounds, "rps") == 1.1
