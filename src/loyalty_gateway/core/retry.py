"""How long to wait before trying again after failures in a row: the dispatcher, the LISTEN
connection and every supervised background loop back off the same way."""

MAX_BACKOFF_SECONDS = 10.0


def backoff(failures: int) -> float:
    """Seconds to wait after `failures` failures in a row: 0.5, 1, 2, … up to 10."""
    return float(min(MAX_BACKOFF_SECONDS, 0.25 * 2**failures))
