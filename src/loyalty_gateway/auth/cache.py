"""Stored API tokens kept in memory by digest, so a request does not read the token table.

The cache is on only while this process hears every revocation: on PostgreSQL, while its
LISTEN connection is up (a revocation in any process NOTIFYs `TOKENS_CHANNEL`). When that
connection drops the cache is emptied and turned off until it is back, and an entry lives
at most `TOKEN_CACHE_SECONDS` whatever happens. On SQLite, where another process (the CLI)
could revoke unheard, it stays off. Unknown digests are never kept: a flood of made-up
tokens cannot grow it.
"""

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

TOKENS_CHANNEL = "loyalty_tokens"
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class CachedToken:
    token_id: str
    name: str
    scopes: frozenset[str]
    last_used_at: datetime | None
    loaded_at: float


class TokenCache:
    def __init__(self) -> None:
        self.ttl_seconds = 0.0
        self.enabled = False
        self._entries: dict[str, CachedToken] = {}
        # Bumped by every forget: a lookup that began before a revocation must not store
        # what it read once the revocation has been heard.
        self.generation = 0
        self._watchers: dict[str, set[asyncio.Event]] = {}

    def get(self, digest: str) -> CachedToken | None:
        entry = self._entries.get(digest) if self.enabled else None
        if entry is not None and time.monotonic() - entry.loaded_at > self.ttl_seconds:
            del self._entries[digest]
            return None
        return entry

    def put(self, digest: str, entry: CachedToken, generation: int) -> None:
        if not self.enabled or generation != self.generation or self.ttl_seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[digest] = entry

    def touched(self, digest: str, last_used_at: datetime) -> None:
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries[digest] = replace(entry, last_used_at=last_used_at)

    def forget(self, token_id: str) -> None:
        """A token was revoked (the NOTIFY payload is its id)."""
        self.generation += 1
        for digest, entry in list(self._entries.items()):
            if entry.token_id == token_id:
                del self._entries[digest]
        for revoked in self._watchers.get(token_id, ()):
            revoked.set()

    @contextmanager
    def watching(self, token_id: str | None) -> Iterator[asyncio.Event]:
        """An event set when `token_id` is revoked here or in a process this one hears (on
        SQLite only here: what watches must also look again now and then)."""
        revoked = asyncio.Event()
        if token_id is None:
            yield revoked
            return
        watchers = self._watchers.setdefault(token_id, set())
        watchers.add(revoked)
        try:
            yield revoked
        finally:
            watchers.discard(revoked)
            if not watchers:
                del self._watchers[token_id]

    def hearing(self, connected: bool) -> None:
        """The LISTEN connection came up or went down: start empty either way."""
        self.generation += 1
        self._entries.clear()
        self.enabled = connected and self.ttl_seconds > 0


token_cache = TokenCache()
