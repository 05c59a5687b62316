"""The in-memory cache of stored API tokens: what it keeps, for how long, and when not."""

import time

from loyalty_gateway.auth.cache import CachedToken, TokenCache, token_cache
from tests.conftest import BACKEND


def entry(token_id: str = "t1") -> CachedToken:
    return CachedToken(token_id, "till", frozenset({"profiles:read"}), None, time.monotonic())


def hearing_cache(ttl: float = 30) -> TokenCache:
    cache = TokenCache()
    cache.ttl_seconds = ttl
    cache.hearing(True)
    return cache


def test_a_lookup_that_began_before_a_revocation_does_not_store_what_it_read():
    cache = hearing_cache()
    began = cache.generation
    cache.forget("t1")  # the revocation is heard while the lookup waits on the database
    cache.put("digest", entry(), began)
    assert cache.get("digest") is None
    cache.put("digest", entry(), cache.generation)
    assert cache.get("digest").token_id == "t1"


def test_a_revocation_drops_every_entry_of_that_token():
    cache = hearing_cache()
    cache.put("a", entry("t1"), cache.generation)
    cache.put("b", entry("t2"), cache.generation)
    cache.forget("t1")
    assert cache.get("a") is None
    assert cache.get("b").token_id == "t2"


def test_an_entry_lives_at_most_token_cache_seconds():
    cache = hearing_cache(ttl=0.05)
    cache.put("digest", entry(), cache.generation)
    assert cache.get("digest") is not None
    time.sleep(0.06)
    assert cache.get("digest") is None


def test_nothing_is_kept_while_revocations_cannot_be_heard():
    cache = hearing_cache()
    cache.put("digest", entry(), cache.generation)
    cache.hearing(False)
    assert cache.get("digest") is None
    cache.put("digest", entry(), cache.generation)
    assert cache.get("digest") is None
    cache.hearing(True)
    assert cache.get("digest") is None  # back on, but empty: revocations were missed


def test_zero_seconds_turns_the_cache_off():
    cache = hearing_cache(ttl=0)
    assert not cache.enabled
    cache.put("digest", entry(), cache.generation)
    assert cache.get("digest") is None


async def test_the_server_caches_only_where_it_hears_revocations(server):
    # SQLite has no LISTEN, and the CLI in another process could revoke unheard.
    assert token_cache.enabled is (BACKEND == "postgres")
