"""A clone of the repository, with nothing beside it, collects its whole test suite: no test
reads anything outside the repository."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_lone_clone_collects_every_test(tmp_path):
    clone = tmp_path / "alone" / "loyalty-gateway"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=clone,
        env={**os.environ, "PYTHONPATH": str(clone / "src"), "TEST_BACKEND": "sqlite"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert " error" not in collected.stdout.splitlines()[-1], collected.stdout[-3000:]
