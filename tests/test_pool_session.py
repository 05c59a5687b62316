"""Pooled PostgreSQL connections go back to the pool without asyncpg's reset query
(`db.PooledConnection`: no `RESET ALL`, a round trip on every release), so no code may leave
session state on them: no SET, no advisory lock, no cursor, no LISTEN but on the hub's
connections of its own. Read from the sources, as the layers are."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "loyalty_gateway"
SESSION_STATE = re.compile(
    r"pg_advisory_(?!unlock_all)"
    r"|\bDECLARE\s+\w+\s+(?:BINARY\s+)?(?:NO\s+)?(?:SCROLL\s+)?CURSOR"
    r"|(?-i:[\"']\s*(?:SET|LISTEN)\s)"  # SQL as this code writes it: upper case
    r"|\.add_listener\(",
    re.IGNORECASE,
)
OWN_CONNECTIONS = {"events/hub.py"}  # asyncpg.connect, never the pool


def test_nothing_leaves_session_state_on_a_pooled_connection():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in OWN_CONNECTIONS or name.startswith("migrations/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SESSION_STATE.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []


def test_the_check_sees_what_it_looks_for():
    for line in (
        'await connection.execute("SET lock_timeout = 0")',
        "await connection.execute('LISTEN loyalty_events')",
        "SELECT pg_advisory_xact_lock(1)",
        "DECLARE rows NO SCROLL CURSOR FOR SELECT 1",
        "await connection.add_listener(channel, handler)",
    ):
        assert SESSION_STATE.search(line), line
    for line in ("UPDATE reward SET value_remaining_cents = 0", "SELECT pg_advisory_unlock_all();"):
        assert not SESSION_STATE.search(line), line
